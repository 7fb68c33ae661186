/**
 * What the invoice-email handler writes and publishes for one inbound object: storage keys,
 * object bodies, the quarantine copy, the event and the outcome record. Pure (the pipeline does
 * the I/O in the order it documents).
 *
 * Key layout in the inbound-mail bucket (the original stays at its SES key, e.g. inbound/<sesId>):
 *
 *   notices/<noticeId>/notice.json                  schema-v1 JSON (invoice-notice only)
 *   notices/<noticeId>/attachments/<nn>-<safeName>  attachment bytes, nn = 01, 02, … (names can repeat)
 *   quarantine/<noticeId>/message.eml               server-side copy of an unprocessable original
 *   quarantine/<noticeId>/reason.json               {reason, detail, source, …}
 *   outcomes/<sourceKey>.json                       what happened to that object (every object)
 *
 * noticeId = first 32 hex characters of SHA-256(idempotencyKey): the same message (for a verified
 * notice: same Message-ID, sender and body; otherwise the same bytes) always maps to the same keys
 * and the same event id.
 */
import { createHash } from "node:crypto";
import type { Envelope } from "../queue/envelope.ts";
import { InvoiceNoticeReceived, InvoiceNoticeRejected, noticeEventId, type StoredAttachmentRef } from "./events.ts";
import type { Finding, InvoiceNoticeResult } from "./intake.ts";
import { intakeOutcome } from "./outcome.ts";
import type { NoticeKind, QuarantineReason, RejectReason } from "./schema.ts";

export const INTAKE_PREFIXES = { notices: "notices/", quarantine: "quarantine/", outcomes: "outcomes/" } as const;

export function noticeIdOf(idempotencyKey: string): string {
  return createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 32);
}

export const intakeKeys = {
  notice: (noticeId: string) => `${INTAKE_PREFIXES.notices}${noticeId}/notice.json`,
  attachment: (noticeId: string, index: number, safeFilename: string) =>
    `${INTAKE_PREFIXES.notices}${noticeId}/attachments/${String(index + 1).padStart(2, "0")}-${safeFilename}`,
  quarantineMessage: (noticeId: string) => `${INTAKE_PREFIXES.quarantine}${noticeId}/message.eml`,
  quarantineReason: (noticeId: string) => `${INTAKE_PREFIXES.quarantine}${noticeId}/reason.json`,
  outcome: (sourceKey: string) => `${INTAKE_PREFIXES.outcomes}${sourceKey}.json`,
  ledger: (noticeId: string) => `invoice-email#${noticeId}`,
};

/** What was read: a parse result, or only the object's size (too large to download). */
export type IntakeInput =
  | { kind: "parsed"; result: InvoiceNoticeResult }
  | { kind: "too-large"; size: number; limit: number }
  /** Every attempt of the function failed (on-failure path): quarantined without reading it again. */
  | { kind: "failed"; size: number; detail: string };

export interface PlanContext {
  bucket: string;
  sourceKey: string;
  now: Date;
}

export interface PlannedObject {
  key: string;
  body: Uint8Array | string;
  contentType: string;
}

export interface OutcomeRecord {
  schemaVersion: 1;
  source: { bucket: string; key: string };
  processedAt: string;
  kind: NoticeKind;
  rejectReasons: RejectReason[];
  noticeId: string;
  idempotencyKey: string;
  messageId: string | null;
  contentHash: string | null;
  sizeBytes: number;
  noticeKey: string | null;
  attachmentKeys: string[];
  quarantineKey: string | null;
  event: { type: string; id: string } | null;
  /** Set when an earlier object with the same idempotency key was already processed. */
  duplicateOf: { key: string } | null;
  findings: Finding[];
  /** Where each field of the notice came from (part and line), for a person checking it. */
  sources: Record<string, { part: string; line: number }>;
}

