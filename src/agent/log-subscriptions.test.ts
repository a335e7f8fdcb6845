import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ConnectRequestSchema, ContainerLogSubscriptionSchema, type ConnectRequest } from "../../gen/openchoreo/agent/v1alpha1/plane_agent_service_pb.js";
import { createByteBudget } from "./byte-budget.js";
import type { ContainerLogQuery, ContainerLogSink, PlaneDriver } from "./driver.js";
import { createLogSubscriptions } from "./log-subscriptions.js";
import { createOutbox } from "./outbox.js";

/** A driver whose log reads the test drives by hand. */
function scriptedDriver() {
  const reads: { query: ContainerLogQuery; sink: ContainerLogSink; closed: boolean }[] = [];
  const driver = {
    name: "scripted",
    streamLogs(query: ContainerLogQuery, sink: ContainerLogSink) {
      const read = { query, sink, closed: false };
      reads.push(read);
      return { close: () => void (read.closed = true) };
    },
  } as unknown as PlaneDriver;
  return { driver, reads };
}

const subscription = (id: string) => create(ContainerLogSubscriptionSchema, { subscriptionId: id, namespace: "cell", selector: { app: "x" }, follow: true, tailLines: 5 });
const line = (text: string) => ({ pod: "p", container: "c", text, timestamp: "" });
const texts = (m: ConnectRequest | undefined) => (m?.message.case === "logBatch" ? m.message.value.lines.map((l) => l.text) : m?.message.case);

describe("the agent's component log reads", () => {
  it("reads through the driver as asked, sends what it read, and stops the driver's read when cancelled", () => {
    const { driver, reads } = scriptedDriver();
    let pokes = 0;
    const logs = createLogSubscriptions({ driver, logger: pino({ level: "silent" }), budget: createByteBudget(1 << 20, Date.now), maxBatchBytes: () => 64 * 1024, send: () => undefined, poke: () => pokes++ });
    logs.open(subscription("s1"));
    expect(reads[0]!.query).toMatchObject({ namespace: "cell", selector: { app: "x" }, follow: true, tailLines: 5, pod: "", container: "" });
    expect(logs.next()).toBeUndefined();
    reads[0]!.sink.lines([line("a"), line("b")]);
    expect(pokes).toBe(1);
    expect(texts(logs.next())).toEqual(["a", "b"]);
    expect(logs.cancel("s1")).toBe(true);
    expect(reads[0]!.closed).toBe(true);
    // Lines after the cancellation go nowhere.
    reads[0]!.sink.lines([line("late")]);
    expect(logs.next()).toBeUndefined();
  });

  it("marks where its bounded buffer dropped lines, and ends a read once what it holds is sent", () => {
    const { driver, reads } = scriptedDriver();
    const logs = createLogSubscriptions({ driver, logger: pino({ level: "silent" }), budget: createByteBudget(1 << 20, Date.now), maxBatchBytes: () => 64 * 1024, send: () => undefined, poke: () => undefined, maxLines: 2 });
    logs.open(subscription("s1"));
    reads[0]!.sink.lines([line("1"), line("2"), line("3"), line("4")]);
    expect(texts(logs.next())).toEqual(["1", "2"]);
    reads[0]!.sink.lines([line("5")]);
    reads[0]!.sink.end();
    const gap = logs.next()!;
    expect(gap.message.case === "logBatch" && [gap.message.value.droppedLines, gap.message.value.lines.map((l) => l.text)]).toEqual([2, ["5"]]);
    expect(logs.next()?.message).toEqual({ case: "subscriptionEnd", value: expect.objectContaining({ subscriptionId: "s1", error: "" }) });
    expect(reads[0]!.closed).toBe(true);
  });

  it("spends no more than its byte budget, and is asked again once the budget has refilled", async () => {
    const { driver, reads } = scriptedDriver();
    let clock = 0;
    let pokes = 0;
    const logs = createLogSubscriptions({ driver, logger: pino({ level: "silent" }), budget: createByteBudget(4000, () => clock), maxBatchBytes: () => 64 * 1024, send: () => undefined, poke: () => pokes++ });
    logs.open(subscription("s1"));
    reads[0]!.sink.lines(Array.from({ length: 20 }, (_, i) => line(`${i}`.padEnd(1000, "x"))));
    const first = logs.next();
    expect(first?.message.case === "logBatch" && first.message.value.lines.length).toBe(3);
    expect(logs.next()).toBeUndefined();
    const before = pokes;
    clock += 1000;
    // The refill timer asks the stream to come back.
    for (let waited = 0; pokes === before && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(pokes).toBeGreaterThan(before);
    const second = logs.next();
    expect(second?.message.case === "logBatch" && second.message.value.lines.length).toBe(3);
    logs.closeAll();
  });

  it("sends heartbeats, acks and status before any log batch waiting in the outbox", async () => {
    const outbox = createOutbox<ConnectRequest>();
    const bulk = [create(ConnectRequestSchema, { message: { case: "logBatch", value: { subscriptionId: "s1" } } })];
    outbox.setBulkSource(() => bulk.shift());
    outbox.push(create(ConnectRequestSchema, { message: { case: "heartbeat", value: {} } }));
    outbox.push(create(ConnectRequestSchema, { message: { case: "ack", value: { releaseId: "r" } } }));
    outbox.close();
    const order: string[] = [];
    for await (const m of outbox) order.push(m.message.case ?? "");
    // Closed: the pushed messages drain, the bulk source is not asked any more.
    expect(order).toEqual(["heartbeat", "ack"]);

    const open = createOutbox<ConnectRequest>();
    const batches = [create(ConnectRequestSchema, { message: { case: "logBatch", value: {} } }), create(ConnectRequestSchema, { message: { case: "logBatch", value: {} } })];
    open.setBulkSource(() => batches.shift());
    open.push(create(ConnectRequestSchema, { message: { case: "status", value: {} } }));
    const it = open[Symbol.asyncIterator]();
    expect((await it.next()).value?.message.case).toBe("status");
    expect((await it.next()).value?.message.case).toBe("logBatch");
    open.push(create(ConnectRequestSchema, { message: { case: "heartbeat", value: {} } }));
    expect((await it.next()).value?.message.case).toBe("heartbeat");
    expect((await it.next()).value?.message.case).toBe("logBatch");
    open.close();
  });
});
