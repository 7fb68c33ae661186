/**
 * bench/renewal (issue 17): the renewal scan at BSS's real quota, in the deployed layout.
 *
 * Layout, read from serverless.yml: BSS_RATE_PER_SECOND (10 requests/s per account per API) shared
 * by renewal-scan's maximumConcurrency instances (2), each at perInstanceRate(10, 2) = 5/s with its
 * own limiter, each fed batches of batchSize (5) messages — as the SQS event source mapping does.
 * Processes:
 * - the sandbox (bench/renewal-sandbox-child.ts): local/sandbox with 10,000 customers × 20
 *   resources, the documented quota as a strict rolling 1 s window per (account, API), and network
 *   jitter injected on its side (uplink 0–UPLINK ms before its rate limiter, downlink DOWN ms on
 *   every answer); it counts the 429s itself;
 * - MAX_CONCURRENCY instance processes (bench/renewal-scan-child.ts), each started with the heap
 *   flags Lambda applies for renewal-scan's memory size (lib.ts lambdaHeapFlags), measured;
 * - this process: the scheduler's step (scheduleScans over ListSubCustomers at the full rate, its
 *   own API quota), the queue, and the poller handing out batches; a record that fails is re-queued.
 *
 * 10,000 customers at 10 calls/s take ~17.5 minutes, more than `npm run bench` may. Default (short)
 * mode: the scheduler lists all 10,000 customers, the instances scan the first SLICE (1,000) of them
 * — ~1.8 minutes at the full rate in steady state; the rate, throttles and memory are those of the
 * slice (a warm instance's memory does not grow with customers, apart from the ledger stand-in,
 * reported separately). Long mode (`npm run bench -- --long` or RENEWAL_BENCH_LONG=1) scans all.
 *
 * Env: RENEWAL_BENCH_CUSTOMERS (10000), RENEWAL_BENCH_RESOURCES (20), RENEWAL_BENCH_SLICE (1000),
 * RENEWAL_BENCH_UPLINK_MS (30), RENEWAL_BENCH_DOWN_MS ("5-40").
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createBssClient } from "../shared/bss/index.ts";
import { DEFAULT_MARGIN_MS } from "../shared/bss/limiter.ts";
import { perInstanceRate } from "../shared/renewal/messages.ts";
import { runDateOf, scheduleScans, type LedgerPort } from "../shared/renewal/pipeline.ts";
import { type BenchResult, formatTable, isMain, lambdaHeapFlags, sqsLayout } from "./lib.ts";
import type { SandboxChildStats } from "./renewal-sandbox-child.ts";
import type { BatchResult, InstanceResult } from "./renewal-scan-child.ts";

const LONG = process.env["RENEWAL_BENCH_LONG"] === "1" || process.env["BENCH_LONG"] === "1";
const CUSTOMERS = Number(process.env["RENEWAL_BENCH_CUSTOMERS"] ?? 10_000);
const RESOURCES = Number(process.env["RENEWAL_BENCH_RESOURCES"] ?? 20);
const SLICE = LONG ? CUSTOMERS : Math.min(CUSTOMERS, Number(process.env["RENEWAL_BENCH_SLICE"] ?? 1000));
const UPLINK_MS = Number(process.env["RENEWAL_BENCH_UPLINK_MS"] ?? 30);
const [DOWN_MIN, DOWN_MAX] = (process.env["RENEWAL_BENCH_DOWN_MS"] ?? "5-40").split("-").map(Number) as [number, number];
const OPERATION = "ListPayPerUseCustomerResources";

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

function nextLine(lines: Interface, child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`${what} exited (${code}) before answering`));
    child.once("exit", onExit);
    lines.once("line", (l) => {
      child.off("exit", onExit);
      resolve(l);
    });
  });
}

async function startSandbox(quota: number) {
  const args = [CUSTOMERS, RESOURCES, quota, 11, UPLINK_MS, DOWN_MIN, DOWN_MAX].map(String);
  const child = spawn(process.execPath, [here("./renewal-sandbox-child.ts"), ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const { env } = JSON.parse(await nextLine(lines, child, "sandbox")) as { env: Record<string, string> };
  return {
    env,
    async stats(): Promise<SandboxChildStats> {
      const answer = nextLine(lines, child, "sandbox");
      child.stdin!.write("stats\n");
      return JSON.parse(await answer) as SandboxChildStats;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill("SIGTERM"), 5000).unref();
      }),
  };
}

/** One renewal-scan instance: a child process with Lambda's heap flags, fed batches over IPC. */
function startInstance(env: Record<string, string>, flags: string[], rate: number) {
  const child = fork(here("./renewal-scan-child.ts"), [], {
    execArgv: [...flags, "--expose-gc"],
    env: { ...process.env, ...env, RENEWAL_BENCH_INSTANCE_RATE: String(rate) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let waiting: ((m: { done?: BatchResult; final?: InstanceResult; ready?: boolean }) => void) | undefined;
  child.on("message", (m) => {
    const w = waiting;
    waiting = undefined;
    w?.(m as { done?: BatchResult; final?: InstanceResult });
  });
  const ask = <T>(msg: unknown, pick: (m: { done?: BatchResult; final?: InstanceResult; ready?: boolean }) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`renewal-scan instance exited (${code})`));
      child.once("exit", onExit);
      waiting = (m) => {
        child.off("exit", onExit);
        const v = pick(m);
        if (v === undefined) reject(new Error("unexpected answer from the instance"));
        else resolve(v);
      };
      if (msg !== undefined) child.send(msg as object);
    });
  return {
    ready: ask(undefined, (m) => (m.ready ? true : undefined)),
    batch: (bodies: string[]) => ask({ batch: bodies }, (m) => m.done),
    finish: () => ask({ finish: true }, (m) => m.final),
  };
}

