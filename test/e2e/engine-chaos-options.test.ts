/**
 * The engine's chaos knobs: a visibility-timeout override (messages come back while a first delivery
 * still runs) and abandonInFlight (a consumer dying mid-batch: nothing acknowledged, messages back after
 * the visibility timeout). The fixture's slow consumer records `slow/<envelope id>/<message id>-<receive count>`.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { overrideMaxReceiveCounts, overrideVisibilityTimeouts, type Engine } from "../../local/engine/engine.ts";
import type { LocalQueue } from "../../local/engine/resources.ts";
import type { InvocationReport } from "../../local/engine/runtime.ts";
import { listKeys, queueDepth, queueName, startFixture, waitFor } from "./helpers/fixture.ts";

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function postSlow(e: Engine, ids: string[], slowMs: number): Promise<void> {
  const res = await fetch(`${e.urls.http}/items`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ items: ids.map((id, n) => ({ n, id, slowMs })) }),
  });
  expect(res.status).toBe(202);
}

/** Envelope id → receive counts seen by the handler. */
async function receipts(e: Engine): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const k of await listKeys(e, "slow/")) {
    const [, id, rest] = k.split("/");
    const count = Number(rest!.split("-").at(-1));
    out.set(id!, [...(out.get(id!) ?? []), count]);
  }
  return out;
}

const drained = (e: Engine, logicalId: string) =>
  waitFor(`${logicalId} empty`, () => {
    const d = queueDepth(e, queueName(e, logicalId));
    return d.ready + d.inflight + d.delayed === 0 || undefined;
  }, 20_000);

describe("visibilityTimeoutSeconds", () => {
  it("validates: per logical id or name, integers 0–43200, unknown queues refused", () => {
    const q = (logicalId: string, name: string): LocalQueue => ({ logicalId, name, arn: `arn:${name}`, url: `http://q/${name}`, fifo: false, attributes: { VisibilityTimeout: "120" }, redrive: undefined });
    const queues = [q("A", "svc-a"), q("B", "svc-b")];
    overrideVisibilityTimeouts(queues, { A: 3, "svc-b": 7 });
    expect(queues.map((x) => x.attributes["VisibilityTimeout"])).toEqual(["3", "7"]);
    overrideVisibilityTimeouts(queues, 5);
    expect(queues.map((x) => x.attributes["VisibilityTimeout"])).toEqual(["5", "5"]);
    overrideVisibilityTimeouts(queues, undefined);
    expect(queues.map((x) => x.attributes["VisibilityTimeout"])).toEqual(["5", "5"]);
    expect(() => overrideVisibilityTimeouts(queues, { C: 1 })).toThrow(/names no queue.*C/);
    expect(() => overrideVisibilityTimeouts(queues, { A: 1.5 })).toThrow(/integer/);
    expect(() => overrideVisibilityTimeouts(queues, -1)).toThrow(/integer/);
  });

  it("a queue with a visibility timeout shorter than the processing redelivers while the first delivery runs", async () => {
    engine = await startFixture({ visibilityTimeoutSeconds: { SlowQueue: 1 } });
    const url = engine.queues.find((x) => x.logicalId === "SlowQueue")!.url;
    const attrs = await engine.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["VisibilityTimeout"] }));
    expect(attrs.Attributes?.["VisibilityTimeout"]).toBe("1");
    const other = engine.queues.find((x) => x.logicalId === "SlowDLQ")!.url;
    const otherAttrs = await engine.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: other, AttributeNames: ["VisibilityTimeout"] }));
    expect(otherAttrs.Attributes?.["VisibilityTimeout"]).not.toBe("1");

    await postSlow(engine, ["v-1", "v-2"], 2500);
    const seen = await waitFor("a second receive recorded", async () => {
      const r = await receipts(engine!);
      return [...r.values()].some((c) => c.includes(2)) ? r : undefined;
    }, 15_000, 100);
    expect([...seen.keys()].sort()).toEqual(["v-1", "v-2"].filter((id) => seen.has(id)).sort());
    await drained(engine, "SlowQueue");
  });
});

