/**
 * Renewal scan against the BSS sandbox: 10,000 customers × ~20 resources, sandbox in a SEPARATE process
 * (`node bin/partner-ops.js sandbox --customers 10000 --resources 20 --rate R`), so its memory is not
 * counted. Drives the same steps the functions run — scheduleScans (ListSubCustomers pages) then
 * scanCustomer per customer (ListPayPerUseCustomerResources pages + decision + ledger claims) — in this
 * process, with in-memory ledger/queue ports instead of DynamoDB/SQS: what is measured is the BSS-facing
 * part (rate discipline, throttling, memory of the scanning process), not the AWS emulators.
 *
 * Prints: achieved request rate / configured rate of the resources API (target ≥ 0.9), throttled calls
 * (429, target 0), peak RSS of this process (target ≤ 256 MB), wall time.
 * Env: RENEWAL_BENCH_CUSTOMERS (10000), RENEWAL_BENCH_RESOURCES (20), RENEWAL_BENCH_RATE (200),
 * RENEWAL_BENCH_WORKERS (16 customers in flight).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createBssClient } from "../shared/bss/index.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG } from "../shared/renewal/index.ts";
import { RenewalScan } from "../shared/renewal/messages.ts";
import { type LedgerPort, runDateOf, scanCustomer, scheduleScans } from "../shared/renewal/pipeline.ts";
import type { Envelope } from "../shared/queue/envelope.ts";
import { type BenchResult, formatTable, isMain } from "./lib.ts";

const CUSTOMERS = Number(process.env["RENEWAL_BENCH_CUSTOMERS"] ?? 10_000);
const RESOURCES = Number(process.env["RENEWAL_BENCH_RESOURCES"] ?? 20);
const RATE = Number(process.env["RENEWAL_BENCH_RATE"] ?? 200);
const WORKERS = Number(process.env["RENEWAL_BENCH_WORKERS"] ?? 16);

function memLedger(): LedgerPort {
  const m = new Map<string, { status: "claimed" | "done"; attrs?: Record<string, unknown> }>();
  return {
    async claim(key, attrs) {
      if (m.has(key)) return "exists";
      m.set(key, { status: "claimed", ...(attrs ? { attrs } : {}) });
      return "new";
    },
    async complete(key) {
      const r = m.get(key);
      if (r) r.status = "done";
    },
    async release(key) {
      if (m.get(key)?.status === "claimed") m.delete(key);
    },
    async get(key) {
      return m.get(key);
    },
  };
}

async function startSandboxProcess(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const child = spawn(process.execPath, ["bin/partner-ops.js", "sandbox", "--customers", String(CUSTOMERS), "--resources", String(RESOURCES), "--rate", String(RATE), "--seed", "11"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const env: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sandbox exited early (${code})`)));
    lines.on("line", (l) => {
      const eq = l.indexOf("=");
      if (eq > 0) env[l.slice(0, eq)] = l.slice(eq + 1);
      if (env["HWC_XACCOUNT_TYPE"]) resolve();
    });
  });
  child.removeAllListeners("exit");
  return {
    env,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function run(): Promise<BenchResult> {
  const sb = await startSandboxProcess();
  const started = performance.now();
  let attempts = 0;
  let throttled = 0;
  let resourceCalls = 0;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  try {
    const client = createBssClient({
      endpoint: sb.env["HWC_ENDPOINT"]!,
      iamEndpoint: sb.env["HWC_IAM_ENDPOINT"]!,
      credentials: { ak: sb.env["HWC_AK"]!, sk: sb.env["HWC_SK"]! },
      agencyName: sb.env["HWC_XACCOUNT_TYPE"]!,
      rate: RATE,
      maxAttempts: 6,
      onEvent: (e) => {
        if (e.type !== "attempt") return;
        attempts++;
        if (e.status === 429) throttled++;
        if (e.operation === "ListPayPerUseCustomerResources") resourceCalls++;
      },
    });
    const ledger = memLedger();
    const queued: Envelope[] = [];
    const now = Date.now();
    const runDate = runDateOf(now, "Asia/Shanghai");
    const sched = await scheduleScans({
      customers: client.subCustomers({}),
      associationTypes: new Set(["1", "2"]),
      directory: new Map(),
      runDate,
      scheduledAt: new Date(now).toISOString(),
      ledger,
      publish: async (envs) => void queued.push(...envs),
    });
    const scanStart = performance.now();
    let next = 0;
    let due = 0;
    let published = 0;
    let resources = 0;
    const worker = async () => {
      for (;;) {
        const env = queued[next++];
        if (!env) return;
        const message = RenewalScan.parse(env);
        const r = await scanCustomer({
          message,
          resources: client.customerResources(message.data.customer.customerId, {}, { pageSize: 100 }),
          config: DEFAULT_RENEWAL_DECISION_CONFIG,
          now: Date.now(),
          ledger,
          publish: async () => {},
        });
        due += r.due;
        published += r.published;
        resources += r.resources;
        queued[next - 1] = undefined as unknown as Envelope; // let it go
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const scanSeconds = (performance.now() - scanStart) / 1000;
    const wall = (performance.now() - started) / 1000;
    const achieved = resourceCalls / scanSeconds;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    return {
      name: "renewal",
      rows: [
        { metric: "ListPayPerUseCustomerResources rate", value: achieved, unit: "req/s", baseline: { name: "configured", value: RATE }, ratio: achieved / RATE, target: ">= 0.9x", pass: achieved / RATE >= 0.9 },
        { metric: "throttled calls (429)", value: throttled, target: "0", pass: throttled === 0 },
        { metric: "peak RSS (scanning process)", value: Math.max(peakRss / 2 ** 20, maxRssMb), unit: "MB", target: "<= 256 MB", pass: Math.max(peakRss / 2 ** 20, maxRssMb) <= 256 },
        { metric: "wall time", value: wall, unit: "s" },
        { metric: "customers scanned", value: sched.published },
        { metric: "resources read", value: resources },
        { metric: "reminders claimed + published", value: published },
      ],
      notes: [
        `sandbox in a separate process (${CUSTOMERS} customers × ~${RESOURCES} resources, --rate ${RATE}); client rate ${RATE}/s per API, ${WORKERS} customers in flight; ${attempts} HTTP attempts; reminders decided due ${due}`,
        "scan driven in-process through shared/renewal/pipeline.ts (the functions' steps) with in-memory ledger/queue ports: measures the BSS-facing part, not DynamoDB/SQS",
        `client limiter spaces requests (1000 + 100 ms margin) / rate apart, so the ceiling is ${(RATE / 1.1).toFixed(0)}/s = 0.91x`,
      ],
    };
  } finally {
    clearInterval(sampler);
    await sb.stop();
  }
}

if (isMain(import.meta.url)) {
  const r = await run();
  console.log(formatTable([r]));
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}
