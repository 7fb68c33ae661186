/**
 * Invoice-email intake core (issue 5): raw message bytes → schema-v1 invoicing notice.
 * I/O-free; the `invoice-email` handler reads the object, calls parseInvoiceEmail, and stores /
 * publishes according to intakeOutcome().
 */
export { parseInvoiceEmail, safeFilename } from "./intake.ts";
export type { Finding, InvoiceNoticeResult, StoredAttachment } from "./intake.ts";
export { intakeOutcome, INVOICE_EVENT_TYPES } from "./outcome.ts";
export type { IntakeOutcome, InvoiceEventType } from "./outcome.ts";
export { EmailConfigError, EmailIntakeConfigSchema, emailConfigFromEnv, resolveEmailConfig, DEFAULT_LABELS } from "./config.ts";
export type { EmailIntakeConfig, EmailIntakeConfigInput, LabelField } from "./config.ts";
export {
  InvoiceNoticeV1Schema,
  NOTICE_KINDS,
  QUARANTINE_REASONS,
  REJECT_REASONS,
  RejectReasonSchema,
} from "./schema.ts";
export type { AttachmentMeta, BillingPeriod, HuaweiEntity, InvoiceNoticeV1, MailingAddress, NoticeKind, QuarantineReason, RejectReason } from "./schema.ts";
export { centsToDecimal, decimalToCents, findAmount, parseAmount, parseChineseCapital, parseTaxRate } from "./amounts.ts";
export { findDates, findDeadline, parseBillingPeriod, parseDate } from "./dates.ts";
export { hostAllowed, judgeLink } from "./links.ts";
export type { LinkVerdict } from "./links.ts";
export { InvoiceNoticeReceived, InvoiceNoticeRejected, NoticeReceivedDataSchema, NoticeRejectedDataSchema, noticeEventId } from "./events.ts";
export type { NoticeReceivedData, NoticeRejectedData, StoredAttachmentRef } from "./events.ts";
export { INTAKE_PREFIXES, intakeKeys, noticeIdOf, planIntake, duplicateOutcome, outcomeBody } from "./plan.ts";
export type { IntakeInput, IntakePlan, OutcomeRecord, PlannedObject, PlanContext } from "./plan.ts";
export { processInboundObject, IntakeBusyError } from "./pipeline.ts";
export type { IntakePorts, IntakeReport, IntakeStatus, IntakeStorage, IntakeLedger, IntakePublisher } from "./pipeline.ts";
export { quarantineFailedObject } from "./pipeline.ts";
export { failedObjects, FailureMessageError, FailureRecordSchema } from "./failure.ts";
export type { FailedObject } from "./failure.ts";
export { Budget, BudgetExceededError } from "./budget.ts";
export type { BudgetLimits, BudgetUse } from "./budget.ts";
