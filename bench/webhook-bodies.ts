/**
 * bench/webhook-bodies (issue 11.6): peak RSS of the engine's HTTP layer receiving 32 webhook bodies
 * of 9.9 MB at the same time, with the large-body cap (default: 2 read and handled at once) against
 * the same server with the cap off (every body read and handled at once, as before the fix), in the
 * same run, and with twice as many requests (the peak must not grow with their number). A last child that only starts the server and takes no request gives the floor.
 *
 *   node bench/webhook-bodies.ts          (or `npm run bench -- webhook-bodies`)
 */
import { fork } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_LARGE_BODIES } from "../local/engine/http.ts";
import { formatTable, isMain, type BenchResult } from "./lib.ts";

const PARALLEL = 32;
const BODY_BYTES = 9_900_000;
const CHILD = fileURLToPath(new URL("./webhook-bodies-child.ts", import.meta.url));

function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json", "content-length": body.length }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Starts a child server, sends `requests` bodies at once (0 = none), returns its peak RSS in bytes. */
async function peakRss(mode: "capped" | "uncapped", requests: number, body: Buffer): Promise<{ peak: number; ms: number }> {
  const child = fork(CHILD, [mode], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url: string }) => resolve(m.url));
    child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
  });
  const started = performance.now();
  const statuses = await Promise.all(Array.from({ length: requests }, () => post(url, body)));
  const ms = performance.now() - started;
  if (statuses.some((s) => s !== 200)) throw new Error(`unexpected statuses: ${[...new Set(statuses)].join(", ")}`);
  const peak = await new Promise<number>((resolve) => {
    child.once("message", (m: { maxRssBytes: number }) => resolve(m.maxRssBytes));
    child.send({ cmd: "peak" });
  });
  return { peak, ms };
}

export async function run(): Promise<BenchResult> {
  const payload = JSON.stringify({ event: "bench", data: "" });
  const body = Buffer.from(`${payload.slice(0, -2)}${"a".repeat(BODY_BYTES - payload.length)}"}`);
  const floor = await peakRss("capped", 0, body);
  const uncapped = await peakRss("uncapped", PARALLEL, body);
  const capped = await peakRss("capped", PARALLEL, body);
  const cappedDouble = await peakRss("capped", 2 * PARALLEL, body);
  const MB = 1024 * 1024;
  return {
    name: "webhook-bodies",
    rows: [
      {
        metric: `peak RSS, ${PARALLEL} × 9.9 MB at once (cap ${DEFAULT_MAX_LARGE_BODIES})`,
        value: capped.peak / MB,
        unit: "MB",
        baseline: { name: "no cap", value: uncapped.peak / MB },
        ratio: capped.peak / uncapped.peak,
        target: "≤ 0.6x",
        pass: capped.peak / uncapped.peak <= 0.6,
      },
      {
        // Bounded means independent of how many arrive: twice the requests, about the same peak.
        metric: `peak RSS, ${2 * PARALLEL} × 9.9 MB at once (cap ${DEFAULT_MAX_LARGE_BODIES})`,
        value: cappedDouble.peak / MB,
        unit: "MB",
        baseline: { name: `${PARALLEL} at once`, value: capped.peak / MB },
        ratio: cappedDouble.peak / capped.peak,
        target: "≤ 1.25x",
        pass: cappedDouble.peak / capped.peak <= 1.25,
      },
      { metric: "peak RSS, server started, no request", value: floor.peak / MB, unit: "MB" },
      { metric: `wall time for the ${PARALLEL} requests (cap ${DEFAULT_MAX_LARGE_BODIES})`, value: capped.ms, unit: "ms", baseline: { name: "no cap", value: uncapped.ms }, ratio: capped.ms / uncapped.ms },
    ],
    notes: [`the function is a stand-in (HMAC + JSON.parse of the body, 20 ms); the figure is the engine's HTTP layer, measured in a fresh child per row`],
  };
}

if (isMain(import.meta.url)) {
  const r = await run();
  console.log(formatTable([r]));
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}