describe("maxReceiveCount", () => {
  it("validates: only queues with a DLQ, by logical id or name, integers 1–1000", () => {
    const q = (logicalId: string, name: string, dlq: boolean): LocalQueue => ({
      logicalId, name, arn: `arn:${name}`, url: `http://q/${name}`, fifo: false, attributes: {},
      redrive: dlq ? { deadLetterTargetArn: `arn:${name}-dlq`, maxReceiveCount: 5 } : undefined,
    });
    const queues = [q("A", "svc-a", true), q("B", "svc-b", true), q("C", "svc-c", false)];
    overrideMaxReceiveCounts(queues, { A: 20, "svc-b": 7 });
    expect(queues.map((x) => x.redrive?.maxReceiveCount)).toEqual([20, 7, undefined]);
    expect(queues[0]!.redrive!.deadLetterTargetArn).toBe("arn:svc-a-dlq");
    overrideMaxReceiveCounts(queues, undefined);
    expect(queues.map((x) => x.redrive?.maxReceiveCount)).toEqual([20, 7, undefined]);
    expect(() => overrideMaxReceiveCounts(queues, { C: 3 })).toThrow(/no queue with a DLQ: C/);
    expect(() => overrideMaxReceiveCounts(queues, { A: 0 })).toThrow(/integer from 1 to 1000/);
    expect(() => overrideMaxReceiveCounts(queues, { A: 2.5 })).toThrow(/integer/);
  });

  it("the queue is created with the overridden redrive policy", async () => {
    engine = await startFixture({ maxReceiveCount: { SlowQueue: 9 } });
    const url = engine.queues.find((x) => x.logicalId === "SlowQueue")!.url;
    const attrs = await engine.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["RedrivePolicy"] }));
    expect(JSON.parse(attrs.Attributes?.["RedrivePolicy"] ?? "{}")).toMatchObject({ maxReceiveCount: 9 });
  });
});

describe("abandonInFlight", () => {
  it("abandons the batches in flight: nothing acknowledged, every message processed again after the visibility timeout, none lost", async () => {
    engine = await startFixture({ visibilityTimeoutSeconds: { SlowQueue: 2 } });
    expect(() => engine!.abandonInFlight("nope")).toThrow(/no function "nope"/);
    const started: InvocationReport[] = [];
    engine.events.on("invocation-start", (r: InvocationReport) => {
      if (r.function === "slow") started.push(r);
    });
    const abandoned: { fn: string; size: number; messageIds: string[] }[] = [];
    engine.events.on("abandoned", (a: { fn: string; size: number; messageIds: string[] }) => abandoned.push(a));
    const ids = Array.from({ length: 6 }, (_, i) => `a-${i}`);
    await postSlow(engine, ids, 400);
    await waitFor("a slow batch in flight", () => started.length > 0 || undefined, 10_000, 5);
    const n = engine.abandonInFlight("slow");
    expect(n).toBeGreaterThan(0);
    expect(abandoned.reduce((s, a) => s + a.size, 0)).toBe(n);
    expect(abandoned.every((a) => a.fn === "slow")).toBe(true);

    // The abandoned handler still finishes (first receive recorded), then the message comes back.
    const all = await waitFor("every abandoned message received again", async () => {
      const r = await receipts(engine!);
      const again = [...r.values()].filter((c) => c.some((x) => x >= 2)).length;
      return again >= n && ids.every((id) => r.has(id)) ? r : undefined;
    }, 15_000, 100);
    await drained(engine, "SlowQueue");
    expect([...all.keys()].sort()).toEqual(ids);
    expect(queueDepth(engine, queueName(engine, "SlowDLQ")).ready).toBe(0);
  });
});

describe("long rate() schedules", () => {
  it("an interval over 2^31 - 1 ms (after rateScale) does not fire every millisecond", async () => {
    engine = await startFixture({ params: { tickRate: "rate(100000 days)" }, rateScale: 0.005 }); // 43.2e9 ms
    let fired = 0;
    engine.events.on("schedule", () => fired++);
    await new Promise((r) => setTimeout(r, 300));
    expect(fired).toBe(0);
    expect(engine.schedules().find((s) => s.expression === "rate(100000 days)")).toBeDefined();
  });
});
