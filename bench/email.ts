/**
 * Invoice-email intake speed and memory.
 *  1. emails/s of the full intake core (parseInvoiceEmail: MIME parse + forward detection + extraction
 *     + trust checks + zod) vs. mailparser's simpleParser WITH THE SAME OPTIONS the intake passes
 *     (shared/email/mime.ts MAILPARSER_OPTIONS: no HTML↔text conversion), interleaved rounds in the
 *     same process, per CPU-second. Target: intake time <= 1.3x that parse. simpleParser with its
 *     default options (which converts HTML↔text, work the intake switches off) is printed for reference.
 *     Also timed, interleaved: "required steps only" — what issue 13 makes the intake do before any
 *     field is looked for (the two SHA-256 hashes, the MIME parse through the intake's own parseMime,
 *     HTML→structured text and folding of every body, one label scan per body, the URL/address scans
 *     the trust checks need, and the schema-v1 check of the output), with no extraction, cross-check
 *     or trust decision at all. When that row is over 1.3x, no extraction can bring the intake under it.
 *  2. The WHOLE invoice-email function on a 20 MB message: functions/invoice-email/handler.ts in a
 *     child started with the heap flags Lambda applies for its memorySize (serverless.yml), reading
 *     the message from S3 (fauxqs) through its own storage adapter, ledger on DynamoDB (dynalite),
 *     event on SQS (fauxqs); emulators in another process (bench/email-handler-child.ts). Target:
 *     peak RSS <= memorySize.
 *  3. For reference: peak RSS of a fresh child (bench/email-rss-child.ts) running only the esbuild
 *     bundle of the core on the 20 MB message, next to a bare simpleParser.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleParser } from "mailparser";
import { parseInvoiceEmail, resolveEmailConfig } from "../shared/email/index.ts";
import { hash } from "node:crypto";
import { compile } from "../shared/email/extract.ts";
import { bodyHashOf, sourcesOf } from "../shared/email/intake.ts";
import { LabelIndex } from "../shared/email/labels.ts";
import { findEmails, findUrls } from "../shared/email/links.ts";
import { MAILPARSER_OPTIONS, parseMime } from "../shared/email/mime.ts";
import { InvoiceNoticeV1Schema, type InvoiceNoticeV1 } from "../shared/email/schema.ts";
import { loadFixtures } from "../test/unit/email/fuzz-inputs.ts";
import * as B from "../test/unit/email/mime-builder.ts";
import * as G from "../test/unit/email/notice-gen.ts";
import { INBOUND_BUCKET, LEDGER_TABLE, type Mem, type ToChild } from "./email-handler-child.ts";
import { formatTable, functionMemoryMb, isMain, lambdaHeapFlags, median, type BenchResult } from "./lib.ts";

const config = resolveEmailConfig({ internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] });

const SUBJECT = "【华为云】激励开票通知（申付单号：SF20250701000321）";
const huaweiHeaders = (cs: string) => [
  `From: ${B.encodedWord("华为云伙伴中心", cs)} <system@info.huaweicloud.com>`,
  "To: finance@shilicloud.example",
  `Subject: ${B.encodedWord(SUBJECT, cs, "Q")}`,
  "Message-ID: <bench@info.huaweicloud.com>",
];

/** The 8 fixtures plus generated notices in every charset/encoding and HTML layout the tests use. */
export function corpus(): Buffer[] {
  const out = [...loadFixtures()];
  for (const cs of ["utf-8", "gbk", "gb18030"]) {
    for (const cte of ["quoted-printable", "base64"] as const) {
      out.push(B.message(huaweiHeaders(cs), B.textPart(G.zhPlain(G.baseFacts), "plain", cs, cte)));
    }
  }
  for (const layout of ["table", "paragraphs", "columns"] as const) {
    const html = B.textPart(G.zhHtml(G.baseFacts, layout), "html", "utf-8", "quoted-printable");
    const text = B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "quoted-printable");
    out.push(B.message(huaweiHeaders("utf-8"), B.multipart("alternative", [text, html])));
  }
  return out;
}

/**
 * The steps the intake cannot skip, without extraction (see the header): a lower bound of its cost
 * on the same path (the production functions themselves, not copies).
 */
export function requiredStepsOnly(notice: InvoiceNoticeV1): (raw: Buffer) => Promise<void> {
  const c = compile(config);
  return async (raw) => {
    hash("sha256", raw, "hex");
    bodyHashOf(raw);
    const parsed = await parseMime(raw, config.parseTimeoutMs);
    if (!parsed.ok) return;
    for (const s of sourcesOf(parsed.view, config)) {
      new LabelIndex(s.text, c.labels, s.folded);
      findUrls(s.text);
      findEmails(s.text);
    }
    InvoiceNoticeV1Schema.safeParse(notice);
  };
}