/** The scheduler's ledger stand-in (its claims are per customer and run date). */
function schedulerLedger(): LedgerPort {
  const keys = new Set<string>();
  return {
    async claim(key) {
      if (keys.has(key)) return "busy";
      keys.add(key);
      return "new";
    },
    async complete() {},
    async release(key) {
      keys.delete(key);
    },
    async get(key) {
      return keys.has(key) ? { status: "done" } : undefined;
    },
  };
}

export async function run(): Promise<BenchResult> {
  const started = performance.now();
  const layout = await sqsLayout("renewal-scan");
  const total = Number(layout.environment["BSS_RATE_PER_SECOND"]);
  const declared = Number(layout.environment["RENEWAL_SCAN_CONCURRENCY"]);
  if (declared !== layout.maximumConcurrency) throw new Error(`RENEWAL_SCAN_CONCURRENCY ${declared} != maximumConcurrency ${layout.maximumConcurrency}`);
  const instances = layout.maximumConcurrency;
  const perInstance = perInstanceRate(total, instances);
  const flags = lambdaHeapFlags(layout.memoryMb);
  const sb = await startSandbox(total);
  try {
    const before = await sb.stats();
    const pool = Array.from({ length: instances }, () => startInstance(sb.env, flags, perInstance));
    await Promise.all(pool.map((p) => p.ready));

    // The scheduler (its own function, one instance, full rate on ListSubCustomers).
    const queue: string[] = [];
    let schedulingDone = false;
    const sleepers: (() => void)[] = [];
    const wake = (): void => {
      for (const w of sleepers.splice(0)) w();
    };
    const schedulerClient = createBssClient({
      endpoint: sb.env["HWC_ENDPOINT"]!,
      iamEndpoint: sb.env["HWC_IAM_ENDPOINT"]!,
      credentials: { ak: sb.env["HWC_AK"]!, sk: sb.env["HWC_SK"]! },
      agencyName: sb.env["HWC_XACCOUNT_TYPE"]!,
      rate: total,
      maxAttempts: 6,
    });
    const now = Date.now();
    const scheduling = scheduleScans({
      customers: schedulerClient.subCustomers({}),
      associationTypes: new Set(["1", "2"]),
      directory: new Map(),
      runDate: runDateOf(now, "Asia/Shanghai"),
      scheduledAt: new Date(now).toISOString(),
      ledger: schedulerLedger(),
      publish: async (envelopes) => {
        for (const e of envelopes) queue.push(JSON.stringify(e));
        wake();
      },
    }).finally(() => {
      schedulingDone = true;
      wake();
    });

    // The pollers: one per instance, batches of batchSize, until SLICE customers are scanned.
    let dispatched = 0;
    let scanned = 0;
    let requeued = 0;
    const scanStart = performance.now();
    const poller = async (inst: ReturnType<typeof startInstance>): Promise<void> => {
      for (;;) {
        while (queue.length === 0 && !schedulingDone) await new Promise<void>((r) => sleepers.push(r));
        if (queue.length === 0 || dispatched >= SLICE) return;
        const take = Math.min(layout.batchSize, SLICE - dispatched);
        const bodies = queue.splice(0, take);
        dispatched += bodies.length;
        const r = await inst.batch(bodies);
        scanned += r.customers;
        if (r.failed.length) {
          requeued += r.failed.length;
          dispatched -= r.failed.length;
          queue.unshift(...r.failed);
        }
      }
    };
    await Promise.all(pool.map(poller));
    const scanSeconds = (performance.now() - scanStart) / 1000;
    const results = await Promise.all(pool.map((p) => p.finish()));
    await scheduling;
    const after = await sb.stats();
    const wall = (performance.now() - started) / 1000;

    const ok = results.reduce((s, r) => s + r.resourceCallsOk, 0);
    const first = Math.min(...results.map((r) => r.firstCallAt));
    const last = Math.max(...results.map((r) => r.lastCallAt));
    // n answers spread over (last − first) at rate r: (n − 1) / span is the achieved rate.
    const achieved = (ok - 1) / ((last - first) / 1000);
    const ratio = achieved / total;
    const served = (after.requests[OPERATION] ?? 0) - (before.requests[OPERATION] ?? 0);
    const serverThrottled = after.throttled - before.throttled;
    const clientThrottled = results.reduce((s, r) => s + r.throttled, 0);
    const per10k = (serverThrottled / Math.max(1, served)) * 10_000;
    const peakRss = Math.max(...results.map((r) => r.peakRssMb));
    const ceiling = 1000 / (1000 + DEFAULT_MARGIN_MS);
    const span = after.tightestSpanMs[OPERATION];
    const r1 = (n: number) => Math.round(n * 10) / 10;
    return {
      name: "renewal",
      rows: [
        { metric: `${OPERATION} rate, ${instances} instances × ${perInstance}/s`, value: achieved, unit: "req/s", baseline: { name: "BSS quota", value: total }, ratio, target: ">= 0.95x", pass: ratio >= 0.95 },
        { metric: "throttled answers (429, sandbox's count) per 10,000 calls", value: per10k, baseline: { name: "calls", value: served }, target: "<= 1", pass: per10k <= 1 && scanned === SLICE },
        ...(span === undefined ? [] : [{ metric: `tightest ${total + 1} accepted calls on the sandbox − 1 s`, value: span - 1000, unit: "ms" }]),
        { metric: `peak RSS per instance (Lambda heap flags for ${layout.memoryMb} MB)`, value: peakRss, unit: "MB", baseline: { name: "memorySize", value: layout.memoryMb }, ratio: peakRss / layout.memoryMb, target: "<= 1x", pass: peakRss <= layout.memoryMb },
        { metric: "customers scanned (each exactly once)", value: scanned, baseline: { name: "slice", value: SLICE } },
        { metric: "wall time (scan)", value: scanSeconds, unit: "s" },
        { metric: "wall time (bench, incl. sandbox start)", value: wall, unit: "s" },
      ],
      notes: [
        `layout from serverless.yml: BSS_RATE_PER_SECOND ${total}, renewal-scan maximumConcurrency ${instances} (= RENEWAL_SCAN_CONCURRENCY), so ${instances} instance processes at perInstanceRate = ${perInstance}/s each with its own limiter, batches of ${layout.batchSize}, records of a batch concurrently; the scheduler step (ListSubCustomers, its own quota) runs beside them at ${total}/s`,
        `${LONG ? "LONG mode: all" : `SHORT mode: a slice of ${SLICE} of the`} ${CUSTOMERS} customers × ${RESOURCES} resources scanned (the scheduler lists all ${CUSTOMERS}); ${LONG ? "" : "the full set takes ~17.5 min at 10/s: `npm run bench -- --long`; "}sandbox quota ${total}/s per (account, API) as a strict rolling 1,000 ms window`,
        `network jitter injected by the sandbox process: uplink uniform 0–${UPLINK_MS} ms before its rate limiter (mean ${r1(after.uplink.meanMs)}, max ${r1(after.uplink.maxMs)} ms over ${after.uplink.n} requests), downlink ${DOWN_MIN}–${DOWN_MAX} ms on every answer (its latency fault)`,
        `sandbox served ${served} ${OPERATION} and answered ${serverThrottled} of all calls with 429 (${JSON.stringify(after.throttledByOperation)}; clients saw ${clientThrottled}; each retried by the transport, ${requeued} records re-queued); limiter margin ${DEFAULT_MARGIN_MS} ms per 1 s window, ceiling ${ceiling.toFixed(3)}x`,
        ...results.map(
          (r, i) =>
            `instance ${i + 1}: node ${r.execArgv.join(" ")} (.ts sources via type stripping), ${r.customersScanned} customers, peak RSS ${r1(r.peakRssMb)} MB, peak heap ${r1(r.peakHeapUsedMb)} MB, retained after GC ${r1(r.retainedHeapMb)} MB (${r1(r.retainedHeapWithoutLedgerMb)} MB without the ledger stand-in), GC ${r1(r.gcMs)} ms, loop delay p99 ${r1(r.loopDelayP99Ms)} / max ${r1(r.loopDelayMaxMs)} ms`,
        ),
      ],
    };
  } finally {
    await sb.stop();
  }
}

if (isMain(import.meta.url)) {
  const r = await run();
  console.log(formatTable([r]));
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}
