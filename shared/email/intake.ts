/**
 * The I/O-free core of the invoice-email intake: raw RFC 5322 bytes in, a schema-v1 notice plus
 * what the handler needs (attachments to store, idempotency key, quarantine reason) out.
 *
 *   parse (mailparser, bounded) → find the notice (inline forward / message/rfc822 / the message)
 *   → extract fields from plain text and HTML → judge sender, links, SES/auth headers
 *   → classify invoice-notice | not-invoice | rejected → zod-check.
 *
 * parseInvoiceEmail never throws because of the message: anything it cannot process comes back as
 * kind "rejected" with a quarantine reason.
 */
import { hash } from "node:crypto";
import type { Attachment } from "mailparser";
import { judgeAuthenticity, type Finding } from "./authenticity.ts";
import { Budget, BudgetExceededError, charge, chargeText, withBudget, type BudgetUse } from "./budget.ts";
import { resolveEmailConfig, type EmailIntakeConfig, type EmailIntakeConfigInput } from "./config.ts";
import { applicationNoFromSubject, bodySource, compile, extractFields, EXTRACTED_KEYS, type BodySource, type Compiled, type Extracted, type FieldLines } from "./extract.ts";
import { reviewReasons, type ReviewReason } from "./review.ts";
import { findInlineForward, isForwardSubject } from "./forward.ts";
import { emailDomain, findEmails, findUrls, hostAllowed, judgeLink } from "./links.ts";
import { parseHeadersOnly, parseMime, type MessageView } from "./mime.ts";
import {
  InvoiceNoticeV1Schema,
  REJECT_REASONS,
  type AttachmentMeta,
  type FieldSource,
  type InvoiceNoticeV1,
  type QuarantineReason,
  type RejectReason,
} from "./schema.ts";
import { fold, htmlToText, scriptCounts } from "./text.ts";

export type { Finding } from "./authenticity.ts";

/** An attachment the handler should store next to the original message. */
export interface StoredAttachment {
  /** Decoded file name as the message gave it (RFC 2047/2231), or null. */
  filename: string | null;
  /** A file name safe as the last segment of a storage key (no path separators or control characters). */
  safeFilename: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
  content: Buffer;
}

export interface InvoiceNoticeResult {
  /** Exactly schema v1 (what `partner-ops parse-email` prints). */
  notice: InvoiceNoticeV1;
  /** Set when the message could not be processed; the handler stores it under a quarantine prefix. */
  quarantine: { reason: QuarantineReason; detail: string } | null;
  /** Message-ID header (with angle brackets as written), or null. */
  messageId: string | null;
  /** Hex SHA-256 of the raw message bytes. */
  contentHash: string;
  /**
   * Key for de-duplication (issue 11.2). Only a verified notice can be a duplicate of another, and
   * only of the same content from the same authenticated source:
   *   "<space>:<sha256 of [Message-ID, From, notice sender, forwarded, subject, SHA-256 of the body bytes]>"
   * where space is "notice" (a verified invoice-notice), "rejected" (failed the trust checks),
   * "quarantine" (could not be parsed / over budget) or "other" (not-invoice; nothing is done once
   * for it). The body is everything after the top-level header block, so headers a relay adds in
   * front (Received, X-SES-*) do not change the key.
   * The prefixes keep the spaces apart: a look-alike or a truncated copy with the same Message-ID
   * never takes the identity of a genuine notice.
   */
  idempotencyKey: string;
  /** Attachments to store (only for kind invoice-notice; same order as notice.attachments). */
  attachments: StoredAttachment[];
  /** Observations behind the decision (untrusted links, verdict headers, …), for logs. Never message content beyond hosts/addresses. */
  findings: Finding[];
  sizeBytes: number;
  /** Where each field of the notice came from (part and line); {} when there is no notice. */
  sources: Record<string, FieldSource>;
  /** What the extraction used of its budget (absent when it did not run: too large, unparseable). */
  work?: BudgetUse;
}

/**
 * Parses one raw message. `config` is a partial EmailIntakeConfig (defaults filled in) or a resolved
 * one; a bad config throws EmailConfigError (a deployment mistake), a bad message never throws.
 */
