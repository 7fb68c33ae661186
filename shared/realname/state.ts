/**
 * The life of a real-name application as a pure state machine.
 *
 *   awaiting_uploads ──uploads_verified──▶ validated ──submit_started──▶ submitting
 *        │ upload_rejected (stays)              ▲  │                         │
 *        └─uploads_expired──▶ expired           │  └─baseline_failed: final──┼──▶ failed | failed_config
 *                                               │ retry / nothing at BSS     ├─bss_accepted──▶ under_review ──review_result──▶ approved | rejected
 *                                               │                            ├─bss_failed: verify──▶ verifying ──review_result──▶ under_review | approved | rejected | validated | needs_operator
 *                                               │                            ├─bss_failed: failed_config──▶ failed_config
 *                                               │                            └─bss_failed: failed──▶ failed
 *   verifying | under_review ──review_unreadable (final BSS answer)──▶ failed | failed_config
 *
 * Every BSS answer is classified once (bss-outcomes.ts): retryable answers keep the application
 * going (bounded by the submit-attempt cap), every other answer ends it in a final state with the
 * code and reason, which the portal learns through its callback and the queue event (issue 11.3).
 *
 * An inline application starts in `validated` (its files were checked before it was accepted).
 * An ambiguous submission (`verify`) is resolved by reading the review result, never by
 * submitting again blindly (issue 12.5). ShowRealnameAuthenticationReviewResult returns the latest
 * review of the customer, which may belong to an earlier application (a console application, an old
 * rejection), and it exposes neither a review time nor the reviewed content. The only evidence that
 * a result is ours is therefore a change against the `baseline` read just before we submitted:
 * - nothing on record → the submission was not recorded: back to `validated` (resubmitting is safe,
 *   BSS refuses a duplicate with CBC.99007188);
 * - still the same rejection as the baseline → not recorded either: back to `validated`;
 * - a result different from the baseline → ours: under_review / approved / rejected;
 * - the same "under review" or "approved" as the baseline, or no baseline at all → no evidence either
 *   way: `needs_operator` (final; the portal is told, the operator checks Partner Center). Never
 *   reported submitted on a guess.
 *
 * Every applied event yields an audit entry (who, what, when, from, to, a redacted detail).
 * Entries never contain ID numbers, names or file contents: details are built from codes and
 * fixed texts, and any free text (BSS messages, review opinions) goes through redactText.
 */
import { classifySubmitFailure, isFinalDisposition, type ReviewOutcome, type SubmitFailure, type SubmitOutcome } from "./bss-outcomes.ts";
import type { DocumentRole } from "./documents.ts";
import { redactText } from "./redact.ts";

export const APPLICATION_STATES = [
  "awaiting_uploads",
  "validated",
  "submitting",
  "verifying",
  "under_review",
  "approved",
  "rejected",
  "failed_config",
  "failed",
  "needs_operator",
  "expired",
] as const;
export type ApplicationState = (typeof APPLICATION_STATES)[number];

/** No event other than `documents_purged` leaves these; each is reported to the portal once. */
export const FINAL_STATES: ReadonlySet<ApplicationState> = new Set(["approved", "rejected", "failed", "failed_config", "needs_operator", "expired"]);

/** Default cap on `submit_started` events before a `retry` disposition becomes `failed`. */
export const DEFAULT_MAX_SUBMIT_ATTEMPTS = 5;

/** A review result as read by interpretReviewResult. */
export type ReviewResultEvent = ReviewOutcome;

export type ApplicationEvent =
  | { type: "uploads_verified" }
  | { type: "upload_rejected"; role: DocumentRole; reason: string }
  | { type: "uploads_expired" }
  | { type: "submit_started"; baseline?: ReviewResultEvent }
  | { type: "bss_accepted"; isReview: 0 | 1 | undefined }
  | { type: "bss_failed"; failure: SubmitFailure }
  /** Reading the review result before submitting failed (nothing was sent). */
  | { type: "baseline_failed"; failure: SubmitFailure }
  | { type: "review_result"; review: ReviewResultEvent }
  /** Reading the review result after submitting failed with a final answer. */
  | { type: "review_unreadable"; failure: SubmitFailure }
  | { type: "documents_purged"; objects: number };
export type ApplicationEventType = ApplicationEvent["type"];

/** What the caller should do after the transition. */
export type FollowUp =
  | "submit" // queue a submission (after a back-off when it is a retry)
  | "check_review_result" // read ShowRealnameAuthenticationReviewResult now
  | "poll_review" // read it again later
  | "notify" // signed callback to the portal + event on the queue (final state or expired)
  | "alert_operator" // configuration problem or unknown outcome: tell the partner's operators
  | "schedule_purge"; // documents may be deleted after the retention period

