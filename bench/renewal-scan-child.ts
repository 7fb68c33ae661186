/**
 * Child process for bench/renewal.ts: ONE renewal-scan instance (a warm Lambda execution
 * environment), started by the bench with the V8 heap flags Lambda applies for the function's
 * memory size. The bench starts as many as serverless.yml's maximumConcurrency and hands each
 * batches of renewal.scan message bodies over IPC, as the SQS event source mapping would.
 *
 * Per batch it does what functions/renewal-scan/handler.ts does per record, concurrently like
 * shared/queue's sqsConsumer: parse the RenewalScan message, scanCustomer (shared/renewal/pipeline.ts)
 * with the real BSS client over HTTP (signing, limiter at the per-instance rate, zod validation of
 * every page, retries: maxAttempts 6 as lazyBssClient sets it). Not run: Lambda wiring, SQS,
 * DynamoDB, notify delivery — stand-ins: a Map/Set ledger (its retained size is reported
 * separately: in AWS it is DynamoDB, not this process's memory) and a publish that serialises
 * envelopes and counts them. A record that fails is reported back and re-queued by the bench.
 *
 * IPC in: { batch: string[] } | { finish: true }. Out: { done: BatchResult } | { final: InstanceResult }.
 */
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { createBssClient, type BssClient } from "../shared/bss/index.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG } from "../shared/renewal/index.ts";
import { RenewalScan } from "../shared/renewal/messages.ts";
import { type LedgerPort, scanCustomer } from "../shared/renewal/pipeline.ts";

export interface BatchResult {
  failed: string[];
  customers: number;
  resources: number;
  published: number;
}

export interface InstanceResult {
  customersScanned: number;
  resources: number;
  published: number;
  notifyMessages: number;
  notifyBytes: number;
  /** HTTP attempts seen by the client, all operations; attempts answered 429. */
  attempts: number;
  throttled: number;
  /** ListPayPerUseCustomerResources answered 2xx; first and last such answer (epoch ms). */
  resourceCallsOk: number;
  firstCallAt: number;
  lastCallAt: number;
  /** max(getrusage maxrss, 50 ms samples of process.memoryUsage.rss), MB. */
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** Heap used after a full GC with the ledger stand-in alive / without it, MB. */
  retainedHeapMb: number;
  retainedHeapWithoutLedgerMb: number;
  gcMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  execArgv: string[];
  rate: number;
}

const MB = 2 ** 20;

/** Ledger stand-in with the conditional-write semantics the pipeline relies on, and nothing else. */
function compactLedger(): LedgerPort & { clear(): void } {
  const claimed = new Map<string, string>();
  const done = new Set<string>();
  return {
    async claim(key, attrs) {
      if (done.has(key)) return "done";
      if (claimed.has(key)) return "busy";
      const scanId = attrs?.["scanId"];
      claimed.set(key, typeof scanId === "string" ? scanId : "");
      return "new";
    },
    async complete(key) {
      if (claimed.delete(key)) done.add(key);
    },
    async release(key) {
      claimed.delete(key);
    },
    async get(key) {
      const scanId = claimed.get(key);
      if (scanId !== undefined) return { status: "claimed", attrs: scanId ? { scanId } : {} };
      return done.has(key) ? { status: "done" } : undefined;
    },
    clear() {
      claimed.clear();
      done.clear();
    },
  };
}

const env = process.env;
const rate = Number(env["RENEWAL_BENCH_INSTANCE_RATE"]);
let peakRss = 0;
let peakHeapUsed = 0;
const sample = (): void => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
};
const sampler = setInterval(sample, 50);
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gcObserver.observe({ entryTypes: ["gc"] });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const totals = { customersScanned: 0, resources: 0, published: 0, notifyMessages: 0, notifyBytes: 0, attempts: 0, throttled: 0, resourceCallsOk: 0, firstCallAt: 0, lastCallAt: 0 };
let client: BssClient | undefined;
const bss = (): BssClient =>
  (client ??= createBssClient({
    endpoint: env["HWC_ENDPOINT"]!,
    iamEndpoint: env["HWC_IAM_ENDPOINT"]!,
    credentials: { ak: env["HWC_AK"]!, sk: env["HWC_SK"]! },
    agencyName: env["HWC_XACCOUNT_TYPE"]!,
    rate,
    maxAttempts: 6,
    onEvent: (e) => {
      if (e.type !== "attempt") return;
      totals.attempts++;
      if (e.status === 429) {
        totals.throttled++;
        if (env["RENEWAL_BENCH_DEBUG"]) process.stderr.write(`429 ${e.operation} at +${(performance.now() / 1000).toFixed(2)} s\n`);
      }
      if (e.operation === "ListPayPerUseCustomerResources" && e.outcome === "ok") {
        totals.resourceCallsOk++;
        const t = Date.now();
        if (totals.firstCallAt === 0) totals.firstCallAt = t;
        totals.lastCallAt = t;
      }
    },
  }));
const ledger = compactLedger();

async function handleBatch(bodies: string[]): Promise<BatchResult> {
  const out: BatchResult = { failed: [], customers: 0, resources: 0, published: 0 };
  await Promise.all(
    bodies.map(async (body) => {
      try {
        const message = RenewalScan.parse(body);
        const r = await scanCustomer({
          message,
          resources: bss().customerResources(message.data.customer.customerId, {}, { pageSize: 100 }),
          config: DEFAULT_RENEWAL_DECISION_CONFIG,
          now: Date.now(),
          ledger,
          publish: async (envelopes) => {
            for (const e of envelopes) {
              totals.notifyMessages++;
              totals.notifyBytes += JSON.stringify(e).length;
            }
          },
        });
        out.customers++;
        out.resources += r.resources;
        out.published += r.published;
      } catch (err) {
        process.stderr.write(`renewal-scan instance: record failed: ${(err as Error).message}\n`);
        out.failed.push(body);
      }
    }),
  );
  totals.customersScanned += out.customers;
  totals.resources += out.resources;
  totals.published += out.published;
  return out;
}

function finish(): InstanceResult {
  clearInterval(sampler);
  sample();
  loop.disable();
  gcObserver.disconnect();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the instance with --expose-gc (Lambda passes it too)");
  gc();
  const retainedHeapMb = process.memoryUsage().heapUsed / MB;
  ledger.clear();
  gc();
  return {
    ...totals,
    peakRssMb: Math.max(peakRss / MB, process.resourceUsage().maxRSS / 1024),
    peakHeapUsedMb: peakHeapUsed / MB,
    retainedHeapMb,
    retainedHeapWithoutLedgerMb: process.memoryUsage().heapUsed / MB,
    gcMs,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    execArgv: process.execArgv,
    rate,
  };
}

process.on("message", (msg: { batch?: string[]; finish?: boolean }) => {
  if (msg.batch) {
    void handleBatch(msg.batch).then((done) => process.send!({ done }));
  } else if (msg.finish) {
    process.send!({ final: finish() }, () => process.exit(0));
  }
});
process.send!({ ready: true });
