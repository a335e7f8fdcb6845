import { toBinary } from "@bufbuild/protobuf";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import {
  ConnectRequestSchema,
  ConnectResponseSchema,
  type ConnectRequest,
  type ConnectResponse,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { PlaneKind, PlaneRef } from "./plane-ref.js";

/**
 * Prometheus series of the plane agents' streams on this replica. Traffic is labelled per plane
 * ("namespace/name"), which is bounded by the registered planes; the latency only per plane kind.
 */
export interface PlaneAgentMetrics {
  /** A message handed to the agent's stream. */
  sent(plane: PlaneRef, message: ConnectResponse): void;
  /** A message from the agent; returns its encoded size. */
  received(plane: PlaneRef, message: ConnectRequest): number;
  sessionOpened(plane: PlaneRef): void;
  sessionClosed(plane: PlaneRef): void;
  /** From sending a generation's parts until the agent acknowledged them all. */
  acked(kind: PlaneKind, seconds: number): void;
}

export function createPlaneAgentMetrics(registry: Registry): PlaneAgentMetrics {
  const registers = [registry];
  const traffic = ["plane_kind", "plane", "message"] as const;
  const sentMessages = new Counter({ name: "choreo_plane_agent_sent_messages_total", help: "Messages sent to plane agents, by plane and message kind.", labelNames: traffic, registers });
  const sentBytes = new Counter({ name: "choreo_plane_agent_sent_bytes_total", help: "Encoded bytes of the messages sent to plane agents, by plane and message kind.", labelNames: traffic, registers });
  const sentObjects = new Counter({
    name: "choreo_plane_agent_sent_objects_total",
    help: "Object manifests sent to plane agents in DesiredRelease messages (unchanged objects travel as references and are not counted).",
    labelNames: ["plane_kind", "plane"] as const,
    registers,
  });
  const receivedMessages = new Counter({ name: "choreo_plane_agent_received_messages_total", help: "Messages received from plane agents, by plane and message kind.", labelNames: traffic, registers });
  const receivedBytes = new Counter({ name: "choreo_plane_agent_received_bytes_total", help: "Encoded bytes of the messages received from plane agents, by plane and message kind.", labelNames: traffic, registers });
  const sessions = new Gauge({ name: "choreo_plane_agent_sessions", help: "Plane agent sessions open on this replica.", labelNames: ["plane_kind"] as const, registers });
  const ackSeconds = new Histogram({
    name: "choreo_plane_agent_ack_seconds",
    help: "Time from sending a Release generation to a plane agent until it acknowledged every part.",
    labelNames: ["plane_kind"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const labelsOf = (plane: PlaneRef, message: string) => ({ plane_kind: plane.kind, plane: `${plane.namespace}/${plane.name}`, message });

  return {
    sent(plane, message) {
      const labels = labelsOf(plane, message.message.case ?? "unknown");
      sentMessages.inc(labels);
      // Encoded again here: connect-node encodes inside the transport and does not say the size.
      sentBytes.inc(labels, toBinary(ConnectResponseSchema, message).length);
      if (message.message.case === "release" && message.message.value.objects.length > 0) {
        sentObjects.inc({ plane_kind: plane.kind, plane: labels.plane }, message.message.value.objects.length);
      }
    },
    received(plane, message) {
      const labels = labelsOf(plane, message.message.case ?? "unknown");
      receivedMessages.inc(labels);
      const bytes = toBinary(ConnectRequestSchema, message).length;
      receivedBytes.inc(labels, bytes);
      return bytes;
    },
    sessionOpened(plane) {
      sessions.inc({ plane_kind: plane.kind });
    },
    sessionClosed(plane) {
      sessions.dec({ plane_kind: plane.kind });
    },
    acked(kind, seconds) {
      ackSeconds.observe({ plane_kind: kind }, seconds);
    },
  };
}
