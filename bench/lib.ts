/** Shared shape and helpers for bench scripts. Every bench exports `run(): Promise<BenchResult>`. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
export interface BenchRow {
  metric: string;
  value: number;
  unit?: string;
  /** Named baseline measured in the same run. */
  baseline?: { name: string; value: number };
  /** value / baseline (or as defined by the bench), when meaningful. */
  ratio?: number;
  /** Human-readable target, e.g. ">= 3x". */
  target?: string;
  /** Whether the target is met, when there is one. */
  pass?: boolean;
}

export interface BenchResult {
  name: string;
  rows: BenchRow[];
  notes?: string[];
}

export function formatTable(results: BenchResult[]): string {
  const lines: string[] = [];
  const head = ["bench", "metric", "value", "baseline", "ratio", "target", "ok"];
  const rows: string[][] = [head];
  for (const r of results) {
    for (const row of r.rows) {
      rows.push([
        r.name,
        row.metric,
        `${fmt(row.value)}${row.unit ? " " + row.unit : ""}`,
        row.baseline ? `${row.baseline.name}: ${fmt(row.baseline.value)}` : "",
        row.ratio !== undefined ? `${row.ratio.toFixed(2)}x` : "",
        row.target ?? "",
        row.pass === undefined ? "" : row.pass ? "yes" : "NO",
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, r] of rows.entries()) {
    lines.push(r.map((c, j) => c.padEnd(widths[j]!)).join("  ").trimEnd());
    if (i === 0) lines.push(widths.map((w) => "-".repeat(w)).join("  "));
  }
  return lines.join("\n");
}

function fmt(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

/** True when the module at `metaUrl` is the script node was asked to run. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return new URL(metaUrl).pathname === entry || new URL(metaUrl).pathname === new URL(`file://${entry}`).pathname;
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: () => void, ms: number): number {
  const batch = 200;
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/**
 * Like opsPerSecond, but per second of this process's CPU time (user + system, all its threads):
 * on a shared machine the time the process spends descheduled does not count against it.
 */
export function opsPerCpuSecond(fn: () => void, ms: number): number {
  const batch = 200;
  let ops = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < ms) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
  }
  const cpu = process.cpuUsage(cpu0);
  return (ops * 1e6) / (cpu.user + cpu.system);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The V8 heap flags AWS Lambda's Node.js runtime passes for a function's memory size. Its bootstrap
 * (/var/runtime/bootstrap in the nodejs14.x–nodejs18.x images; assumed unchanged for nodejs24.x,
 * which we could not inspect) derives them from AWS_LAMBDA_FUNCTION_MEMORY_SIZE in whole MB:
 * new_space = memory / 10, --max-semi-space-size = new_space / 2, --max-old-space-size = memory − new_space
 * (e.g. 256 MB → 12 and 231; 512 MB → 25 and 461; 128 MB → 6 and 116), plus --expose-gc.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/** memorySize (MB) of a function as serverless.yml configures it (the provider default applies). */
export async function functionMemoryMb(name: string): Promise<number> {
  const { loadService } = await import("../local/engine/service.ts");
  const model = loadService(new URL("../serverless.yml", import.meta.url).pathname, { stage: "bench" });
  const fn = model.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`no function ${name} in serverless.yml`);
  return fn.memorySize;
}

/** The deployed layout of an SQS-triggered function: batch size and maximum concurrency (serverless.yml). */
export async function sqsLayout(name: string): Promise<{ batchSize: number; maximumConcurrency: number; memoryMb: number; environment: Record<string, unknown> }> {
  const { loadService } = await import("../local/engine/service.ts");
  const model = loadService(new URL("../serverless.yml", import.meta.url).pathname, { stage: "bench" });
  const fn = model.functions.find((f) => f.name === name);
  const ev = fn?.events.find((e) => e.type === "sqs") as { batchSize?: number; maximumConcurrency?: number } | undefined;
  if (!fn || !ev) throw new Error(`no SQS-triggered function ${name} in serverless.yml`);
  return { batchSize: ev.batchSize ?? 10, maximumConcurrency: ev.maximumConcurrency ?? 1000, memoryMb: fn.memorySize, environment: fn.environment as Record<string, unknown> };
}

/** RSS and its high-water mark (VmHWM) of a process, bytes, from /proc. */
export function procStatus(pid: number | "self" = "self"): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Resets this process's VmHWM (clear_refs 5); false on a kernel without it (a sampled maximum then stands in). */
export function resetHwm(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * The emulators of a bench child (not measured): fauxqs (S3 + SQS; on disk under `dataDir` if given)
 * and dynalite with `table` created as serverless.yml declares it. Stopped, and the process ended,
 * when the parent sends {cmd: "stop"}.
 */
export async function startBenchEmulators(table: { logicalId: string; name: string }, dataDir?: string) {
  const { startLocalFauxqs, startLocalDynamo, localCredentials } = await import("../local/engine/emulators.ts");
  const { CreateTableCommand, DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const { declaredTable } = await import("../local/engine/resources.ts");
  const { loadService } = await import("../local/engine/service.ts");
  const fauxqs = await startLocalFauxqs(dataDir ? { dataDir: join(dataDir, "fauxqs") } : {});
  const dynamo = await startLocalDynamo();
  const ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  const model = loadService(new URL("../serverless.yml", import.meta.url).pathname, { stage: "bench" });
  await ddb.send(new CreateTableCommand(declaredTable(model, table.logicalId, table.name)));
  ddb.destroy();
  process.on("message", async (m: { cmd?: string }) => {
    if (m.cmd !== "stop") return;
    await fauxqs.stop();
    await dynamo.close();
    process.exit(0);
  });
  return { fauxqs, dynamo };
}
