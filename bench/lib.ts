/** Shared shape and helpers for bench scripts. Every bench exports `run(): Promise<BenchResult>`. */
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
