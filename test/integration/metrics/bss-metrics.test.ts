/**
 * BSS metrics (issue 16.2) through the real client against the sandbox: the counts the observer writes
 * agree with what the sandbox saw (its own request and throttle counters are the oracle).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { createBssClient } from "../../../shared/bss/index.ts";
import { bssMetricsObserver, createMetrics, summariseEmf } from "../../../shared/metrics/index.ts";

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, customers: 40, resourcesPerCustomer: 1, ratePerSecond: 3 });
  dir = mkdtempSync(join(tmpdir(), "po-bss-metrics-"));
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("calls + retries = requests the sandbox received; throttles = its 429s, per operation", async () => {
  const file = join(dir, "metrics.jsonl");
  const metrics = createMetrics({ file });
  // The client believes it may send 6/s; the sandbox allows 3/s: throttling, then retries.
  const client = createBssClient({ endpoint: sandbox.url, iamEndpoint: sandbox.url, credentials: sandbox.credentials, rate: 6, maxAttempts: 10, retry: { baseMs: 200, capMs: 1000 }, onEvent: bssMetricsObserver(metrics) });
  await Promise.all(Array.from({ length: 6 }, (_, i) => client.listSubCustomers({ offset: i, limit: 1 })));
  await Promise.all(Array.from({ length: 3 }, () => client.call("ListServiceTypes", {})));
  metrics.flush();
  const totals = summariseEmf(readFileSync(file, "utf8").split("\n"));
  const get = (name: string, operation: string) => totals.find((t) => t.name === name && t.dimensions["operation"] === operation)?.value ?? 0;
  for (const op of ["ListSubCustomers", "ListServiceTypes"]) {
    expect(get("BssCalls", op)).toBe(op === "ListSubCustomers" ? 6 : 3);
    expect(get("BssCalls", op) + get("BssRetries", op)).toBe(sandbox.stats.requests[op]);
    expect(get("BssThrottles", op)).toBe(sandbox.stats.throttledByOperation[op] ?? 0);
  }
  expect(sandbox.stats.throttled).toBeGreaterThan(0);
});