export async function parseInvoiceEmail(
  raw: Buffer | Uint8Array,
  config: EmailIntakeConfigInput | EmailIntakeConfig = {},
): Promise<InvoiceNoticeResult> {
  const cfg = resolveEmailConfig(config);
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const contentHash = hash("sha256", buf, "hex");
  const base: Base = { contentHash, bodyHash: bodyHashOf(buf), sizeBytes: buf.length };
  try {
    if (buf.length > cfg.maxMessageBytes) {
      return await quarantined(buf, base, "message-too-large", `message is ${buf.length} bytes, limit ${cfg.maxMessageBytes}`);
    }
    const parsed = await parseMime(buf, cfg.parseTimeoutMs);
    if (!parsed.ok) return await quarantined(buf, base, parsed.reason, parsed.detail);
    const budget = new Budget(cfg.extractionBudget);
    try {
      const result = await withBudget(budget, async () => {
        const r = await analyse(parsed.view, compile(cfg), base);
        // the clock is read as work is charged; a last reading catches time spent where nothing was
        budget.checkClock("end of extraction");
        return r;
      });
      return { ...result, work: budget.use() };
    } catch (err) {
      if (!(err instanceof BudgetExceededError)) throw err;
      return { ...(await quarantined(buf, base, "extraction-over-budget", err.message)), work: budget.use() };
    }
  } catch (err) {
    return await quarantined(buf, base, "internal-error", err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300));
  }
}

interface Base {
  contentHash: string;
  /** SHA-256 of the bytes after the top-level header block (what relays do not rewrite). */
  bodyHash: string;
  sizeBytes: number;
}

interface Identity {
  messageId: string | null;
  from: string | null;
  sender: string;
  forwarded: boolean;
  subject: string;
}

/** See InvoiceNoticeResult.idempotencyKey: the kind's own space, then what the message is and who sent it. */
function idempotencyKey(kind: "notice" | "rejected" | "quarantine" | "other", base: Base, id: Identity): string {
  const identity = JSON.stringify([id.messageId, id.from, id.sender, id.forwarded, id.subject, base.bodyHash]);
  return `${kind}:${hash("sha256", identity, "hex")}`;
}

const keySpace = (kind: InvoiceNoticeV1["kind"]) => (kind === "invoice-notice" || kind === "needs-review" ? "notice" : kind === "rejected" ? "rejected" : "other");

/** SHA-256 of the message body: everything after the first empty line (CRLF or LF). Also timed alone by bench/email.ts. */
export function bodyHashOf(buf: Buffer): string {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  const at = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : buf.length;
  return hash("sha256", buf.subarray(at), "hex");
}

function languageOf(texts: string[]): "zh" | "en" {
  let han = 0;
  let latin = 0;
  for (const t of texts) {
    const c = scriptCounts(t);
    han += c.han;
    latin += c.latin;
  }
  if (han === 0) return "en";
  if (han * 3 >= latin) return "zh";
  // borderline: do not let URLs and addresses count as English words
  han = 0;
  latin = 0;
  for (const t of texts) {
    // bounded patterns only: this runs over whole bodies (long CJK runs have no spaces)
    const stripped = t.replace(/\b(?:https?:\/\/|www\.)\S+/gi, " ").replace(/(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}/g, " ");
    const c = scriptCounts(stripped);
    han += c.han;
    latin += c.latin;
  }
  return han > 0 && han * 3 >= latin ? "zh" : "en";
}

function emptyNotice(kind: InvoiceNoticeV1["kind"], reasons: RejectReason[], subject: string, sender: string, language: "zh" | "en", senderVerified: boolean, forwarded: boolean): InvoiceNoticeV1 {
  return {
    schemaVersion: 1,
    kind,
    rejectReasons: reasons,
    site: null,
    language,
    flow: null,
    subject,
    sender,
    senderVerified,
    forwarded,
    partnerName: null,
    applicationNo: null,
    amount: null,
    amountExclTax: null,
    taxAmount: null,
    currency: null,
    taxRate: null,
    invoiceType: null,
    invoiceTypeLabel: null,
    billingPeriod: null,
    mailingAddress: null,
    publicMailbox: null,
    invoiceListUrl: null,
    huaweiEntity: null,
    deadline: null,
    attachments: [],
  };
}