async function timeAll(corpus: Buffer[], fn: (raw: Buffer) => Promise<unknown>, minMs: number): Promise<number> {
  // returns CPU ms (this process, all threads) per email: descheduled time on a shared machine does not count
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < minMs) {
    for (const raw of corpus) await fn(raw);
    n += corpus.length;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / n;
}

const BIG_TARGET = 20 * 1024 * 1024;

/** A 20 MB message: a real notice with two PDF attachments of ~7.5 MB ("pdf"), or a 20 MB HTML body ("html"). */
export function bigMessage(kind: "pdf" | "html"): Buffer {
  if (kind === "pdf") {
    // Two PDFs of ~7.5 MB (base64 ~20 MB in all): each stays under the S3 emulator's 11 MiB request
    // limit when the function stores it (S3 itself takes 5 GB in one PUT).
    const half = Math.floor(((BIG_TARGET - 20_000) * 0.75 - 2048) / 2);
    const pdfs = [0, 1].map(() => {
      const pdf = Buffer.alloc(half, 0x41);
      pdf.write("%PDF-1.4\n");
      return pdf;
    });
    return B.message(
      huaweiHeaders("utf-8"),
      B.multipart("mixed", [
        B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "quoted-printable"),
        ...pdfs.map((pdf, i) => B.binaryPart(pdf, "application/pdf", [`Content-Disposition: attachment; filename="big-${i + 1}.pdf"`])),
      ]),
    );
  }
  const row = "<tr><td>开票说明</td><td>本行为填充内容，用于测量大邮件的内存峰值。Lorem ipsum dolor sit amet.</td></tr>\n";
  const head = G.zhHtml(G.baseFacts, "table");
  const rowBytes = Buffer.byteLength(row);
  const rows = Math.floor((BIG_TARGET - Buffer.byteLength(head) - 2000) / rowBytes);
  const html = head.replace("</body>", `<table>${row.repeat(rows)}</table></body>`);
  return B.message(huaweiHeaders("utf-8"), { headers: ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit"], body: Buffer.from(html).toString("latin1") });
}

/** esbuild bundle of the intake core (+ mailparser's simpleParser for the baseline), as the function is deployed. */
async function bundle(dir: string): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = join(dir, "email-bundle.mjs");
  await build({
    stdin: { contents: 'export * from "./shared/email/index.ts"; export { simpleParser } from "mailparser";', resolveDir: fileURLToPath(new URL("..", import.meta.url)), loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile,
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    logLevel: "warning",
  });
  return outfile;
}

/** Runs bench/email-rss-child.ts in a fresh process and returns its peak RSS (getrusage maxrss). */
function measureChild(mode: "read" | "intake" | "bare", file: string, module?: string): { maxRssMb: number; info: Record<string, unknown> } {
  const script = fileURLToPath(new URL("./email-rss-child.ts", import.meta.url));
  const r = spawnSync(process.execPath, [script, mode, file, ...(module ? [module] : [])], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  const info = JSON.parse(r.stdout) as Record<string, unknown> & { maxRssKb: number };
  return { maxRssMb: info.maxRssKb / 1024, info };
}

function ask<T>(cp: ChildProcess, m: ToChild): Promise<T> {
  return new Promise((res, rej) => {
    cp.once("message", (r: { error?: string }) => (r.error ? rej(new Error(r.error)) : res(r as T)));
    cp.send(m);
  });
}
function started(cp: ChildProcess, what: string): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    cp.once("message", (m: Record<string, unknown>) => (m["ready"] ? res(m) : rej(new Error(`${what}: ${String(m["error"] ?? "unexpected message")}`))));
    cp.once("exit", (code) => rej(new Error(`${what} child exited (${code})`)));
  });
}
async function stopChild(cp: ChildProcess | undefined): Promise<void> {
  if (!cp?.connected) return;
  const exited = new Promise((r) => cp.once("exit", r));
  cp.send({ cmd: "stop" } satisfies ToChild);
  await exited;
}

export interface HandlerMemory {
  memoryMb: number;
  flags: string[];
  /** RSS after the warm-up invocation, peak during the 20 MB invocation (max of VmHWM and the 2 ms sampler), bytes. */
  before: number;
  peak: number;
  hwmReset: boolean;
  outcome: string;
}

