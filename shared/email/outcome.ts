/**
 * What the `invoice-email` handler should do with a parse result. Pure: the handler does the I/O.
 */
import type { InvoiceNoticeResult } from "./intake.ts";

export const INVOICE_EVENT_TYPES = {
  received: "invoice.notice.received",
  rejected: "invoice.notice.rejected",
} as const;
export type InvoiceEventType = (typeof INVOICE_EVENT_TYPES)[keyof typeof INVOICE_EVENT_TYPES];

export interface IntakeOutcome {
  /** Event to publish; null for not-invoice (nothing to act on; the original stays stored). */
  event: InvoiceEventType | null;
  /** Store result.notice as JSON next to the original (only for invoice-notice). */
  storeNotice: boolean;
  /** Store result.attachments next to the original (only for invoice-notice). */
  storeAttachments: boolean;
  /** Copy the original under the quarantine prefix with this reason (message could not be processed). */
  quarantine: InvoiceNoticeResult["quarantine"];
  /** De-duplication key: process each key once (one notice, one event). */
  idempotencyKey: string;
}

export function intakeOutcome(r: InvoiceNoticeResult): IntakeOutcome {
  const kind = r.notice.kind;
  return {
    event: kind === "invoice-notice" || kind === "needs-review" ? INVOICE_EVENT_TYPES.received : kind === "rejected" ? INVOICE_EVENT_TYPES.rejected : null,
    storeNotice: kind === "invoice-notice" || kind === "needs-review",
    storeAttachments: (kind === "invoice-notice" || kind === "needs-review") && r.attachments.length > 0,
    quarantine: r.quarantine,
    idempotencyKey: r.idempotencyKey,
  };
}
