/**
 * Schema v1 of a parsed invoicing-notification email (the `*.expected.json` shape of the fixtures),
 * and the reject reasons the intake can give. Every key, in this order, always present.
 */
import { z } from "zod";
import { REVIEW_REASONS } from "./review.ts";

/** Why a message was rejected (or quarantined). The first two are the ones the fixtures use. */
export const REJECT_REASONS = [
  "untrusted-sender-domain",
  "untrusted-link-domain",
  "link-text-mismatch",
  "spam-verdict",
  "virus-verdict",
  "spf-fail",
  "dkim-fail",
  "dmarc-fail",
  // quarantine reasons: the message could not be processed at all
  "message-too-large",
  "unparseable-message",
  "parse-timeout",
  "extraction-over-budget",
  "processing-failed",
  "internal-error",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const RejectReasonSchema = z.enum(REJECT_REASONS);

/**
 * extraction-over-budget: the extraction passed its time/step/size budget (shared/email/budget.ts);
 * processing-failed: every attempt of the function failed (e.g. timed out), quarantined by the
 * on-failure path (invoice-email-failed) without parsing.
 */
export const QUARANTINE_REASONS = ["message-too-large", "unparseable-message", "parse-timeout", "extraction-over-budget", "processing-failed", "internal-error"] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/**
 * needs-review (issue 13): a notice from a trusted sender whose required fields are missing or fail
 * the cross-checks (shared/email/review.ts). It carries the fields found and `review` (reasons and
 * where each field came from); it is stored and announced, but never as a clean notice.
 */
export const NOTICE_KINDS = ["invoice-notice", "not-invoice", "rejected", "needs-review"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

const money = z.string().regex(/^-?\d+\.\d{2}$/, "plain decimal with two decimals");
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM");
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "a real calendar date");

export const BillingPeriodSchema = z.strictObject({ from: month, to: month }).refine((p) => p.from <= p.to, "from <= to");
export const MailingAddressSchema = z.strictObject({
  recipient: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  postcode: z.string().nullable(),
});
export const HuaweiEntitySchema = z.strictObject({ name: z.string().min(1), taxId: z.string().nullable() });
export const AttachmentMetaSchema = z.strictObject({ filename: z.string().nullable(), contentType: z.string() });
/** Where a field's value came from: the body part (`text`, `html`, or `subject`) and its 0-based line. */
export const FieldSourceSchema = z.strictObject({ part: z.enum(["text", "html", "subject"]), line: z.number().int().min(0) });
export const ReviewSchema = z.strictObject({
  reasons: z.array(z.enum(REVIEW_REASONS)).min(1),
  sources: z.record(z.string(), FieldSourceSchema),
});

const FIELDS_NULL_UNLESS_NOTICE = [
  "site",
  "flow",
  "partnerName",
  "applicationNo",
  "amount",
  "amountExclTax",
  "taxAmount",
  "currency",
  "taxRate",
  "invoiceType",
  "invoiceTypeLabel",
  "billingPeriod",
  "mailingAddress",
  "publicMailbox",
  "invoiceListUrl",
  "huaweiEntity",
  "deadline",
] as const;

export const InvoiceNoticeV1Schema = z
  .strictObject({
    schemaVersion: z.literal(1),
    kind: z.enum(NOTICE_KINDS),
    rejectReasons: z.array(RejectReasonSchema),
    site: z.enum(["cn", "intl"]).nullable(),
    language: z.enum(["zh", "en"]),
    flow: z.enum(["incentive", "fh"]).nullable(),
    subject: z.string(),
    sender: z.string(),
    senderVerified: z.boolean(),
    forwarded: z.boolean(),
    partnerName: z.string().min(1).nullable(),
    applicationNo: z.string().min(1).nullable(),
    amount: money.nullable(),
    amountExclTax: money.nullable(),
    taxAmount: money.nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/).nullable(),
    taxRate: z.string().regex(/^\d+(\.\d+)?$/).nullable(),
    invoiceType: z.enum(["vat-special-paper", "vat-special-electronic"]).nullable(),
    invoiceTypeLabel: z.string().min(1).nullable(),
    billingPeriod: BillingPeriodSchema.nullable(),
    mailingAddress: MailingAddressSchema.nullable(),
    publicMailbox: z.string().min(3).nullable(),
    invoiceListUrl: z.string().min(1).nullable(),
    huaweiEntity: HuaweiEntitySchema.nullable(),
    deadline: isoDate.nullable(),
    attachments: z.array(AttachmentMetaSchema),
    /** Only on kind needs-review (absent otherwise, so a clean notice's JSON is unchanged). */
    review: ReviewSchema.optional(),
  })
  .superRefine((n, ctx) => {
    if ((n.kind === "rejected") !== n.rejectReasons.length > 0) {
      ctx.addIssue({ code: "custom", path: ["rejectReasons"], message: "rejectReasons is non-empty exactly when kind is rejected" });
    }
    if (n.forwarded && n.senderVerified) {
      ctx.addIssue({ code: "custom", path: ["senderVerified"], message: "a forwarded message is never sender-verified" });
    }
    if ((n.kind === "needs-review") !== (n.review !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["review"], message: "review is present exactly when kind is needs-review" });
    }
    if (n.kind === "not-invoice" || n.kind === "rejected") {
      for (const key of FIELDS_NULL_UNLESS_NOTICE) {
        if (n[key] !== null) ctx.addIssue({ code: "custom", path: [key], message: `must be null for kind ${n.kind}` });
      }
      if (n.attachments.length > 0) ctx.addIssue({ code: "custom", path: ["attachments"], message: `must be empty for kind ${n.kind}` });
    } else if (n.kind === "invoice-notice" && (n.applicationNo === null || n.amount === null)) {
      ctx.addIssue({ code: "custom", path: ["kind"], message: "an invoice-notice has an application number and an amount" });
    }
  });

export type InvoiceNoticeV1 = z.infer<typeof InvoiceNoticeV1Schema>;
export type BillingPeriod = { from: string; to: string };
export type MailingAddress = z.infer<typeof MailingAddressSchema>;
export type HuaweiEntity = z.infer<typeof HuaweiEntitySchema>;
export type AttachmentMeta = z.infer<typeof AttachmentMetaSchema>;
export type FieldSource = z.infer<typeof FieldSourceSchema>;
