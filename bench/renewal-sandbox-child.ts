/**
 * Child process for bench/renewal.ts: the BSS sandbox (local/sandbox, the same server
 * `partner-ops sandbox` runs) in its own process, so that its memory and CPU are not counted as
 * the scanning processes'. Unlike the CLI it also reports the SERVER's own counters, so the bench
 * does not have to trust the client about throttling.
 *
 * Network jitter, both ways, injected here (the clients talk to this process's front door):
 * - uplink: every request waits a uniform random 0..<uplink> ms (seeded) in a forwarding front
 *   door BEFORE it reaches the sandbox and its rate limiter — what makes requests that left a
 *   client in order and evenly spaced arrive bunched up;
 * - downlink: the sandbox's own latency fault delays every answer by <down-min>..<down-max> ms
 *   (after the rate limiter; it costs the clients time, not quota).
 *
 * Usage: node bench/renewal-sandbox-child.ts <customers> <resources> <rate> <seed> <uplink ms> <down-min ms> <down-max ms>
 * stdout: one JSON line `{"env": {HWC_ENDPOINT, ...}}` when listening; then, for every line `stats`
 * on stdin, one JSON line with the sandbox's stats (requests / throttled per operation, and per
 * operation the tightest span of quota + 1 consecutive accepted requests as the server saw them:
 * at least 1000 ms means no rolling second held more than the quota). Closes and exits when stdin ends.
 */
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { sandboxEnv, startSandbox } from "../local/sandbox/index.ts";
import { isMain } from "./lib.ts";
import { mulberry32 as prng } from "../local/sandbox/rng.ts";

export interface SandboxChildStats {
  requests: Record<string, number>;
  throttled: number;
  throttledByOperation: Record<string, number>;
  responses: Record<string, number>;
  /** Per operation: min over i of arrival[i + quota] - arrival[i] of accepted requests, ms (±1 ms). */
  tightestSpanMs: Record<string, number>;
  /** Uplink delays applied by the front door: count, mean, max (ms). */
  uplink: { n: number; meanMs: number; maxMs: number };
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
  const [customers, resources, rate, seed, uplinkMs, downMin, downMax] = process.argv.slice(2).map(Number);
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
  const sandbox = await startSandbox({
    customers: customers!,
    resourcesPerCustomer: resources!,
    ratePerSecond: rate!,
    seed: seed!,
    log,
    ...(downMax! > 0 ? { faults: { latencyMs: [downMin!, downMax!] as [number, number] } } : {}),
  });
  const target = new URL(sandbox.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const random = prng(seed!);
  const uplink = { n: 0, sum: 0, max: 0 };
  const front = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const delay = uplinkMs! * random();
      uplink.n++;
      uplink.sum += delay;
      uplink.max = Math.max(uplink.max, delay);
      setTimeout(() => {
        const up = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.on("error", () => {
          res.destroy();
        });
        up.end(Buffer.concat(chunks));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  process.stdout.write(JSON.stringify({ env: sandboxEnv({ ...sandbox, url: frontUrl }) }) + "\n");
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() !== "stats") return;
    const { requests, throttled, throttledByOperation, responses } = sandbox.stats;
    const tightestSpanMs: Record<string, number> = {};
    for (const [op, times] of arrivals) {
      const span = tightestSpan(times, rate!);
      if (span !== undefined) tightestSpanMs[op] = span;
    }
    const out: SandboxChildStats = {
      requests,
      throttled,
      throttledByOperation,
      responses,
      tightestSpanMs,
      uplink: { n: uplink.n, meanMs: uplink.n ? uplink.sum / uplink.n : 0, maxMs: uplink.max },
    };
    process.stdout.write(JSON.stringify(out) + "\n");
  });
  lines.on("close", () => {
    front.close();
    agent.destroy();
    void sandbox.close().then(() => process.exit(0));
  });
}
