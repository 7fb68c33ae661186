/**
 * Child process for bench/renewal.ts: THE SCANNING PROCESS whose rate and memory the bench reports.
 * It runs in a fresh process so that its peak RSS is its own (not the bench runner's, nor another
 * bench's that ran before it in `npm run bench`, nor the sandbox's).
 *
 * What runs here: the renewal functions' steps from shared/renewal/pipeline.ts — scheduleScans
 * (ListSubCustomers pages → one renewal.scan message per customer) and scanCustomer per message
 * (ListPayPerUseCustomerResources pages → decision → ledger claims → renewal.notify messages) —
 * with the real BSS client over HTTP (signing, limiter, zod validation of every page) against the
 * sandbox. What does NOT run: the Lambda/engine wiring, SQS, DynamoDB, notify delivery. Those are
 * replaced by stand-ins that are bench scaffolding and kept small on purpose:
 * - queue: a bounded in-memory channel of serialised envelopes (like SQS, the scheduler is not
 *   allowed to run ahead by more than QUEUE_CAPACITY messages; nothing accumulates),
 * - ledger: a Map of claimed keys → scan id and a Set of done keys (what the pipeline reads back),
 *   its retained size is measured and reported separately,
 * - notify publish: serialises the envelopes (what the SQS publisher sends) and counts them.
 *
 * Input: env HWC_* (the sandbox's), RENEWAL_BENCH_RATE, RENEWAL_BENCH_WORKERS. Output: one JSON line
 * (ScanChildResult) on stdout. Needs --expose-gc (for the retained-heap measurement only).
 */
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { createBssClient } from "../shared/bss/index.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG } from "../shared/renewal/index.ts";
import { RenewalScan } from "../shared/renewal/messages.ts";
import { type LedgerPort, runDateOf, scanCustomer, scheduleScans } from "../shared/renewal/pipeline.ts";
import { isMain } from "./lib.ts";

export interface ScanChildResult {
  customersScheduled: number;
  customersScanned: number;
  resources: number;
  due: number;
  published: number;
  notifyMessages: number;
  notifyBytes: number;
  /** HTTP attempts seen by the client, all operations. */
  attempts: number;
  /** Attempts answered 429 (client's count; the bench also asks the sandbox). */
  throttled: number;
  resourceCalls: number;
  subCustomerCalls: number;
  /** From the first scan message taken to the last scan finished. */
  scanSeconds: number;
  /** Whole child: from its first line to the end of the scan (imports excluded). */
  processSeconds: number;
  /** max(getrusage maxrss, 50 ms samples of process.memoryUsage.rss), MB. */
  peakRssMb: number;
  peakHeapUsedMb: number;
  peakHeapTotalMb: number;
  /** Heap still used after a full GC at the end, with the ledger stand-in alive / without it, MB. */
  retainedHeapMb: number;
  retainedHeapWithoutLedgerMb: number;
  ledgerEntries: number;
  /** Total GC pause time, ms; event-loop delay p99 / max, ms. */
  gcMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  workers: number;
  queueCapacity: number;
  execArgv: string[];
}

const MB = 2 ** 20;
export const QUEUE_CAPACITY = 100;

/** A bounded FIFO of strings: put() waits while full, take() waits while empty; undefined once closed and drained. */
class Channel {
  private readonly items: string[] = [];
  private readonly takers: ((v: string | undefined) => void)[] = [];
  private readonly putters: (() => void)[] = [];
  private closed = false;
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  async put(item: string): Promise<void> {
    while (this.items.length >= this.capacity) await new Promise<void>((r) => this.putters.push(r));
    const taker = this.takers.shift();
    if (taker) taker(item);
    else this.items.push(item);
  }
  take(): Promise<string | undefined> {
    const item = this.items.shift();
    if (item !== undefined) {
      this.putters.shift()?.();
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.takers.push(r));
  }
  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(undefined);
  }
}

/** Ledger stand-in with the conditional-write semantics the pipeline relies on, and nothing else. */
function compactLedger(): LedgerPort & { entries(): number; clear(): void } {
  const claimed = new Map<string, string>(); // key → scan id of the claimer ("" for the scheduler's claims)
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
    entries: () => claimed.size + done.size,
    clear() {
      claimed.clear();
      done.clear();
    },
  };
}