export interface ApplicationStatus {
  state: ApplicationState;
  /** Number of `submit_started` events so far. */
  submitAttempts: number;
  /** `is_review` from the accepted submission (1 = manual review). */
  isReview?: 0 | 1;
  /** BSS review opinion when rejected (shown to the portal; not redacted here). */
  opinion?: string;
  /** The last failure (code, clear message, operator action). */
  failure?: SubmitOutcome;
  /** Review result seen just before the latest submission, to tell a stale result from a new one. */
  baseline?: ReviewResultEvent;
  documentsPurged?: boolean;
}

export interface AuditEntry {
  /** ISO-8601 UTC. */
  at: string;
  /** Who caused it: "portal", "realname-submit", "realname-status", "operator:<id>" … */
  actor: string;
  event: ApplicationEventType | "created";
  from: ApplicationState | null;
  to: ApplicationState;
  /** Redacted, human-readable detail. */
  detail?: string;
}

export interface TransitionMeta {
  actor: string;
  at: Date;
  maxSubmitAttempts?: number;
}

export interface TransitionResult {
  status: ApplicationStatus;
  audit: AuditEntry;
  followUps: FollowUp[];
}

export class InvalidTransitionError extends Error {
  readonly from: ApplicationState;
  readonly event: ApplicationEventType;
  constructor(from: ApplicationState, event: ApplicationEventType) {
    super(`event ${event} is not allowed in state ${from}`);
    this.name = "InvalidTransitionError";
    this.from = from;
    this.event = event;
  }
}

/** Which events each state accepts. */
export const ALLOWED_EVENTS: Readonly<Record<ApplicationState, readonly ApplicationEventType[]>> = {
  awaiting_uploads: ["uploads_verified", "upload_rejected", "uploads_expired"],
  validated: ["submit_started", "baseline_failed"],
  submitting: ["bss_accepted", "bss_failed"],
  verifying: ["review_result", "review_unreadable"],
  under_review: ["review_result", "review_unreadable"],
  approved: ["documents_purged"],
  rejected: ["documents_purged"],
  failed_config: ["documents_purged"],
  failed: ["documents_purged"],
  needs_operator: ["documents_purged"],
  expired: ["documents_purged"],
};

export function canApply(state: ApplicationState, event: ApplicationEventType): boolean {
  return ALLOWED_EVENTS[state].includes(event);
}