/** Peak RSS of the whole invoice-email function (own process, Lambda heap flags) handling `big` from S3. */
export async function handlerMemory(big: Buffer): Promise<HandlerMemory> {
  const child = fileURLToPath(new URL("./email-handler-child.ts", import.meta.url));
  const memoryMb = await functionMemoryMb("invoice-email");
  const flags = lambdaHeapFlags(memoryMb);
  const emu = fork(child, ["--emulators"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  let fn: ChildProcess | undefined;
  try {
    const e = (await started(emu, "emulators")) as { s3: string; dynamodb: string; queueUrl: string };
    fn = fork(child, ["--function"], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      execArgv: [...flags, "--expose-gc"],
      env: {
        PATH: process.env["PATH"] ?? "",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ENDPOINT_URL_S3: e.s3,
        AWS_ENDPOINT_URL_SQS: e.s3,
        AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
        S3_FORCE_PATH_STYLE: "true",
        AWS_LAMBDA_FUNCTION_NAME: "partner-ops-bench-invoice-email",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        STAGE: "bench",
        INBOUND_BUCKET,
        INBOUND_PREFIX: "inbound/",
        LEDGER_TABLE,
        INVOICE_EVENTS_QUEUE_URL: e.queueUrl,
        INVOICE_EMAIL_INTERNAL_DOMAINS: "shilicloud.example",
        POWERTOOLS_LOG_LEVEL: "SILENT",
      },
    });
    await started(fn, "invoice-email function");
    const S3 = await import("@aws-sdk/client-s3");
    const s3 = new S3.S3Client({ region: "us-east-1", endpoint: e.s3, forcePathStyle: true, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    // Multipart (8 MiB parts): fauxqs takes at most 11 MiB per request; SES stores the mail in one PUT.
    const put = async (key: string, body: Buffer): Promise<void> => {
      const Bucket = INBOUND_BUCKET;
      const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: "message/rfc822" }));
      const parts: { ETag: string; PartNumber: number }[] = [];
      const size = 8 * 2 ** 20;
      for (let i = 0; i * size < body.length || i === 0; i++) {
        const r = await s3.send(new S3.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber: i + 1, Body: body.subarray(i * size, (i + 1) * size) }));
        parts.push({ ETag: r.ETag!, PartNumber: i + 1 });
      }
      await s3.send(new S3.CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    };
    const event = (key: string, size: number) => ({
      Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: INBOUND_BUCKET }, object: { key, size } } }],
    });
    const f = fn;
    // Warm-up with a small notice: module loading, SDK clients and first-use allocations are not counted.
    // A notice with another application number than the big message (so the big one is not a duplicate).
    const warmHeaders = huaweiHeaders("utf-8").map((h) => (h.startsWith("Message-ID:") ? "Message-ID: <bench-warm@info.huaweicloud.com>" : h));
    const small = B.message(warmHeaders, B.textPart(G.zhPlain({ ...G.baseFacts, applicationNo: "SF20250701000999" }), "plain", "utf-8", "quoted-printable"));
    await put("inbound/warm.eml", small);
    await ask(f, { cmd: "invoke", event: event("inbound/warm.eml", small.length) }).catch((err: Error) => {
      throw new Error(`warm-up invocation: ${err.message}`);
    });
    await put("inbound/big.eml", big);
    s3.destroy();
    const before = await ask<Mem>(f, { cmd: "reset" });
    const r = await ask<{ result: unknown }>(f, { cmd: "invoke", event: event("inbound/big.eml", big.length) }).catch((err: Error) => {
      throw new Error(`20 MB invocation: ${err.message}`);
    });
    const after = await ask<Mem>(f, { cmd: "peak" });
    return {
      memoryMb,
      flags,
      before: before.rss,
      peak: Math.max(after.hwm, after.sampled),
      hwmReset: before.hwm <= before.rss * 1.01,
      outcome: JSON.stringify(r.result ?? null).slice(0, 200),
    };
  } finally {
    await stopChild(fn);
    await stopChild(emu);
  }
}

