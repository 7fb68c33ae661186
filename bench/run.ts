/**
 * `npm run bench`: runs every bench script in this folder that exports `run()`, prints one table
 * (each row against a named baseline measured in the same run) and writes bench/results.json.
 * `npm run bench -- signing email` runs only the named benches; `--long` (BENCH_LONG=1) runs the
 * long variants (the renewal scan over all 10,000 customers, ~18 minutes).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatTable, type BenchResult } from "./lib.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const skip = new Set(["lib.ts", "run.ts"]);
const args = process.argv.slice(2);
if (args.includes("--long")) process.env["BENCH_LONG"] = "1";
const only = args.filter((a) => !a.startsWith("--"));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !skip.has(f) && !f.startsWith("fuzz") && !f.includes("-child"))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();

const results: BenchResult[] = [];
const failures: string[] = [];
for (const f of files) {
  const mod = (await import(new URL(f, import.meta.url).href)) as { run?: () => Promise<BenchResult> };
  if (typeof mod.run !== "function") continue;
  process.stderr.write(`bench: ${f} ...\n`);
  const started = performance.now();
  try {
    const r = await mod.run();
    results.push(r);
    process.stderr.write(`bench: ${f} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    failures.push(`${f}: ${(err as Error).message}`);
    process.stderr.write(`bench: ${f} FAILED: ${(err as Error).message}\n`);
  }
}

console.log(formatTable(results));
console.log(`machine load (1/5/15 min) at the end: ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")} on ${(await import("node:os")).cpus().length} CPUs`);
for (const r of results) for (const n of r.notes ?? []) console.log(`note (${r.name}): ${n}`);
const os = await import("node:os");
const out = {
  measuredAt: new Date().toISOString(),
  long: process.env["BENCH_LONG"] === "1",
  /** 1/5/15-minute load averages at the end of the run: the machine may be shared. */
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  node: process.version,
  cpus: os.cpus().length,
  results,
  failures,
};
writeFileSync(new URL("results.json", import.meta.url), JSON.stringify(out, null, 2) + "\n");
console.log(`\nwrote bench/results.json${failures.length ? ` (${failures.length} bench(es) failed)` : ""}`);
if (failures.length) process.exitCode = 1;
