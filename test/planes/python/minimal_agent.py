"""A minimal plane agent in Python, written from proto/ alone: it proves the stream is served to any
grpcio client, not only to ours.

Usage: minimal_agent.py STUBS_DIR HOST:PORT CREDENTIAL_FILE PLANE_NAME

It says Hello with an empty inventory, takes the Welcome, acknowledges every DesiredRelease part
(each object Applied, with the checksum it computed itself; unchanged ones Unchanged), reports every
object of a complete generation Healthy, and sends heartbeats at the interval the Welcome asks for.
It applies nothing anywhere. Each thing it does is printed as one JSON line on stdout; it runs until
the stream ends (exit 0 if the server ended it normally, 1 otherwise) or it is terminated.
"""
import hashlib
import json
import queue
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.protobuf import timestamp_pb2  # noqa: E402
from openchoreo.agent.v1alpha1 import plane_agent_service_pb2 as pb  # noqa: E402
from openchoreo.agent.v1alpha1 import plane_agent_service_pb2_grpc as pb_grpc  # noqa: E402

target, credential_file, plane_name = sys.argv[2], sys.argv[3], sys.argv[4]
with open(credential_file, encoding="utf-8") as f:
    token = f.read().strip()


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def checksum(manifest):
    """sha256 of the RFC 8785 (JCS) form of the object, as the contract defines it.

    json.dumps with sorted keys, no whitespace and ensure_ascii=False is JCS for the objects this test
    sends: JCS sorts keys by UTF-16 code units (the same order as Python's for ASCII keys) and writes
    numbers as ECMAScript does (the same as Python for integers). Non-ASCII keys or non-integer
    numbers would need a full JCS implementation.
    """
    text = json.dumps(json.loads(manifest), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


outbox = queue.Queue()
done = threading.Event()


def requests():
    while True:
        message = outbox.get()
        if message is None:
            return
        yield message


def now():
    stamp = timestamp_pb2.Timestamp()
    stamp.GetCurrentTime()
    return stamp


def beat(interval):
    sequence = 0
    while not done.wait(interval):
        sequence += 1
        outbox.put(pb.ConnectRequest(heartbeat=pb.Heartbeat(sent_time=now(), sequence=sequence)))


outbox.put(
    pb.ConnectRequest(
        hello=pb.Hello(plane_name=plane_name, plane_kind="DataPlane", agent_version="0.0.1-python", driver="python-minimal")
    )
)

# Parts received per (release, generation), until all are there.
parts = {}
code = 0
with grpc.insecure_channel(target) as channel:
    stub = pb_grpc.PlaneAgentServiceStub(channel)
    try:
        for response in stub.Connect(requests(), metadata=[("authorization", "Bearer " + token)]):
            kind = response.WhichOneof("message")
            if kind == "welcome":
                welcome = response.welcome
                say("welcome", session_id=welcome.session_id, heartbeat_interval_seconds=welcome.heartbeat_interval_seconds)
                threading.Thread(target=beat, args=(max(1, welcome.heartbeat_interval_seconds),), daemon=True).start()
            elif kind == "release":
                release = response.release
                results = []
                mismatched = []
                for o in release.objects:
                    sha256 = checksum(o.manifest)
                    if sha256 != o.sha256:
                        mismatched.append(o.ref.name)
                    results.append(pb.ObjectResult(ref=o.ref, outcome="Applied", sha256=sha256))
                results += [pb.ObjectResult(ref=ref, outcome="Unchanged") for ref in release.unchanged_refs]
                outbox.put(
                    pb.ConnectRequest(
                        ack=pb.ReleaseAck(release_id=release.release_id, generation=release.generation, part=release.part, results=results)
                    )
                )
                say(
                    "acked",
                    release_id=release.release_id,
                    generation=release.generation,
                    part=release.part,
                    part_count=release.part_count,
                    objects=len(release.objects),
                    checksum_mismatches=mismatched,
                )
                key = (release.release_id, release.generation)
                refs = parts.setdefault(key, {})
                refs[release.part] = [o.ref for o in release.objects] + list(release.unchanged_refs)
                if len(refs) == release.part_count:
                    del parts[key]
                    statuses = [
                        pb.ObjectStatus(ref=ref, health="Healthy", message="reported by the Python agent", observed_time=now())
                        for part in refs.values()
                        for ref in part
                    ]
                    outbox.put(
                        pb.ConnectRequest(status=pb.StatusReport(release_id=release.release_id, generation=release.generation, objects=statuses))
                    )
                    say("reported", release_id=release.release_id, generation=release.generation, healthy=len(statuses))
            elif kind == "release_deletion":
                say("deleted", release_id=response.release_deletion.release_id)
            elif kind == "heartbeat":
                pass
            else:
                say("ignored", message=kind)
        say("ended")
    except grpc.RpcError as e:
        say("failed", code=e.code().name, details=e.details())
        code = 1
    finally:
        done.set()
        outbox.put(None)
sys.exit(code)