async function quarantined(buf: Buffer, base: Base, reason: QuarantineReason, detail: string): Promise<InvoiceNoticeResult> {
  let head: MessageView | null = null;
  try {
    head = await parseHeadersOnly(buf);
  } catch {
    head = null;
  }
  const subject = head?.subject ?? "";
  const notice = emptyNotice("rejected", [reason], subject, head?.from ?? "", languageOf([subject]), false, false);
  const messageId = head?.messageId ?? null;
  return {
    notice,
    quarantine: { reason, detail },
    messageId,
    contentHash: base.contentHash,
    idempotencyKey: idempotencyKey("quarantine", base, { messageId, from: head?.from ?? null, sender: head?.from ?? "", forwarded: false, subject }),
    attachments: [],
    findings: [{ code: reason, detail }],
    sizeBytes: base.sizeBytes,
    sources: {},
  };
}

/** The plain-text and HTML bodies of a message as extraction sources (plain text first). Also timed alone by bench/email.ts. */
export function sourcesOf(view: MessageView, cfg: EmailIntakeConfig): BodySource[] {
  const out: BodySource[] = [];
  chargeText((view.text?.length ?? 0) + (view.html?.length ?? 0), "bodies");
  if (view.text && view.text.trim()) {
    out.push(bodySource("text", view.text.slice(0, cfg.maxBodyChars).replace(/\r\n?/g, "\n"), []));
  }
  if (view.html && view.html.trim()) {
    const h = htmlToText(view.html.slice(0, cfg.maxBodyChars));
    out.push(bodySource("html", h.text, h.links));
  }
  return out;
}

interface NoticePart {
  forwarded: boolean;
  /** Sender of the notice: the message's From, or the forwarded original's. */
  sender: string | null;
  sources: BodySource[];
  /** Attachments belonging to the notice (outer message's, plus an attached original's). */
  attachments: Attachment[];
}

/** Finds the notice inside a message: an inline forward, an attached original, or the message itself. */
async function noticePartOf(view: MessageView, c: Compiled, depth: number): Promise<NoticePart> {
  const { cfg } = c;
  const sources = sourcesOf(view, cfg);
  const own = view.attachments.filter((a) => a.contentType !== "message/rfc822");

  const fwdSubject = isForwardSubject(view.subject, cfg.forwardSubjectPrefixes);
  const inline = sources.map((s) => ({ s, fw: findInlineForward(s.text, c.forward, fwdSubject, s.folded) })).filter((x) => x.fw !== null);
  if (inline.length > 0) {
    const parts = inline.map(({ s, fw }): BodySource => ({
      kind: s.kind,
      text: s.text.slice(fw!.bodyStart),
      folded: s.folded.slice(fw!.bodyStart),
      links: s.links.filter((l) => l.start >= fw!.bodyStart).map((l) => ({ ...l, start: l.start - fw!.bodyStart, end: l.end - fw!.bodyStart })),
    }));
    const sender = inline.map((x) => x.fw!.from).find((f) => f !== null) ?? null;
    return { forwarded: true, sender, sources: parts, attachments: own };
  }

  if (depth < cfg.maxForwardDepth) {
    const embedded = view.attachments.filter((a) => a.contentType === "message/rfc822").slice(0, 5);
    let chosen: NoticePart | null = null;
    for (const a of embedded) {
      charge(a.content.length, "attached original");
      const inner = await parseMime(a.content, cfg.parseTimeoutMs);
      if (!inner.ok) continue;
      const part = await noticePartOf(inner.view, c, depth + 1);
      const candidate: NoticePart = { forwarded: true, sender: part.sender, sources: part.sources, attachments: [...own, ...part.attachments] };
      if (looksLikeNotice(inner.view.subject, part.sources, null, c)) {
        chosen = candidate;
        break;
      }
      chosen ??= candidate;
    }
    if (chosen) return chosen;
  }
  return { forwarded: false, sender: view.from, sources, attachments: own };
}

function looksLikeNotice(subject: string, sources: BodySource[], ex: Extracted | null, c: Compiled): boolean {
  if (ex && (ex.applicationNo !== null || ex.amount !== null)) return true;
  return hasKeyword(subject, sources, c);
}

