/**
 * Durability of the embedded engine on a data directory: a restart keeps pending messages, and a
 * shutdown in the middle of a batch finishes that batch and loses nothing.
 */
import { rmSync } from "node:fs";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import type { Engine } from "../../local/engine/engine.ts";
import { readRuntimeInfo } from "../../local/engine/engine.ts";
import type { InvocationReport } from "../../local/engine/runtime.ts";
import { listKeys, queueDepth, queueName, runCli, startFixture, tmpDataDir, waitFor } from "./helpers/fixture.ts";
import { WorkItem } from "../fixtures/engine-service/handlers/messages.ts";

const dirs: string[] = [];
const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function onDisk(dataDir: string, triggers = true): Promise<Engine> {
  const e = await startFixture({ inMemory: false, dataDir, triggers });
  engines.push(e);
  return e;
}

describe("engine on a data directory", () => {
  it("keeps pending messages across a restart", async () => {
    const dir = tmpDataDir("restart");
    dirs.push(dir);
    // First run: no consumers; messages are only queued.
    const first = await onDisk(dir, false);
    expect(readRuntimeInfo(dir)?.pid).toBe(process.pid);
    const queue = first.queues.find((q) => q.logicalId === "WorkQueue")!;
    const envelopes = [1, 2, 3].map((n) => WorkItem.create({ n }, { id: `persist-${n}` }));
    await first.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: envelopes.map((e, i) => ({ Id: `e${i}`, MessageBody: JSON.stringify(e) })) }));
    expect(queueDepth(first, queue.name).ready).toBe(3);
    await first.close();
    expect(readRuntimeInfo(dir)).toBeUndefined();

    // Second run on the same directory: the consumer picks them up.
    const second = await onDisk(dir);
    await waitFor("the 3 persisted messages processed", async () => ((await listKeys(second, "done/")).length === 3 ? true : undefined));
    expect(await listKeys(second, "done/")).toEqual(["done/persist-1", "done/persist-2", "done/persist-3"]);
    await second.close();
  });

  it("refuses a second engine on a data directory in use", async () => {
    const dir = tmpDataDir("lock");
    dirs.push(dir);
    const a = await onDisk(dir, false);
    // Same process (tests) is allowed to reuse; simulate another live process owning it.
    const { writeFileSync, readFileSync } = await import("node:fs");
    const file = `${dir}/engine.json`;
    const info = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...info, pid: process.ppid }));
    await expect(startFixture({ inMemory: false, dataDir: dir, triggers: false })).rejects.toThrow(/already running on/);
    writeFileSync(file, JSON.stringify(info));
    await a.close();
  });

  it("on shutdown during a batch, finishes the batch and loses no message", async () => {
    const dir = tmpDataDir("shutdown");
    dirs.push(dir);
    const engine = await onDisk(dir);
    const started: InvocationReport[] = [];
    engine.events.on("invocation-start", (r: InvocationReport) => {
      if (r.function === "slow") started.push(r);
    });
    const batchSizes: number[] = [];
    engine.events.on("batch", (b: { label: string; size: number }) => {
      if (b.label.endsWith("→ slow")) batchSizes.push(b.size);
    });
    const ids = Array.from({ length: 24 }, (_, i) => `slow-${String(i).padStart(2, "0")}`);
    const res = await fetch(`${engine.urls.http}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items: ids.map((id, n) => ({ n, id, slowMs: 600 })) }),
    });
    expect(res.status).toBe(202);
    await waitFor("a slow batch in flight", () => started.length > 0 || undefined, 10_000, 5);
    const doneBeforeClose = (await listKeys(engine, "slow/")).length;
    await engine.close(); // must wait for the batch(es) in flight
    // Every batch that had started finished and was acknowledged.
    expect(batchSizes.length).toBe(started.length);
    const processedInFirstRun = batchSizes.reduce((a, b) => a + b, 0);
    expect(processedInFirstRun).toBeGreaterThan(doneBeforeClose);
    expect(processedInFirstRun).toBeLessThan(ids.length); // at most 2 batches of 10 were taken: some wait for the restart

    // What was not started is still queued (persisted); a restart processes exactly the rest.
    const again = await onDisk(dir);
    const slowQueue = queueName(again, "SlowQueue");
    await waitFor("all 24 processed", async () => ((await listKeys(again, "slow/")).length >= ids.length ? true : undefined), 20_000);
    await waitFor("slow queue empty", () => {
      const d = queueDepth(again, slowQueue);
      return d.ready + d.inflight + d.delayed === 0 || undefined;
    });
    const processed = (await listKeys(again, "slow/")).map((k) => k.split("/")[1]!);
    expect(processed.sort()).toEqual(ids); // each exactly once: none lost, none duplicated
    expect(queueDepth(again, queueName(again, "SlowDLQ")).ready).toBe(0);
    await again.close();
  });

  it("invoke and dlq commands work on a data directory without a running engine", async () => {
    const dir = tmpDataDir("cli");
    dirs.push(dir);
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    const eventFile = `${dir}/event.json`;
    writeFileSync(eventFile, JSON.stringify({ version: "2.0", routeKey: "GET /items/{id}", rawPath: "/items/x", rawQueryString: "", headers: {}, pathParameters: { id: "x" }, requestContext: { http: { method: "GET", path: "/items/x" } }, isBase64Encoded: false }));
    const out = await runCli(["invoke", "ingest", "--event", eventFile, "--data-dir", dir, "--service", "test/fixtures/engine-service/serverless.yml", "--stage", "test", "--param", "tickRate=rate(1 day)"]);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const body = JSON.parse(JSON.parse(out.stdout).result.body) as { id: string };
    expect(body.id).toBe("x");
    const list = await runCli(["dlq", "list", "work", "--data-dir", dir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ count: 0, sources: ["engine-fixture-test-work"] });
    const bad = await runCli(["invoke", "nope", "--event", eventFile, "--data-dir", dir, "--service", "test/fixtures/engine-service/serverless.yml", "--stage", "test"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no function "nope"/);

    // With an engine running on the directory, invoke runs the function inside it.
    const running = await onDisk(dir);
    const inside = await runCli(["invoke", "ingest", "--event", eventFile, "--data-dir", dir]);
    expect(inside.code).toBe(0);
    expect(inside.stderr).toMatch(/in the engine running on .* \(pid \d+\)/);
    expect(JSON.parse(JSON.parse(inside.stdout).result.body).id).toBe("x");
    const listRunning = await runCli(["dlq", "list", "engine-fixture-test-work-dlq", "--data-dir", dir]);
    expect(listRunning.stderr).toBe("");
    expect(JSON.parse(listRunning.stdout)).toMatchObject({ count: 0 });
    await running.close();
  });
});
