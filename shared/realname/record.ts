/**
 * The stored application record (one DynamoDB item) and what is shown or sent about it. Pure.
 *
 * The record keeps the validated application (without file contents) because the submission needs
 * it; it never reaches a log line or the audit trail. What leaves the service — the GET view, the
 * callback body and the queue event — is built here from codes, states and the redacted audit.
 */
import { z } from "zod";
import { defineMessage } from "../queue/envelope.ts";
import type { Application, ApplicationType, FieldError } from "./application.ts";
import type { DocumentRole } from "./documents.ts";
import type { FileType } from "./files.ts";
import type { ApplicationState, ApplicationStatus, AuditEntry } from "./state.ts";

/** One presigned upload slot (staging key outside `download/`). */
export interface StoredSlot {
  position: number;
  role: DocumentRole;
  key: string;
  size: number;
  content_type?: string;
  file_name?: string;
}

/** One checked document under `download/`. */
export interface StoredDocument {
  position: number;
  role: DocumentRole;
  type: FileType;
  key: string;
  bssPath: string;
  contentType: string;
  size: number;
  /** The stored object's ETag as the bucket reported it (quotes removed), when it reported one. */
  etag?: string;
}

/** What the status sweep has to do next for a record (sparse index `work` + `dueAt`). */
export const WORK_KINDS = ["submit", "recover", "review", "notify", "purge", "expire"] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface RealnameRecord {
  id: string;
  /** Optimistic-locking counter: every save is conditional on the version read. */
  version: number;
  createdAt: string;
  updatedAt: string;
  customerId: string;
  type: ApplicationType;
  mode: "inline" | "upload";
  /** The portal's request id (X-Request-Id) and a hash of the body it came with. */
  requestId?: string;
  bodyHash?: string;
  /** The validated application as JSON, attachments without contents. Never logged. */
  application: string;
  callbackUrl?: string;
  slots?: StoredSlot[];
  documents?: StoredDocument[];
  uploadExpiresAt?: string;
  status: ApplicationStatus;
  audit: AuditEntry[];
  work?: WorkKind;
  /** Epoch milliseconds when `work` is due. */
  dueAt?: number;
  finalAt?: string;
  notifiedAt?: string;
  notifyAttempts?: number;
  /** DynamoDB TTL (epoch seconds): set once the documents are purged. */
  expiresAt?: number;
}

/** How long a record is kept after its documents were purged, and a request marker after creation. */
export const RECORD_TTL_AFTER_PURGE_SECONDS = 365 * 86_400;
export const REQUEST_MARKER_TTL_SECONDS = 7 * 86_400;

/** The application as stored: same fields, attachments reduced to their roles (no bytes). */
export function applicationForStorage(app: Application): string {
  const files = app.attachments.files.map((f) => ({ role: f.role }));
  return JSON.stringify({ ...app, attachments: { mode: app.attachments.mode, files } });
}

