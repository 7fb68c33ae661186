/**
 * Invoice-email intake speed and memory.
 *  1. emails/s of the full intake core (parseInvoiceEmail: MIME parse + forward detection + extraction
 *     + trust checks + zod) vs. a bare mailparser simpleParser of the same corpus, interleaved rounds
 *     in the same process. Baselines: simpleParser with default options (what "a bare parse" is),
 *     and simpleParser with the options the intake uses (its own overhead). Target: intake time
 *     <= 1.3x the bare parse time.
 *  2. Peak RSS (getrusage maxrss) of a fresh child process (bench/email-rss-child.ts) that reads and
 *     processes one 20 MB message, running the esbuild bundle of the core as deployed; next to a child
 *     that only loads the code and reads the file, and to a bare simpleParser. Target <= 256 MB.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleParser } from "mailparser";
import { parseInvoiceEmail, resolveEmailConfig } from "../shared/email/index.ts";
import { MAILPARSER_OPTIONS } from "../shared/email/mime.ts";
import { loadFixtures } from "../test/unit/email/fuzz-inputs.ts";
import * as B from "../test/unit/email/mime-builder.ts";
import * as G from "../test/unit/email/notice-gen.ts";
import { formatTable, isMain, median, type BenchResult } from "./lib.ts";

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

async function timeAll(corpus: Buffer[], fn: (raw: Buffer) => Promise<unknown>, minMs: number): Promise<number> {
  // returns ms per email
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (const raw of corpus) await fn(raw);
    n += corpus.length;
    elapsed = performance.now() - start;
  }
  return elapsed / n;
}

const BIG_TARGET = 20 * 1024 * 1024;

/** A 20 MB message: a real notice with a ~15 MB PDF attachment ("pdf"), or a 20 MB HTML body ("html"). */
function bigMessage(kind: "pdf" | "html"): Buffer {
  if (kind === "pdf") {
    const pdf = Buffer.alloc(Math.floor((BIG_TARGET - 20_000) * 0.75) - 1024, 0x41);
    pdf.write("%PDF-1.4\n");
    return B.message(
      huaweiHeaders("utf-8"),
      B.multipart("mixed", [
        B.textPart(G.zhPlain(G.baseFacts), "plain", "utf-8", "quoted-printable"),
        B.binaryPart(pdf, "application/pdf", ['Content-Disposition: attachment; filename="big.pdf"']),
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

export async function run(options: { ms?: number; rounds?: number } = {}): Promise<BenchResult> {
  const ms = options.ms ?? 1500;
  const rounds = options.rounds ?? 5;
  const mails = corpus();
  // sanity: the intake accepts the corpus as notices (except the fixtures 07/08)
  const kinds = await Promise.all(mails.map(async (m) => (await parseInvoiceEmail(m, config)).notice.kind));
  const notices = kinds.filter((k) => k === "invoice-notice").length;

  const intake = (raw: Buffer) => parseInvoiceEmail(raw, config);
  const bareDefault = (raw: Buffer) => simpleParser(raw);
  const bareSame = (raw: Buffer) => simpleParser(raw, MAILPARSER_OPTIONS);
  for (const f of [intake, bareDefault, bareSame]) await timeAll(mails, f, 300); // warm-up
  const t = { intake: [] as number[], bareDefault: [] as number[], bareSame: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    t.intake.push(await timeAll(mails, intake, ms));
    t.bareDefault.push(await timeAll(mails, bareDefault, ms));
    t.bareSame.push(await timeAll(mails, bareSame, ms));
  }
  const msIntake = median(t.intake);
  const msBare = median(t.bareDefault);
  const msSame = median(t.bareSame);
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
    const pdfStripped = measureChild("intake", pdfFile);
    const htmlStripped = measureChild("intake", htmlFile);
    notes.push(
      `corpus: ${mails.length} messages (8 fixtures + generated), ${notices} parse as invoice notices; median of ${rounds} interleaved rounds of >= ${ms} ms`,
      `20 MB messages: ${(Number(pdfIntake.info["bytes"]) / 1048576).toFixed(1)} MB with a PDF (intake: ${pdfIntake.info["kind"]}, ${pdfIntake.info["attachments"]} attachment), ${(Number(htmlIntake.info["bytes"]) / 1048576).toFixed(1)} MB HTML body (intake: ${htmlIntake.info["kind"]})`,
      `RSS measured in a fresh child running the esbuild bundle (deployed form); a child that only loads it and reads the 20 MB file peaks at ${base.maxRssMb.toFixed(0)} MB`,
      `same children run from TypeScript source (Node type stripping): PDF ${pdfStripped.maxRssMb.toFixed(0)} MB, HTML ${htmlStripped.maxRssMb.toFixed(0)} MB`,
    );
    rows = [
      {
        metric: "intake emails/s",
        value: perSec(msIntake),
        baseline: { name: "bare simpleParser (default options)", value: perSec(msBare) },
        ratio: msIntake / msBare,
        target: "time <= 1.3x bare",
        pass: msIntake / msBare <= 1.3,
      },
      {
        metric: "intake emails/s vs same-options parse",
        value: perSec(msIntake),
        baseline: { name: "simpleParser (intake's options)", value: perSec(msSame) },
        ratio: msIntake / msSame,
      },
      {
        metric: "peak RSS, 20 MB message with PDF",
        value: Math.round(pdfIntake.maxRssMb),
        unit: "MB",
        baseline: { name: "bare simpleParser", value: Math.round(pdfBare.maxRssMb) },
        ratio: pdfIntake.maxRssMb / pdfBare.maxRssMb,
        target: "<= 256 MB",
        pass: pdfIntake.maxRssMb <= 256,
      },
      {
        metric: "peak RSS, 20 MB HTML body",
        value: Math.round(htmlIntake.maxRssMb),
        unit: "MB",
        baseline: { name: "bare simpleParser", value: Math.round(htmlBare.maxRssMb) },
        ratio: htmlIntake.maxRssMb / htmlBare.maxRssMb,
        target: "<= 256 MB",
        pass: htmlIntake.maxRssMb <= 256,
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