export interface IntakePlan {
  kind: NoticeKind;
  noticeId: string;
  idempotencyKey: string;
  /** Ledger key to claim before writing/publishing; null when there is nothing to do exactly once (not-invoice). */
  ledgerKey: string | null;
  /** Objects to write, attachments first and notice.json last (its presence means the set is complete). */
  puts: PlannedObject[];
  /** Server-side copy of the original into quarantine. */
  copy: { from: string; to: string; contentType: string } | null;
  event: Envelope | null;
  outcomeKey: string;
  outcome: OutcomeRecord;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export function planIntake(input: IntakeInput, ctx: PlanContext): IntakePlan {
  const source = { bucket: ctx.bucket, key: ctx.sourceKey };
  const at = ctx.now.toISOString();
  let kind: NoticeKind;
  let reasons: RejectReason[];
  let idempotencyKey: string;
  let messageId: string | null;
  let contentHash: string | null;
  let sizeBytes: number;
  let quarantine: { reason: QuarantineReason; detail: string } | null;
  let findings: Finding[];
  let result: InvoiceNoticeResult | null = null;
  if (input.kind === "failed" || input.kind === "too-large") {
    // Not parsed (every attempt failed, or too large to download), so no Message-ID or hash: the
    // object itself is the unit of work.
    const reason = input.kind === "failed" ? "processing-failed" : "message-too-large";
    const detail = input.kind === "failed" ? input.detail.slice(0, 300) : `object is ${input.size} bytes, limit ${input.limit}; not downloaded`;
    kind = "rejected";
    reasons = [reason];
    idempotencyKey = `object:${ctx.bucket}/${ctx.sourceKey}`;
    messageId = null;
    contentHash = null;
    sizeBytes = input.size;
    quarantine = { reason, detail };
    findings = [{ code: reason, detail }];
  } else {
    result = input.result;
    kind = result.notice.kind;
    reasons = [...result.notice.rejectReasons];
    idempotencyKey = result.idempotencyKey;
    messageId = result.messageId;
    contentHash = result.contentHash;
    sizeBytes = result.sizeBytes;
    quarantine = result.quarantine;
    findings = result.findings;
  }
  const noticeId = noticeIdOf(idempotencyKey);
  const outcomeFlags = result ? intakeOutcome(result) : null;

  const puts: PlannedObject[] = [];
  const attachments: StoredAttachmentRef[] = [];
  let noticeKey: string | null = null;
  if (result && outcomeFlags?.storeNotice) {
    if (outcomeFlags.storeAttachments) {
      result.attachments.forEach((a, i) => {
        const key = intakeKeys.attachment(noticeId, i, a.safeFilename);
        puts.push({ key, body: a.content, contentType: a.contentType || "application/octet-stream" });
        attachments.push({ key, filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256 });
      });
    }
    noticeKey = intakeKeys.notice(noticeId);
    puts.push({ key: noticeKey, body: json(result.notice), contentType: "application/json; charset=utf-8" });
  }

  let copy: IntakePlan["copy"] = null;
  let quarantineKey: string | null = null;
  if (quarantine) {
    quarantineKey = intakeKeys.quarantineMessage(noticeId);
    copy = { from: ctx.sourceKey, to: quarantineKey, contentType: "message/rfc822" };
    puts.push({
      key: intakeKeys.quarantineReason(noticeId),
      body: json({ reason: quarantine.reason, detail: quarantine.detail, source, quarantinedAt: at, messageId, contentHash, sizeBytes, idempotencyKey }),
      contentType: "application/json; charset=utf-8",
    });
  }

  let event: Envelope | null = null;
  if ((kind === "invoice-notice" || kind === "needs-review") && result && noticeKey) {
    const n = result.notice;
    event = InvoiceNoticeReceived.create(
      {
        noticeId,
        idempotencyKey,
        messageId,
        contentHash: result.contentHash,
        source,
        noticeKey,
        attachments,
        summary: {
          site: n.site,
          flow: n.flow,
          language: n.language,
          forwarded: n.forwarded,
          senderVerified: n.senderVerified,
          partnerName: n.partnerName,
          kind: n.kind === "needs-review" ? "needs-review" : "invoice-notice",
          reviewReasons: n.review?.reasons ?? [],
          applicationNo: n.applicationNo,
          amount: n.amount,
          currency: n.currency,
          billingPeriod: n.billingPeriod,
          deadline: n.deadline,
        },
      },
      { id: noticeEventId("invoice.notice.received", noticeId), occurredAt: ctx.now },
    );
  } else if (kind === "rejected") {
    event = InvoiceNoticeRejected.create(
      { noticeId, idempotencyKey, messageId, contentHash, source, reasons, quarantineKey },
      { id: noticeEventId("invoice.notice.rejected", noticeId), occurredAt: ctx.now },
    );
  }

  const outcome: OutcomeRecord = {
    schemaVersion: 1,
    source,
    processedAt: at,
    kind,
    rejectReasons: reasons,
    noticeId,
    idempotencyKey,
    messageId,
    contentHash,
    sizeBytes,
    noticeKey,
    attachmentKeys: attachments.map((a) => a.key),
    quarantineKey,
    event: event ? { type: event.type, id: event.id } : null,
    duplicateOf: null,
    findings,
    sources: result?.sources ?? {},
  };
  return {
    kind,
    noticeId,
    idempotencyKey,
    ledgerKey: event ? intakeKeys.ledger(noticeId) : null,
    puts,
    copy,
    event,
    outcomeKey: intakeKeys.outcome(ctx.sourceKey),
    outcome,
  };
}

/** What the first processing of a message wrote, as recorded in its completed ledger entry. */
export interface FirstProcessing {
  sourceKey?: unknown;
  eventId?: unknown;
  eventType?: unknown;
  noticeKey?: unknown;
  quarantineKey?: unknown;
  attachmentKeys?: unknown;
}

/** The ledger `complete` result of a processed plan: what exists now because of it. */
export function completionRecord(plan: IntakePlan, sourceKey: string): Record<string, unknown> {
  return {
    sourceKey,
    eventId: plan.event?.id ?? null,
    eventType: plan.event?.type ?? null,
    noticeKey: plan.outcome.noticeKey,
    quarantineKey: plan.outcome.quarantineKey,
    attachmentKeys: plan.outcome.attachmentKeys,
  };
}

/**
 * The outcome record of an object whose message was already processed from another object. It
 * names only what the first processing wrote and published (from its ledger record), never this
 * object's own plan, which was not carried out.
 */
export function duplicateOutcome(plan: IntakePlan, first: FirstProcessing | undefined): OutcomeRecord {
  const str = (v: unknown) => (typeof v === "string" && v ? v : null);
  const eventId = str(first?.eventId);
  const eventType = str(first?.eventType);
  return {
    ...plan.outcome,
    noticeKey: str(first?.noticeKey),
    attachmentKeys: Array.isArray(first?.attachmentKeys) ? first.attachmentKeys.filter((k): k is string => typeof k === "string") : [],
    quarantineKey: str(first?.quarantineKey),
    event: eventId && eventType ? { type: eventType, id: eventId } : null,
    duplicateOf: { key: str(first?.sourceKey) ?? "(unknown)" },
  };
}

export function outcomeBody(record: OutcomeRecord): string {
  return json(record);
}