export function applicationFromStorage(json: string): Application {
  return JSON.parse(json) as Application;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

export interface ScheduleOptions {
  /** Seconds between review-result reads while under review. */
  pollSeconds: number;
  /** Seconds documents are kept after a final state (once the portal was told). */
  retentionSeconds: number;
  /** A queued submission not picked up after this many seconds is queued again. */
  requeueSeconds: number;
  /** A submission without a recorded answer after this many seconds is resolved by reading the review result. */
  stuckSubmitSeconds: number;
}

/** The next piece of work for a record after it was saved in its current state. */
export function scheduleFor(record: Pick<RealnameRecord, "status" | "notifiedAt" | "finalAt" | "uploadExpiresAt">, now: number, o: ScheduleOptions): { work?: WorkKind; dueAt?: number } {
  const s = record.status;
  switch (s.state) {
    case "awaiting_uploads":
      return { work: "expire", dueAt: record.uploadExpiresAt ? Date.parse(record.uploadExpiresAt) : now };
    case "validated":
      return { work: "submit", dueAt: now + o.requeueSeconds * 1000 };
    case "submitting":
      return { work: "recover", dueAt: now + o.stuckSubmitSeconds * 1000 };
    case "verifying":
      return { work: "review", dueAt: now };
    case "under_review":
      return { work: "review", dueAt: now + o.pollSeconds * 1000 };
    default:
      // approved | rejected | failed | failed_config | needs_operator | expired
      if (record.notifiedAt === undefined) return { work: "notify", dueAt: now };
      if (s.documentsPurged) return {};
      return { work: "purge", dueAt: Date.parse(record.finalAt ?? record.notifiedAt) + o.retentionSeconds * 1000 };
  }
}

// ---------------------------------------------------------------------------------------------
// Views

/** `GET /realname/applications/{id}`: status and history, nothing personal. */
export function publicView(r: RealnameRecord): Record<string, unknown> {
  const s = r.status;
  return {
    id: r.id,
    customer_id: r.customerId,
    type: r.type,
    attachments_mode: r.mode,
    status: s.state,
    submit_attempts: s.submitAttempts,
    ...(s.isReview !== undefined ? { is_review: s.isReview } : {}),
    ...(s.opinion !== undefined ? { opinion: s.opinion } : {}),
    ...(s.failure
      ? { failure: { code: s.failure.code, disposition: s.failure.disposition, message: s.failure.message, ...(s.failure.operatorAction ? { operator_action: s.failure.operatorAction } : {}) } }
      : {}),
    documents: (r.documents ?? []).map((d) => ({ position: d.position, role: d.role, path: d.bssPath, size: d.size })),
    documents_purged: s.documentsPurged === true,
    ...(r.uploadExpiresAt && s.state === "awaiting_uploads" ? { uploads_expire_at: r.uploadExpiresAt } : {}),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    history: r.audit,
  };
}

/** Payload of the callback and of the queue event for a final state. */
export const applicationEventData = z.object({
  application_id: z.string(),
  customer_id: z.string(),
  type: z.enum(["enterprise", "change", "individual"]),
  /** `failed_config` is reported as `failed` (with its code); `needs_operator`: the outcome is unknown (issue 12.5). */
  status: z.enum(["approved", "rejected", "failed", "needs_operator", "expired"]),
  opinion: z.string().optional(),
  failure_code: z.string().optional(),
  failure_message: z.string().optional(),
  /** What the partner's operator should do (configuration errors, unknown outcomes). */
  operator_action: z.string().optional(),
  occurred_at: z.string(),
});
export type ApplicationEventData = z.infer<typeof applicationEventData>;

export function finalEventData(r: RealnameRecord, at: Date): ApplicationEventData {
  const final = r.status.state;
  if (!isFinalEventState(final)) throw new Error(`internal: ${final} is not a final state`);
  const state = eventStatus(final);
  const failure = state === "failed" || state === "needs_operator" ? r.status.failure : undefined;
  return {
    application_id: r.id,
    customer_id: r.customerId,
    type: r.type,
    status: state,
    ...(state === "rejected" && r.status.opinion !== undefined ? { opinion: r.status.opinion } : {}),
    ...(failure ? { failure_code: failure.code, failure_message: failure.message, ...(failure.operatorAction ? { operator_action: failure.operatorAction } : {}) } : {}),
    occurred_at: r.finalAt ?? at.toISOString(),
  };
}

/** The state a final record is reported as. */
export function eventStatus(state: FinalEventState): ApplicationEventData["status"] {
  return state === "failed_config" ? "failed" : state;
}

/** Queue messages. */
export const RealnameSubmitRequested = defineMessage("realname.submit-requested", 1, z.object({ applicationId: z.string().min(1).max(64) }));
export const RealnameApproved = defineMessage("realname.application.approved", 1, applicationEventData);
export const RealnameRejected = defineMessage("realname.application.rejected", 1, applicationEventData);
export const RealnameFailed = defineMessage("realname.application.failed", 1, applicationEventData);
export const RealnameExpired = defineMessage("realname.application.expired", 1, applicationEventData);
export const RealnameNeedsOperator = defineMessage("realname.application.needs-operator", 1, applicationEventData);

export const FINAL_EVENT_MESSAGES = {
  approved: RealnameApproved,
  rejected: RealnameRejected,
  failed: RealnameFailed,
  failed_config: RealnameFailed,
  needs_operator: RealnameNeedsOperator,
  expired: RealnameExpired,
} as const;

export type FinalEventState = keyof typeof FINAL_EVENT_MESSAGES;

export function isFinalEventState(state: ApplicationState): state is FinalEventState {
  return Object.hasOwn(FINAL_EVENT_MESSAGES, state);
}

// ---------------------------------------------------------------------------------------------
// Size problems found by validateApplication are about the files, not the body's shape: they are
// answered 422 like the other file problems when nothing else is wrong.


/** True for validateApplication's per-file and inline-total size errors. */
export function isSizeError(e: FieldError): boolean {
  if (/\.content_base64$/.test(e.field)) return /the limit is \d+ bytes/.test(e.message);
  if (e.field === "attachments.files") return /^inline attachments total/.test(e.message);
  if (/^attachments\.files\[\d+\]\.size$/.test(e.field)) return /^must be at most \d+ bytes/.test(e.message);
  return false;
}