function clip(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The first status of a new application, with its `created` audit entry. */
export function createStatus(mode: "inline" | "upload", meta: TransitionMeta): TransitionResult {
  const state: ApplicationState = mode === "inline" ? "validated" : "awaiting_uploads";
  return {
    status: { state, submitAttempts: 0 },
    audit: { at: meta.at.toISOString(), actor: meta.actor, event: "created", from: null, to: state, detail: mode === "inline" ? "inline attachments checked" : "waiting for uploads" },
    followUps: mode === "inline" ? ["submit"] : [],
  };
}

function sameReview(a: ReviewResultEvent | undefined, b: ReviewResultEvent): boolean {
  if (!a || a.result !== b.result) return false;
  return a.result !== "rejected" || (b.result === "rejected" && a.opinion === b.opinion);
}

/** Applies one event. Throws {@link InvalidTransitionError} when the state does not accept it. */
export function applyEvent(current: ApplicationStatus, event: ApplicationEvent, meta: TransitionMeta): TransitionResult {
  const from = current.state;
  if (!canApply(from, event.type)) throw new InvalidTransitionError(from, event.type);
  let status: ApplicationStatus = { ...current };
  let detail: string | undefined;
  let followUps: FollowUp[] = [];

  const finalise = (to: ApplicationState): void => {
    status.state = to;
    if (FINAL_STATES.has(to)) followUps = ["notify", "schedule_purge"];
    if (to === "failed_config" || to === "needs_operator") followUps.push("alert_operator");
  };
  /** A failed BSS call: final answers end the application, retryable ones go back to `validated` (capped). */
  const failedCall = (failure: SubmitFailure, effect: "write" | "read", retryTo: "validated" | null): void => {
    const outcome = classifySubmitFailure(failure, effect);
    status.failure = outcome;
    detail = clip(`${outcome.code}: ${outcome.message}${outcome.detail ? ` (${outcome.detail})` : ""}`);
    const max = meta.maxSubmitAttempts ?? DEFAULT_MAX_SUBMIT_ATTEMPTS;
    if (isFinalDisposition(outcome.disposition)) {
      finalise(outcome.disposition);
    } else if (outcome.disposition === "verify") {
      status.state = "verifying";
      followUps = ["check_review_result"];
    } else if (retryTo === null) {
      // A transient read failure while waiting for the review: keep waiting.
      followUps = ["poll_review"];
    } else if (status.submitAttempts >= max) {
      status.failure = { ...outcome, disposition: "failed", message: `${outcome.message}; gave up after ${status.submitAttempts} attempts` };
      detail = clip(`${outcome.code}: gave up after ${status.submitAttempts} attempts`);
      finalise("failed");
    } else {
      status.state = retryTo;
      followUps = ["submit"];
    }
  };
  /** After an ambiguous submission: only a change against the baseline shows that the result is ours. */
  const verifyingResult = (r: ReviewResultEvent): void => {
    const baseline = current.baseline;
    if (r.result === "none") {
      status.state = "validated";
      detail = "BSS has no submission for this customer: the submission was not recorded";
      followUps = ["submit"];
    } else if (baseline !== undefined && sameReview(baseline, r) && r.result === "rejected") {
      // Still the rejection from before our submission: BSS never recorded it.
      status.state = "validated";
      detail = "BSS still shows the earlier rejection: the submission was not recorded";
      followUps = ["submit"];
    } else if (baseline === undefined || sameReview(baseline, r)) {
      status.failure = {
        code: "LOCAL.UNVERIFIABLE",
        disposition: "failed",
        message: `The submission's answer was lost and BSS shows the same review result as before it (${r.result === "under_review" ? "under review" : r.result}); whether it belongs to this application cannot be told`,
        operatorAction: "Check the customer's real-name status in Partner Center; send a new application if this one did not arrive.",
      };
      detail = baseline === undefined ? "answer lost and no review result was read before submitting: outcome unknown" : `answer lost; BSS still shows the review result it showed before (${r.result}): outcome unknown`;
      finalise("needs_operator");
    } else if (r.result === "approved") {
      detail = "BSS shows a new result since our submission: approved";
      delete status.failure;
      finalise("approved");
    } else if (r.result === "rejected") {
      status.opinion = r.opinion;
      detail = `BSS shows a new result since our submission: rejected: ${clip(redactText(r.opinion), 200)}`;
      finalise("rejected");
    } else {
      status.state = "under_review";
      detail = "BSS shows a review in progress that was not there before: the submission was recorded";
      followUps = ["poll_review"];
    }
  };

  switch (event.type) {
    case "uploads_verified":
      status.state = "validated";
      followUps = ["submit"];
      break;
    case "upload_rejected":
      detail = `${event.role}: ${clip(redactText(event.reason), 200)}`;
      break;
    case "uploads_expired":
      detail = "upload slots expired before every file arrived";
      finalise("expired");
      break;
    case "submit_started":
      status.state = "submitting";
      status.submitAttempts = current.submitAttempts + 1;
      if (event.baseline) status.baseline = event.baseline;
      detail = `attempt ${status.submitAttempts}`;
      break;
    case "bss_accepted":
      status.state = "under_review";
      if (event.isReview !== undefined) status.isReview = event.isReview;
      delete status.failure;
      detail = event.isReview === 1 ? "accepted by BSS, manual review" : event.isReview === 0 ? "accepted by BSS, no manual review" : "accepted by BSS";
      followUps = ["poll_review"];
      break;
    case "bss_failed":
      failedCall(event.failure, "write", "validated");
      break;
    case "baseline_failed":
      // Counts as an attempt, so that a read that keeps failing transiently ends at the cap too.
      status.submitAttempts = current.submitAttempts + 1;
      failedCall(event.failure, "read", "validated");
      if (detail !== undefined) detail = clip(`before submitting: ${detail}`);
      break;
    case "review_unreadable":
      failedCall(event.failure, "read", null);
      if (detail !== undefined) detail = clip(`reading the review result: ${detail}`);
      break;
    case "review_result": {
      const r = event.review;
      if (from === "verifying") {
        verifyingResult(r);
        break;
      }
      if (r.result === "approved") {
        detail = "review approved";
        delete status.failure;
        finalise("approved");
      } else if (r.result === "rejected") {
        status.opinion = r.opinion;
        detail = `review rejected: ${clip(redactText(r.opinion), 256)}`;
        finalise("rejected");
      } else {
        // under review, or BSS shows nothing (yet): keep polling.
        status.state = "under_review";
        followUps = ["poll_review"];
      }
      break;
    }
    case "documents_purged":
      status.documentsPurged = true;
      detail = `${event.objects} object(s) deleted after the retention period`;
      break;
  }
  status = { ...status };
  const audit: AuditEntry = { at: meta.at.toISOString(), actor: meta.actor, event: event.type, from, to: status.state };
  if (detail !== undefined) audit.detail = detail;
  return { status, audit, followUps };
}

/** Replays events from the start (e.g. to rebuild a status from a stored event log). */
export function replay(mode: "inline" | "upload", events: readonly { event: ApplicationEvent; meta: TransitionMeta }[], createdMeta: TransitionMeta): { status: ApplicationStatus; audit: AuditEntry[] } {
  const first = createStatus(mode, createdMeta);
  let status = first.status;
  const audit = [first.audit];
  for (const { event, meta } of events) {
    const r = applyEvent(status, event, meta);
    status = r.status;
    audit.push(r.audit);
  }
  return { status, audit };
}
