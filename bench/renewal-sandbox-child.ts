/**
 * Child process for bench/renewal.ts: the BSS sandbox (local/sandbox, the same server
 * `partner-ops sandbox` runs) in its own process, so that its memory and CPU are not counted as
 * the scanning process's. Unlike the CLI it also reports the SERVER's own counters, so the bench
 * does not have to trust the client about throttling.
 *
 * Usage: node bench/renewal-sandbox-child.ts <customers> <resources per customer> <rate per second> <seed>
 * stdout: one JSON line `{"env": {HWC_ENDPOINT, ...}}` when listening; then, for every line `stats`
 * on stdin, one JSON line with the sandbox's stats (requests / throttled per operation). Closes
 * and exits when stdin ends.
 */
import { createInterface } from "node:readline";
import { sandboxEnv, startSandbox } from "../local/sandbox/index.ts";
import { isMain } from "./lib.ts";

export interface SandboxChildStats {
  requests: Record<string, number>;
  throttled: number;
  throttledByOperation: Record<string, number>;
  responses: Record<string, number>;
}

if (isMain(import.meta.url)) {
  const [customers, resources, rate, seed] = process.argv.slice(2).map(Number);
  const sandbox = await startSandbox({ customers: customers!, resourcesPerCustomer: resources!, ratePerSecond: rate!, seed: seed! });
  process.stdout.write(JSON.stringify({ env: sandboxEnv(sandbox) }) + "\n");
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() !== "stats") return;
    const { requests, throttled, throttledByOperation, responses } = sandbox.stats;
    const out: SandboxChildStats = { requests, throttled, throttledByOperation, responses };
    process.stdout.write(JSON.stringify(out) + "\n");
  });
  lines.on("close", () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
