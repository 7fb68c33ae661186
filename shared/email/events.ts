/**
 * The two events the invoice-email intake publishes (shared/queue envelope, zod-checked on publish
 * and on consume). Pure.
 *
 * - `invoice.notice.received` v1: a verified invoicing notice was stored; `noticeKey` holds the
 *   full schema-v1 JSON, `attachments` the stored files. The event carries a summary only — no
 *   mailing address, recipient or phone (those stay in storage).
 * - `invoice.notice.rejected` v1: a message that looked like a notice failed the trust checks, or
 *   could not be processed at all (then `quarantineKey` points at the copy of the original).
 *
 * The envelope id is `<type>:<noticeId>`: the same message always gives the same id, so a FIFO
 * queue deduplicates a re-publish and consumers (sqsConsumer idempotency) ignore a late duplicate.
 */
import { z } from "zod";
import { defineMessage } from "../queue/envelope.ts";
import { REVIEW_REASONS } from "./review.ts";
import { BillingPeriodSchema, RejectReasonSchema } from "./schema.ts";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
export const noticeIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "32 hex characters");

const SourceSchema = z.strictObject({ bucket: z.string().min(1), key: z.string().min(1) });

export const StoredAttachmentRefSchema = z.strictObject({
  key: z.string().min(1),
  filename: z.string().nullable(),
  contentType: z.string(),
  size: z.number().int().min(0),
  sha256: sha256Hex,
});
export type StoredAttachmentRef = z.infer<typeof StoredAttachmentRefSchema>;

export const NoticeReceivedDataSchema = z.strictObject({
  noticeId: noticeIdSchema,
  idempotencyKey: z.string().min(1),
  messageId: z.string().nullable(),
  contentHash: sha256Hex,
  source: SourceSchema,
  noticeKey: z.string().min(1),
  attachments: z.array(StoredAttachmentRefSchema),
  summary: z.strictObject({
    site: z.enum(["cn", "intl"]).nullable(),
    flow: z.enum(["incentive", "fh"]).nullable(),
    language: z.enum(["zh", "en"]),
    forwarded: z.boolean(),
    senderVerified: z.boolean(),
    partnerName: z.string().nullable(),
    /** needs-review: stored with the fields found; check `reviewReasons` before acting on it. */
    kind: z.enum(["invoice-notice", "needs-review"]).default("invoice-notice"),
    reviewReasons: z.array(z.enum(REVIEW_REASONS)).default([]),
    applicationNo: z.string().min(1).nullable(),
    amount: z.string().regex(/^-?\d+\.\d{2}$/).nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
    billingPeriod: BillingPeriodSchema.nullable(),
    deadline: z.string().nullable(),
  }),
});

export const NoticeRejectedDataSchema = z.strictObject({
  noticeId: noticeIdSchema,
  idempotencyKey: z.string().min(1),
  messageId: z.string().nullable(),
  /** null when the message was not read (too large). */
  contentHash: sha256Hex.nullable(),
  source: SourceSchema,
  reasons: z.array(RejectReasonSchema).min(1),
  /** Where the copy of an unprocessable message is (quarantine/<noticeId>/message.eml), else null. */
  quarantineKey: z.string().nullable(),
});

export const InvoiceNoticeReceived = defineMessage("invoice.notice.received", 1, NoticeReceivedDataSchema);
export const InvoiceNoticeRejected = defineMessage("invoice.notice.rejected", 1, NoticeRejectedDataSchema);

export type NoticeReceivedData = z.infer<typeof NoticeReceivedDataSchema>;
export type NoticeRejectedData = z.infer<typeof NoticeRejectedDataSchema>;

/** Envelope id of a notice's event (≤ 128 printable ASCII characters). */
export function noticeEventId(type: "invoice.notice.received" | "invoice.notice.rejected", noticeId: string): string {
  return `${type}:${noticeId}`;
}
