/**
 * Sample inputs of `partner-ops demo` and the formatting of its report. No I/O.
 *
 * The real-name sample is an enterprise with its legal person: a credit code and a resident ID
 * number with valid check characters, and three small files (a PDF business licence, the ID card's
 * two sides as JPEG and PNG), well-formed to their end (shared/realname/sample-files.ts). Nothing personal is printed:
 * identifiers and names go through the real-name masks.
 */
import { sampleJpeg, samplePdf, samplePng } from "../../shared/realname/sample-files.ts";
import { maskCreditCode, maskIdNumber, maskName, residentIdCheckChar, usccCheckChar } from "../../shared/realname/index.ts";

export const SAMPLE_COMPANY = "示例演示科技有限公司";
export const SAMPLE_LEGAL_PERSON = "演示人";
export const SAMPLE_CREDIT_CODE = `91350100M000100Y4${usccCheckChar("91350100M000100Y4")}`;
export const SAMPLE_LEGAL_ID = `11010519491231002${residentIdCheckChar("11010519491231002")}`;

export interface SampleFile {
  role: "company_certificate" | "legal_person_id_portrait" | "legal_person_id_emblem";
  contentType: string;
  fileName: string;
  bytes: Buffer;
}

export function sampleFiles(): SampleFile[] {
  return [
    { role: "company_certificate", contentType: "application/pdf", fileName: "licence.pdf", bytes: samplePdf(4096, "partner-ops demo licence") },
    { role: "legal_person_id_portrait", contentType: "image/jpeg", fileName: "id-portrait.jpg", bytes: sampleJpeg(3072, "partner-ops demo ID portrait side") },
    { role: "legal_person_id_emblem", contentType: "image/png", fileName: "id-emblem.png", bytes: samplePng(3072, "partner-ops demo ID emblem side") },
  ];
}

/** The application body: upload mode, so the demo shows presigned uploads and the submit step. */
export function sampleApplication(customerId: string, files: readonly SampleFile[]): Record<string, unknown> {
  return {
    type: "enterprise",
    customer_id: customerId,
    certificate_type: 0,
    corp_name: SAMPLE_COMPANY,
    verified_number: SAMPLE_CREDIT_CODE,
    reg_country: "CN",
    enterprise_person: { legel_name: SAMPLE_LEGAL_PERSON, legel_id_number: SAMPLE_LEGAL_ID },
    attachments: { mode: "upload", files: files.map((f) => ({ role: f.role, size: f.bytes.length, content_type: f.contentType, file_name: f.fileName })) },
  };
}

// ---------------------------------------------------------------------------------------------
// Report

export interface InvoiceReport {
  sent: { fixture: string; to: string; storedAt: string };
  outcome?: {
    kind: string;
    noticeId?: string;
    duplicateOf?: string;
    rejectReasons: string[];
    fields: Record<string, unknown>;
    noticeKey?: string;
    attachments: { key: string; size?: number }[];
    event?: { id: string; type: string; queue: string; seen: "peeked" | "left on the queue for its consumer" };
  };
  missing?: string;
}

export interface RealnameReport {
  customerId?: string;
  applicant: { company: string; creditCode: string; legalPerson: string; legalPersonId: string };
  id?: string;
  states: { status: string; at: string }[];
  final?: string;
  opinion?: string;
  objectKeys: string[];
  bucket?: string;
  skipped?: string;
  missing?: string;
}

export interface DemoReport {
  engine: { kind: "running" | "temporary"; http: string; smtp: string; dataDir?: string; pid?: number };
  invoice: InvoiceReport;
  realname: RealnameReport;
}

export function maskedApplicant(): RealnameReport["applicant"] {
  return {
    company: maskName(SAMPLE_COMPANY),
    creditCode: maskCreditCode(SAMPLE_CREDIT_CODE),
    legalPerson: maskName(SAMPLE_LEGAL_PERSON),
    legalPersonId: maskIdNumber(SAMPLE_LEGAL_ID),
  };
}

/** Notice fields worth showing (the rest is in the stored notice). */
export const NOTICE_FIELDS = ["site", "flow", "subject", "sender", "senderVerified", "applicationNo", "amount", "currency", "invoiceType", "billingPeriod", "deadline"] as const;

function fieldText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} ${String(x)}`).join(", ");
  return String(v);
}

export function formatReport(r: DemoReport): string {
  const out: string[] = [];
  const e = r.engine;
  out.push(`partner-ops demo — ${e.kind === "running" ? `engine running on ${e.dataDir} (pid ${e.pid})` : "temporary in-memory engine with the BSS sandbox"}`);
  out.push(`  HTTP ${e.http}   SMTP ${e.smtp}`, "");

  const inv = r.invoice;
  out.push("Invoice e-mail");
  out.push(`  sent       ${inv.sent.fixture} → ${inv.sent.to} over SMTP`);
  out.push(`  stored at  ${inv.sent.storedAt}`);
  if (inv.outcome) {
    const o = inv.outcome;
    out.push(`  result     ${o.kind}${o.noticeId ? ` (notice ${o.noticeId})` : ""}${o.duplicateOf ? ` — already processed: duplicate of ${o.duplicateOf}` : ""}`);
    if (o.rejectReasons.length) out.push(`  rejected   ${o.rejectReasons.join(", ")}`);
    for (const [k, v] of Object.entries(o.fields)) out.push(`    ${k.padEnd(15)} ${fieldText(v)}`);
    if (o.noticeKey) out.push(`  notice     ${o.noticeKey}`);
    for (const a of o.attachments) out.push(`  attachment ${a.key}${a.size !== undefined ? ` (${a.size} bytes)` : ""}`);
    if (o.event) out.push(`  event      ${o.event.type} ${o.event.id} on ${o.event.queue} (${o.event.seen})`);
  }
  if (inv.missing) out.push(`  ✗ ${inv.missing}`);
  out.push("");

  const rn = r.realname;
  out.push("Real-name application");
  const a = rn.applicant;
  out.push(`  applicant  ${a.company} (credit code ${a.creditCode}), legal person ${a.legalPerson} (ID ${a.legalPersonId})`);
  if (rn.skipped) out.push(`  skipped    ${rn.skipped}`);
  if (rn.customerId) out.push(`  customer   ${rn.customerId}`);
  if (rn.id) out.push(`  id         ${rn.id}`);
  for (const s of rn.states) out.push(`  state      ${s.status.padEnd(16)} ${s.at}`);
  if (rn.final) out.push(`  final      ${rn.final}${rn.opinion ? ` — ${rn.opinion}` : ""}`);
  for (const k of rn.objectKeys) out.push(`  object     ${rn.bucket ? `${rn.bucket}/` : ""}${k}`);
  if (rn.missing) out.push(`  ✗ ${rn.missing}`);
  return `${out.join("\n")}\n`;
}
