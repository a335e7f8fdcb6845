"""Calls the control plane through grpcio stubs generated from proto/, and prints what it got as JSON.

Usage: client.py STUBS_DIR HOST:PORT
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from openchoreo.api.v1alpha1 import organization_service_pb2, organization_service_pb2_grpc  # noqa: E402

status_name = health_pb2.HealthCheckResponse.ServingStatus.Name
result = {}
with grpc.insecure_channel(sys.argv[2]) as channel:
    health = health_pb2_grpc.HealthStub(channel)
    response, call = health.Check.with_call(
        health_pb2.HealthCheckRequest(service=""), metadata=[("x-request-id", "python-1")], timeout=10
    )
    result["check"] = status_name(response.status)
    result["request_id"] = dict(call.initial_metadata()).get("x-request-id")

    try:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        result["check_unknown"] = "OK"
    except grpc.RpcError as e:
        result["check_unknown"] = e.code().name

    watch = health.Watch(health_pb2.HealthCheckRequest(service="grpc.health.v1.Health"), timeout=10)
    result["watch_first"] = status_name(next(watch).status)
    watch.cancel()

    organizations = organization_service_pb2_grpc.OrganizationServiceStub(channel)
    try:
        organizations.GetOrganization(organization_service_pb2.GetOrganizationRequest(name="acme"), timeout=10)
        result["get_organization"] = "OK"
    except grpc.RpcError as e:
        result["get_organization"] = e.code().name

print(json.dumps(result))
