import { create, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  DesiredReleaseSchema,
  ObjectRefSchema,
  ReleaseObjectSchema,
  type DesiredRelease,
  type ObjectRef,
  type ReleaseObject,
} from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import type { DesiredObject } from "./desired-objects.js";

/** What the agent holds for one Release: the generation it applied and each object's checksum. */
export interface HeldRelease {
  generation: number;
  readonly objects: Map<string, string>;
}

export interface ReleasePlan {
  /** The messages to send, in order; empty when the agent already holds exactly this. */
  readonly parts: DesiredRelease[];
  /** Objects whose manifest alone exceeds the message limit: never sent, reported as failed. */
  readonly tooLarge: DesiredObject[];
}

export interface PlanInput {
  readonly releaseId: string;
  readonly generation: number;
  readonly objects: readonly DesiredObject[];
  readonly held: HeldRelease | undefined;
  readonly interval: string;
  readonly progressingInterval: string;
  /** Largest ConnectResponse the agent is sent. */
  readonly maxMessageBytes: number;
}

// A ConnectResponse wraps the part in a oneof field: one tag byte and a length of up to 5 bytes.
const envelopeBytes = 6;

const fieldBytes = <D extends DescMessage>(schema: D, message: MessageShape<D>): number => {
  const length = toBinary(schema, message).length;
  return 1 + varintBytes(length) + length;
};

function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

/**
 * What to send an agent so it holds a Release at this generation: the objects whose checksum differs
 * from what it holds travel in full, the others as unchanged_refs, split into parts that each fit the
 * message limit. Nothing when the agent holds this generation with the same objects and no others.
 * An object too large for any message is left out (and kept where the agent already has a version of
 * it, rather than pruned), so one oversized object fails alone.
 */
export function planRelease(input: PlanInput): ReleasePlan {
  const { held } = input;
  const desiredKeys = new Set(input.objects.map((o) => o.key));
  const changed = input.objects.filter((o) => held?.objects.get(o.key) !== o.sha256);
  const extra = held ? [...held.objects.keys()].filter((k) => !desiredKeys.has(k)) : [];
  if (held && held.generation === input.generation && changed.length === 0 && extra.length === 0) return { parts: [], tooLarge: [] };

  // Sized with the largest part numbers, so the real ones never make a part grow past the estimate.
  const header = create(DesiredReleaseSchema, {
    releaseId: input.releaseId,
    generation: input.generation,
    part: 0x7fffffff,
    partCount: 0x7fffffff,
    interval: input.interval,
    progressingInterval: input.progressingInterval,
  });
  const room = input.maxMessageBytes - envelopeBytes - toBinary(DesiredReleaseSchema, header).length;

  type Item = { readonly object?: ReleaseObject; readonly ref?: ObjectRef; readonly bytes: number };
  const items: Item[] = [];
  const tooLarge: DesiredObject[] = [];
  for (const o of input.objects) {
    if (held?.objects.get(o.key) === o.sha256) {
      items.push({ ref: o.ref, bytes: fieldBytes(ObjectRefSchema, o.ref) });
      continue;
    }
    const object = create(ReleaseObjectSchema, { ref: o.ref, manifest: o.manifest, sha256: o.sha256 });
    const bytes = fieldBytes(ReleaseObjectSchema, object);
    if (bytes <= room) {
      items.push({ object, bytes });
    } else {
      tooLarge.push(o);
      if (held?.objects.has(o.key)) items.push({ ref: o.ref, bytes: fieldBytes(ObjectRefSchema, o.ref) });
    }
  }

  const groups: Item[][] = [[]];
  let used = 0;
  for (const item of items) {
    if (used + item.bytes > room && groups[groups.length - 1]!.length > 0) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1]!.push(item);
    used += item.bytes;
  }
  const parts = groups.map((group, part) =>
    create(DesiredReleaseSchema, {
      releaseId: input.releaseId,
      generation: input.generation,
      part,
      partCount: groups.length,
      objects: group.flatMap((i) => (i.object ? [i.object] : [])),
      unchangedRefs: group.flatMap((i) => (i.ref ? [i.ref] : [])),
      interval: input.interval,
      progressingInterval: input.progressingInterval,
    }),
  );
  return { parts, tooLarge };
}