export async function runScan(env: NodeJS.ProcessEnv): Promise<ScanChildResult> {
  const started = performance.now();
  const rate = Number(env["RENEWAL_BENCH_RATE"] ?? 200);
  const workers = Number(env["RENEWAL_BENCH_WORKERS"] ?? 32);
  let peakRss = 0;
  let peakHeapUsed = 0;
  let peakHeapTotal = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
    peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
  };
  const sampler = setInterval(sample, 50);
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  let attempts = 0;
  let throttled = 0;
  let resourceCalls = 0;
  let subCustomerCalls = 0;
  const client = createBssClient({
    endpoint: env["HWC_ENDPOINT"]!,
    iamEndpoint: env["HWC_IAM_ENDPOINT"]!,
    credentials: { ak: env["HWC_AK"]!, sk: env["HWC_SK"]! },
    agencyName: env["HWC_XACCOUNT_TYPE"]!,
    rate,
    maxAttempts: 6,
    onEvent: (e) => {
      if (e.type !== "attempt") return;
      attempts++;
      if (e.status === 429) throttled++;
      if (e.operation === "ListPayPerUseCustomerResources") resourceCalls++;
      else if (e.operation === "ListSubCustomers") subCustomerCalls++;
    },
  });
  const ledger = compactLedger();
  const queue = new Channel(QUEUE_CAPACITY);
  const now = Date.now();
  const runDate = runDateOf(now, "Asia/Shanghai");

  const scheduling = scheduleScans({
    customers: client.subCustomers({}),
    associationTypes: new Set(["1", "2"]),
    directory: new Map(),
    runDate,
    scheduledAt: new Date(now).toISOString(),
    ledger,
    publish: async (envelopes) => {
      for (const e of envelopes) await queue.put(JSON.stringify(e));
    },
  }).finally(() => queue.close());

  let scanStart: number | undefined;
  let customersScanned = 0;
  let resources = 0;
  let due = 0;
  let published = 0;
  let notifyMessages = 0;
  let notifyBytes = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const body = await queue.take();
      if (body === undefined) return;
      scanStart ??= performance.now();
      const message = RenewalScan.parse(body);
      const r = await scanCustomer({
        message,
        resources: client.customerResources(message.data.customer.customerId, {}, { pageSize: 100 }),
        config: DEFAULT_RENEWAL_DECISION_CONFIG,
        now: Date.now(),
        ledger,
        publish: async (envelopes) => {
          for (const e of envelopes) {
            notifyMessages++;
            notifyBytes += JSON.stringify(e).length;
          }
        },
      });
      customersScanned++;
      resources += r.resources;
      due += r.due;
      published += r.published;
    }
  };
  const [sched] = await Promise.all([scheduling, ...Array.from({ length: workers }, worker)]);
  const end = performance.now();
  clearInterval(sampler);
  sample();
  loop.disable();
  gcObserver.disconnect();

  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the scan child with --expose-gc");
  gc();
  const retainedHeapMb = process.memoryUsage().heapUsed / MB;
  const ledgerEntries = ledger.entries();
  ledger.clear();
  gc();
  const retainedHeapWithoutLedgerMb = process.memoryUsage().heapUsed / MB;

  return {
    customersScheduled: sched.published,
    customersScanned,
    resources,
    due,
    published,
    notifyMessages,
    notifyBytes,
    attempts,
    throttled,
    resourceCalls,
    subCustomerCalls,
    scanSeconds: (end - (scanStart ?? end)) / 1000,
    processSeconds: (end - started) / 1000,
    peakRssMb: Math.max(peakRss / MB, process.resourceUsage().maxRSS / 1024),
    peakHeapUsedMb: peakHeapUsed / MB,
    peakHeapTotalMb: peakHeapTotal / MB,
    retainedHeapMb,
    retainedHeapWithoutLedgerMb,
    ledgerEntries,
    gcMs,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    workers,
    queueCapacity: QUEUE_CAPACITY,
    execArgv: process.execArgv,
  };
}

if (isMain(import.meta.url)) {
  const result = await runScan(process.env);
  process.stdout.write(JSON.stringify(result) + "\n");
}
