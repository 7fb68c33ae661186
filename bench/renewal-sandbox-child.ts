/**
 * Child process for bench/renewal.ts: the BSS sandbox (local/sandbox, the same server
 * `partner-ops sandbox` runs) in its own process, so that its memory and CPU are not counted as
 * the scanning process's. Unlike the CLI it also reports the SERVER's own counters, so the bench
 * does not have to trust the client about throttling.
 *
 * Usage: node bench/renewal-sandbox-child.ts <customers> <resources per customer> <rate per second> <seed>
 * stdout: one JSON line `{"env": {HWC_ENDPOINT, ...}}` when listening; then, for every line `stats`
 * on stdin, one JSON line with the sandbox's stats (requests / throttled per operation, and per
 * operation the tightest span of quota + 1 consecutive accepted requests as the server saw them:
 * at least 1000 ms means no rolling second held more than the quota; what is above 1000 ms is the
 * part of the client's jitter margin that was left over). Closes and exits when stdin ends.
 */
import { createInterface } from "node:readline";
import { sandboxEnv, startSandbox } from "../local/sandbox/index.ts";
import { isMain } from "./lib.ts";

export interface SandboxChildStats {
  requests: Record<string, number>;
  throttled: number;
  throttledByOperation: Record<string, number>;
  responses: Record<string, number>;
  /** Per operation: min over i of arrival[i + quota] - arrival[i] of accepted requests, ms (±1 ms). */
  tightestSpanMs: Record<string, number>;
}

/** Smallest time spanned by `quota + 1` consecutive times (sorted copy); undefined when there are fewer. */
export function tightestSpan(times: readonly number[], quota: number): number | undefined {
  if (times.length <= quota) return undefined;
  const t = [...times].sort((a, b) => a - b);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i + quota < t.length; i++) best = Math.min(best, t[i + quota]! - t[i]!);
  return best;
}

if (isMain(import.meta.url)) {
  const [customers, resources, rate, seed] = process.argv.slice(2).map(Number);
  // Arrival time of every accepted request, per operation, from the sandbox's own request log
  // (logged when answered, with the time since the request arrived, rounded to 1 ms).
  const arrivals = new Map<string, number[]>();
  const logLine = /^\S+ \S+ 2\d\d (\S+) (\d+)ms$/;
  const log = (line: string): void => {
    const m = logLine.exec(line);
    if (!m) return;
    const list = arrivals.get(m[1]!) ?? [];
    list.push(performance.now() - Number(m[2]));
    arrivals.set(m[1]!, list);
  };
  const sandbox = await startSandbox({ customers: customers!, resourcesPerCustomer: resources!, ratePerSecond: rate!, seed: seed!, log });
  process.stdout.write(JSON.stringify({ env: sandboxEnv(sandbox) }) + "\n");
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() !== "stats") return;
    const { requests, throttled, throttledByOperation, responses } = sandbox.stats;
    const tightestSpanMs: Record<string, number> = {};
    for (const [op, times] of arrivals) {
      const span = tightestSpan(times, rate!);
      if (span !== undefined) tightestSpanMs[op] = span;
    }
    const out: SandboxChildStats = { requests, throttled, throttledByOperation, responses, tightestSpanMs };
    process.stdout.write(JSON.stringify(out) + "\n");
  });
  lines.on("close", () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