/** How many invoice-specific fields (beyond number and amount) were found: a notice, not an announcement. */
function invoiceFieldCount(e: Extracted): number {
  return [e.amountExclTax, e.taxAmount, e.taxRate, e.billingPeriod, e.invoiceTypeLabel, e.deadline, e.huaweiEntity].filter((v) => v !== null).length;
}

function hasKeyword(subject: string, sources: BodySource[], c: Compiled): boolean {
  const hay = [fold(subject), ...sources.map((s) => s.folded)];
  return hay.some((h) => c.noticeKeywords.some((w) => h.includes(w)));
}

/** Where each non-null field came from, in schema order. */
function sourcesRecord(where: Map<keyof Extracted, FieldSource>, e: Extracted): Record<string, FieldSource> {
  const out: Record<string, FieldSource> = {};
  for (const k of EXTRACTED_KEYS) {
    const w = where.get(k);
    if (w && e[k] !== null) out[k] = w;
  }
  return out;
}

/**
 * Extracts from the first body (plain text when there is one) and asks the other bodies only for
 * what is still missing. The invoicing-list link is taken from an HTML href when there is one.
 */
function extractAll(sources: BodySource[], c: Compiled, where: Map<keyof Extracted, FieldSource>): Extracted {
  const [first, ...rest] = sources;
  if (!first) return extractFields({ kind: "text", text: "", links: [], folded: "" }, c, new Set());
  const lines: FieldLines = new Map();
  const out = extractFields(first, c, undefined, lines);
  for (const [k, line] of lines) where.set(k, { part: first.kind, line });
  for (const src of rest) {
    const missing = new Set(EXTRACTED_KEYS.filter((k) => out[k] === null));
    if (src.kind === "html" && first.kind !== "html") missing.add("invoiceListUrl");
    if (missing.size === 0) continue;
    const moreLines: FieldLines = new Map();
    const more = extractFields(src, c, missing, moreLines);
    for (const k of missing) {
      if (more[k] !== null && (out[k] === null || k === "invoiceListUrl")) {
        (out as unknown as Record<string, unknown>)[k] = more[k];
        const line = moreLines.get(k);
        if (line !== undefined) where.set(k, { part: src.kind, line });
        else where.delete(k);
      }
    }
  }
  return out;
}

function isAttachmentForNotice(a: Attachment): boolean {
  if (a.contentType === "message/rfc822") return false;
  if (a.related) return false;
  if (a.contentDisposition === "inline" && a.contentType.startsWith("image/")) return false;
  return a.contentDisposition === "attachment" || !!a.filename;
}

export function safeFilename(name: string | null, index: number): string {
  const cleaned = (name ?? "")
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f/\\]/g, "_")
    .replace(/^\.+/, "_")
    .trim()
    .slice(0, 150);
  return cleaned || `attachment-${index + 1}`;
}