export async function run(options: { ms?: number; rounds?: number } = {}): Promise<BenchResult> {
  const ms = options.ms ?? 1000;
  const rounds = options.rounds ?? 5;
  const mails = corpus();
  // sanity: the intake accepts the corpus as notices (except the fixtures 07/08)
  const parsed = await Promise.all(mails.map(async (m) => (await parseInvoiceEmail(m, config)).notice));
  const notices = parsed.filter((n) => n.kind === "invoice-notice").length;

  const intake = (raw: Buffer) => parseInvoiceEmail(raw, config);
  const bareDefault = (raw: Buffer) => simpleParser(raw);
  const bareSame = (raw: Buffer) => simpleParser(raw, MAILPARSER_OPTIONS);
  const required = requiredStepsOnly(parsed.find((n) => n.kind === "invoice-notice")!);
  for (const f of [intake, bareDefault, bareSame, required]) await timeAll(mails, f, 300); // warm-up
  const t = { intake: [] as number[], bareDefault: [] as number[], bareSame: [] as number[], required: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.intake.push(await timeAll(mails, intake, ms));
    t.bareDefault.push(await timeAll(mails, bareDefault, ms));
    t.bareSame.push(await timeAll(mails, bareSame, ms));
    t.required.push(await timeAll(mails, required, ms));
  }
  const msIntake = median(t.intake);
  const msBare = median(t.bareDefault);
  const msSame = median(t.bareSame);
  const msRequired = median(t.required);
  const perSec = (msPer: number) => Math.round(1000 / msPer);

  const dir = mkdtempSync(join(tmpdir(), "bench-email-"));
  let rows: BenchResult["rows"];
  const notes: string[] = [];
  try {
    const pdfFile = join(dir, "big-pdf.eml");
    const htmlFile = join(dir, "big-html.eml");
    writeFileSync(pdfFile, bigMessage("pdf"));
    writeFileSync(htmlFile, bigMessage("html"));
    const mod = await bundle(dir);
    const base = measureChild("read", pdfFile, mod);
    const pdfIntake = measureChild("intake", pdfFile, mod);
    const pdfBare = measureChild("bare", pdfFile, mod);
    const htmlIntake = measureChild("intake", htmlFile, mod);
    const htmlBare = measureChild("bare", htmlFile, mod);
    notes.push(
      `corpus: ${mails.length} messages (8 fixtures + generated), ${notices} parse as invoice notices; CPU time per message, median of ${rounds} interleaved rounds of >= ${ms} ms`,
      `20 MB messages: ${(Number(pdfIntake.info["bytes"]) / 1048576).toFixed(1)} MB with a PDF (intake: ${pdfIntake.info["kind"]}, ${pdfIntake.info["attachments"]} attachment), ${(Number(htmlIntake.info["bytes"]) / 1048576).toFixed(1)} MB HTML body (intake: ${htmlIntake.info["kind"]})`,
      `RSS measured in a fresh child running the esbuild bundle (deployed form); a child that only loads it and reads the 20 MB file peaks at ${base.maxRssMb.toFixed(0)} MB`,
    );
    const whole = await handlerMemory(readFileSync(pdfFile));
    const wholeMb = whole.peak / 2 ** 20;
    notes.push(
      `whole function: functions/invoice-email/handler.ts with node ${whole.flags.join(" ")} --expose-gc (Lambda's flags for memorySize ${whole.memoryMb} MB), .ts sources via type stripping; the 20 MB message with PDF read from S3 (fauxqs) by its own storage adapter; RSS ${(whole.before / 2 ** 20).toFixed(0)} MB after a warm-up invocation, peak ${wholeMb.toFixed(0)} MB (VmHWM ${whole.hwmReset ? "reset before the invocation" : "NOT resettable: sampled"}); result ${whole.outcome}`,
    );
    rows = [
      {
        metric: "intake emails/s vs same-options parse",
        value: perSec(msIntake),
        baseline: { name: "simpleParser (intake's options)", value: perSec(msSame) },
        ratio: msIntake / msSame,
        target: "time <= 1.3x",
        pass: msIntake / msSame <= 1.3,
      },
      {
        metric: "required steps only, no extraction (lower bound)",
        value: perSec(msRequired),
        baseline: { name: "simpleParser (intake's options)", value: perSec(msSame) },
        ratio: msRequired / msSame,
      },
      {
        metric: "intake emails/s (reference only)",
        value: perSec(msIntake),
        baseline: { name: "simpleParser (default options)", value: perSec(msBare) },
        ratio: msIntake / msBare,
      },
      {
        metric: `whole invoice-email, 20 MB mail from S3: peak RSS`,
        value: Math.round(wholeMb),
        unit: "MB",
        baseline: { name: "memorySize", value: whole.memoryMb },
        ratio: wholeMb / whole.memoryMb,
        target: "<= 1x",
        pass: wholeMb <= whole.memoryMb,
      },
      {
        metric: "core only (bundle), 20 MB mail with PDF: peak RSS",
        value: Math.round(pdfIntake.maxRssMb),
        unit: "MB",
        baseline: { name: "bare simpleParser", value: Math.round(pdfBare.maxRssMb) },
        ratio: pdfIntake.maxRssMb / pdfBare.maxRssMb,
      },
      {
        metric: "core only (bundle), 20 MB HTML body: peak RSS",
        value: Math.round(htmlIntake.maxRssMb),
        unit: "MB",
        baseline: { name: "bare simpleParser", value: Math.round(htmlBare.maxRssMb) },
        ratio: htmlIntake.maxRssMb / htmlBare.maxRssMb,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: "email", rows, notes };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(formatTable([result]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
}
