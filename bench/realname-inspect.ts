/**
 * Real-name attachment checks, I/O-free parts only.
 *
 * 1. Streaming inspection (size + SHA-256 + prefix sniff) of three 10 MB files fed in 64 KiB chunks,
 *    against the named baseline "sha256 only" (hashing the same chunks with node:crypto, the least
 *    work any upload check must do). Target: ≤ 1.2× the baseline's time.
 * 2. Peak RSS growth while the three files stream through `inspectingTransform` from a generator
 *    of fresh 64 KiB buffers, against the same stream through a plain PassThrough (named baseline:
 *    what the chunks' garbage costs before GC runs). Target: ≤ 1.1× (+1 MB), i.e. the inspector
 *    keeps nothing but its 2 KiB prefix. The growth relative to the largest file is also printed;
 *    the issue's ≤ 1.5× target is for the whole presigned flow (bench/upload, not this bench).
 * 3. validateApplication on an inline body at the 4 MiB cap, against the named baseline "JSON.parse +
 *    base64 decode" of the same body (work the handler does anyway). Reported, no target.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { validateApplication } from "../shared/realname/application.ts";
import { UploadInspector, inspectingTransform } from "../shared/realname/files.ts";
import { sampleJpeg } from "../shared/realname/sample-files.ts";
import { type BenchResult, formatTable, functionMemoryMb, isMain, lambdaHeapFlags, median } from "./lib.ts";

const FILE = 10_000_000;
const CHUNK = 64 * 1024;
/** A well-formed JPEG's headers up to its start of scan (the file checks need a complete JPEG). */
const SMALL_JPEG = sampleJpeg(300, "bench");
const JPEG_HEAD = SMALL_JPEG.subarray(0, SMALL_JPEG.length - 3);

/** Chunk `at` of a 10 MB JPEG: headers, scan bytes (never 0xFF), EOI as the last two bytes. */
function chunkAt(seed: number, at: number): Buffer {
  const c = Buffer.alloc(Math.min(CHUNK, FILE - at), (seed + at / CHUNK) & 0x7f);
  if (at === 0) JPEG_HEAD.copy(c);
  if (at + c.length === FILE) c.set([0xff, 0xd9], c.length - 2);
  return c;
}

function fileChunks(seed: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < FILE; at += CHUNK) out.push(chunkAt(seed, at));
  return out;
}

function* streamed(seed: number): Generator<Buffer> {
  for (let at = 0; at < FILE; at += CHUNK) yield chunkAt(seed, at);
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function run(): Promise<BenchResult> {
  // 1. throughput
  const files = [fileChunks(1), fileChunks(2), fileChunks(3)];
  const baseline: number[] = [];
  const inspect: number[] = [];
  for (let round = 0; round < 7; round++) {
    baseline.push(
      time(() => {
        for (const f of files) {
          const h = createHash("sha256");
          for (const c of f) h.update(c);
          h.digest();
        }
      }),
    );
    inspect.push(
      time(() => {
        for (const f of files) {
          const ins = new UploadInspector();
          for (const c of f) ins.update(c);
          if (!ins.finish().check.ok) throw new Error("sample rejected");
        }
      }),
    );
  }
  const base = median(baseline);
  const ins = median(inspect);
  files.length = 0;

  // 2. memory while streaming through the Transform: in a fresh child process with --expose-gc,
  // so the start value is not blurred by this process's earlier allocations, and with the heap flags
  // Lambda applies for realname-submit's memorySize (the function that inspects uploads).
  const flags = lambdaHeapFlags(await functionMemoryMb("realname-submit"));
  const child = (mode: "inspector" | "passthrough"): number =>
    (JSON.parse(execFileSync(process.execPath, [...flags, "--expose-gc", fileURLToPath(import.meta.url), `--memory-child=${mode}`], { encoding: "utf8" })) as { growth: number })
      .growth;
  const growth = child("inspector");
  const passThrough = child("passthrough");

  // 3. validation at the inline cap
  const part = Buffer.alloc(Math.floor((4 * 1024 * 1024) / 3) - 16, 7);
  JPEG_HEAD.copy(part);
  const body = JSON.stringify({
    type: "enterprise",
    customer_id: "bench",
    corp_name: "示例科技有限公司",
    verified_number: "91350100M000100Y43",
    certificate_type: 0,
    enterprise_person: { legel_name: "张三", legel_id_number: "11010519491231002X" },
    attachments: {
      mode: "inline",
      files: ["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"].map((role) => ({ role, content_base64: part.toString("base64") })),
    },
  });
  const parseDecode: number[] = [];
  const validate: number[] = [];
  for (let round = 0; round < 5; round++) {
    parseDecode.push(
      time(() => {
        const o = JSON.parse(body) as { attachments: { files: { content_base64: string }[] } };
        for (const f of o.attachments.files) Buffer.from(f.content_base64, "base64");
      }),
    );
    validate.push(
      time(() => {
        const r = validateApplication(JSON.parse(body), { now: new Date("2025-06-01T00:00:00Z") });
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
      }),
    );
  }
  const pd = median(parseDecode);
  const va = median(validate);

  const mbps = (3 * FILE) / 1e6 / (ins / 1000);
  return {
    name: "realname-inspect",
    rows: [
      { metric: "inspect 3×10 MB (64 KiB chunks)", value: ins, unit: "ms", baseline: { name: "sha256 only", value: base }, ratio: ins / base, target: "<= 1.2x", pass: ins / base <= 1.2 },
      { metric: "inspector throughput", value: mbps, unit: "MB/s" },
      {
        metric: "peak RSS growth, 3×10 MB through the inspector",
        value: growth / 1e6,
        unit: "MB",
        baseline: { name: "same stream through a PassThrough", value: passThrough / 1e6 },
        ratio: passThrough > 0 ? growth / passThrough : undefined,
        target: "<= 1.1x",
        pass: growth <= passThrough * 1.1 + 1e6,
      },
      { metric: "same growth vs largest file (10 MB)", value: growth / FILE, unit: "x" },
      { metric: "validate 4 MiB inline body", value: va, unit: "ms", baseline: { name: "JSON.parse + base64 decode", value: pd }, ratio: va / pd },
    ],
    notes: [`RSS is measured in one fresh child process per mode (${flags.join(" ")} --expose-gc: Lambda's heap flags for realname-submit; sampled every 5 ms and on every chunk); chunks are fresh 64 KiB buffers as from a socket, so the growth is uncollected chunk garbage (it grows sub-linearly with the number of files and is the same without the inspector)`],
  };
}

/** Child-process part of measurement 2 (one process per mode): prints {"growth": bytes}. */
async function memoryChild(withInspector: boolean): Promise<void> {
  const measure = async (): Promise<number> => {
    globalThis.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    for (const seed of [4, 5, 6]) {
      const inspector = new UploadInspector();
      await pipeline(
        Readable.from(streamed(seed)),
        withInspector ? inspectingTransform(inspector) : new PassThrough(),
        new Writable({
          write(_c, _e, cb) {
            peak = Math.max(peak, process.memoryUsage().rss);
            cb();
          },
        }),
      );
      if (withInspector && !inspector.finish().check.ok) throw new Error("sample rejected");
    }
    clearInterval(sample);
    return Math.max(0, peak - rss0);
  };
  process.stdout.write(JSON.stringify({ growth: await measure() }));
}

if (isMain(import.meta.url)) {
  const mode = process.argv.find((a) => a.startsWith("--memory-child="));
  if (mode) await memoryChild(mode.endsWith("=inspector"));
  else console.log(formatTable([await run()]));
}