async function analyse(view: MessageView, c: Compiled, base: Base): Promise<InvoiceNoticeResult> {
  const { cfg } = c;
  const findings: Finding[] = [];
  const auth = judgeAuthenticity(view.headers, cfg);
  findings.push(...auth.findings);
  if (view.headers.has("list-unsubscribe") || /bulk|list/i.test(String(view.headers.get("precedence") ?? ""))) {
    findings.push({ code: "bulk-mail", detail: "Precedence/List-Unsubscribe headers" });
  }

  const part = await noticePartOf(view, c, 0);
  const where = new Map<keyof Extracted, FieldSource>();
  const extracted = extractAll(part.sources, c, where);
  if (extracted.applicationNo === null) {
    extracted.applicationNo = applicationNoFromSubject(view.subject, c);
    if (extracted.applicationNo !== null) where.set("applicationNo", { part: "subject", line: 0 });
  }

  // ---- trust: sender ----
  const reasons = new Set<RejectReason>(auth.reasons);
  const outer = view.from;
  const outerDomain = outer ? emailDomain(outer) : null;
  const senderDomain = part.sender ? emailDomain(part.sender) : null;
  const outerIsHuawei = !!outerDomain && hostAllowed(outerDomain, cfg.huaweiDomains);
  if (part.forwarded) {
    const outerInternal = !!outerDomain && hostAllowed(outerDomain, cfg.internalDomains);
    const originalHuawei = !!senderDomain && hostAllowed(senderDomain, cfg.huaweiDomains);
    if (!outerInternal) findings.push({ code: "forwarder-not-internal", detail: outerDomain ?? "(none)" });
    if (!originalHuawei) findings.push({ code: "original-sender-not-huawei", detail: senderDomain ?? "(none)" });
    if (!outerInternal || !originalHuawei) reasons.add("untrusted-sender-domain");
  } else if (!outerIsHuawei) {
    findings.push({ code: "sender-not-huawei", detail: outerDomain ?? "(none)" });
    reasons.add("untrusted-sender-domain");
  }
  for (const r of view.replyTo) {
    const d = emailDomain(r);
    if (d && !hostAllowed(d, cfg.huaweiDomains) && !hostAllowed(d, cfg.internalDomains)) findings.push({ code: "reply-to-elsewhere", detail: d });
  }

  // ---- trust: every link and mailbox of the notice, judged by where it goes ----
  const addressDomains = [...cfg.huaweiDomains, ...cfg.internalDomains];
  const untrusted = (detail: string) => {
    findings.push({ code: "untrusted-link", detail });
    reasons.add("untrusted-link-domain");
  };
  for (const s of part.sources) {
    charge(s.links.length * 16, "links");
    const judged = s.links.map((l) => judgeLink(l.href, l.text, cfg.huaweiDomains));
    const urls = findUrls(s.text);
    for (const u of urls) judged.push(judgeLink(u.value, u.value, cfg.huaweiDomains));
    for (const v of judged) {
      if (v.mismatch) findings.push({ code: "link-text-mismatch", detail: `${v.shown} -> ${v.targets.join(",")}` });
      // a deceptive link that leaves the allow-list is reported as untrusted-link-domain (the
      // stronger reason); one that stays inside it is its own reason
      if (!v.allowed) untrusted(`${v.kind}:${v.targets.join(",") || "?"}`);
      else if (v.mismatch && cfg.rejectOnLinkTextMismatch) reasons.add("link-text-mismatch");
    }
    if (cfg.judgeBodyAddresses) {
      for (const e of findEmails(s.text)) {
        if (urls.some((u) => e.start >= u.start && e.start < u.end)) continue;
        const d = emailDomain(e.value);
        if (!d || !hostAllowed(d, addressDomains)) untrusted(`address:${d ?? "?"}`);
      }
    }
  }
  if (extracted.publicMailbox) {
    const d = emailDomain(extracted.publicMailbox);
    if (!d || !hostAllowed(d, cfg.huaweiDomains)) untrusted(`mailbox:${d ?? "?"}`);
  }
  if (extracted.invoiceListUrl) {
    const v = judgeLink(extracted.invoiceListUrl, "", cfg.huaweiDomains);
    if (!v.allowed) untrusted(`invoice-list:${v.targets.join(",")}`);
  }

  // ---- classify ----
  const noticeTexts = part.sources.map((s) => s.text);
  const language = languageOf([view.subject, ...noticeTexts]);
  const looks = looksLikeNotice(view.subject, part.sources, extracted, c);
  const ordered = REJECT_REASONS.filter((r) => reasons.has(r));
  // a number only in the subject, with nothing of a notice in the body, is an announcement, not a notice
  const bodyApplicationNo = extracted.applicationNo !== null && where.get("applicationNo")?.part !== "subject";
  let kind: InvoiceNoticeV1["kind"];
  if (reasons.has("virus-verdict")) kind = "rejected";
  else if (looks && ordered.length > 0) kind = "rejected";
  else if (looks && extracted.applicationNo !== null && extracted.amount !== null) kind = "invoice-notice";
  else if (looks && (bodyApplicationNo || extracted.amount !== null || (hasKeyword(view.subject, part.sources, c) && invoiceFieldCount(extracted) >= 2))) kind = "needs-review";
  else kind = "not-invoice";
  // cross-checks: a trusted notice that is incomplete or inconsistent is never published as clean
  let review: ReviewReason[] = [];
  if (kind === "invoice-notice" || kind === "needs-review") {
    review = reviewReasons(extracted, view.date, cfg);
    kind = review.length > 0 ? "needs-review" : "invoice-notice";
  }

  const sender = part.sender ?? "";
  const senderVerified = !part.forwarded && outerIsHuawei;
  let notice: InvoiceNoticeV1;
  let stored: StoredAttachment[] = [];
  if (kind !== "invoice-notice" && kind !== "needs-review") {
    notice = emptyNotice(kind, kind === "rejected" ? ordered : [], view.subject, sender, language, senderVerified, part.forwarded);
  } else {
    const atts = part.attachments.filter(isAttachmentForNotice);
    stored = atts.map((a, i) => ({
      filename: a.filename ?? null,
      safeFilename: safeFilename(a.filename ?? null, i),
      contentType: a.contentType,
      size: a.content.length,
      sha256: a.checksum && /^[0-9a-f]{64}$/.test(a.checksum) ? a.checksum : hash("sha256", a.content, "hex"),
      content: a.content,
    }));
    const meta: AttachmentMeta[] = stored.map((a) => ({ filename: a.filename, contentType: a.contentType }));
    const hay = [fold(view.subject), ...part.sources.map((s) => s.folded)];
    const has = (list: string[]) => list.some((k) => hay.some((h) => h.includes(k)));
    const flow = has(c.fhKeywords) ? "fh" : has(c.incentiveKeywords) ? "incentive" : null;
    notice = {
      schemaVersion: 1,
      kind,
      rejectReasons: [],
      site: siteOf(extracted, language),
      language,
      flow,
      subject: view.subject,
      sender,
      senderVerified,
      forwarded: part.forwarded,
      ...pick(extracted),
      attachments: meta,
      ...(kind === "needs-review" ? { review: { reasons: review, sources: sourcesRecord(where, extracted) } } : {}),
    };
  }

  const messageId = view.messageId;
  const checked = InvoiceNoticeV1Schema.safeParse(notice);
  if (!checked.success) {
    // a bug of ours, not the sender's: keep the message, say why
    const detail = checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ").slice(0, 300);
    return {
      notice: emptyNotice("rejected", ["internal-error"], view.subject, sender, language, false, part.forwarded),
      quarantine: { reason: "internal-error", detail: `output failed schema v1: ${detail}` },
      messageId,
      contentHash: base.contentHash,
      idempotencyKey: idempotencyKey("quarantine", base, { messageId, from: view.from, sender, forwarded: part.forwarded, subject: view.subject }),
      attachments: [],
      findings,
      sizeBytes: base.sizeBytes,
      sources: {},
    };
  }
  return {
    notice: checked.data as InvoiceNoticeV1,
    quarantine: null,
    messageId,
    contentHash: base.contentHash,
    idempotencyKey: idempotencyKey(keySpace(kind), base, { messageId, from: view.from, sender, forwarded: part.forwarded, subject: view.subject }),
    attachments: stored,
    findings: dedupe(findings),
    sizeBytes: base.sizeBytes,
    sources: kind === "invoice-notice" || kind === "needs-review" ? sourcesRecord(where, extracted) : {},
  };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.code}\u0000${f.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pick(e: Extracted) {
  return {
    partnerName: e.partnerName,
    applicationNo: e.applicationNo,
    amount: e.amount,
    amountExclTax: e.amountExclTax,
    taxAmount: e.taxAmount,
    currency: e.currency,
    taxRate: e.taxRate,
    invoiceType: e.invoiceType,
    invoiceTypeLabel: e.invoiceTypeLabel,
    billingPeriod: e.billingPeriod,
    mailingAddress: e.mailingAddress,
    publicMailbox: e.publicMailbox,
    invoiceListUrl: e.invoiceListUrl,
    huaweiEntity: e.huaweiEntity,
    deadline: e.deadline,
  };
}

/** cn or intl: the invoicing-list host (account-intl.… is international), else the currency, else the language. */
function siteOf(e: Extracted, language: "zh" | "en"): "cn" | "intl" {
  if (e.invoiceListUrl) {
    try {
      const host = new URL(e.invoiceListUrl).hostname.toLowerCase();
      return /(^|[.-])intl([.-]|$)/.test(host) ? "intl" : "cn";
    } catch {
      /* fall through */
    }
  }
  if (e.currency) return e.currency === "CNY" ? "cn" : "intl";
  if (e.invoiceType) return "cn";
  return language === "zh" ? "cn" : "intl";
}
