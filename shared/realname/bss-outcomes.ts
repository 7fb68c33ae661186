/**
 * What a BSS answer to a real-name call means for the application: the error codes of
 * bss-api.md §1.6, §8–§10.1 mapped to a disposition and a clear message, and the review result
 * of §10.2 mapped to an outcome. This is the one place BSS answers are classified (issue 11.3):
 *
 * - retryable: throttling (`CBC.0250`, `APIG.0308`, HTTP 429), an expired token (`CBC.0154`), 5xx,
 *   timeouts, network failures and ambiguous answers;
 * - everything else is final: the application ends (`failed`, or `failed_config` when the partner's own
 *   setup is at fault) with the code and reason, and the portal gets its callback and event.
 *
 * Dispositions:
 * - `retry`: BSS certainly did not take the request (throttled, token expired, nothing sent, or a read
 *   that failed transiently); try again later (bounded by the submit-attempt cap).
 * - `verify`: a write that BSS may or may not have taken (5xx, timeout after sending, unreadable 2xx);
 *   read the review result before anything else, never submit blindly a second time.
 * - `failed_config`: final; the partner's own setup is wrong (real-name upload switch / bucket /
 *   permissions). The operator is alerted; the portal is told and sends a new application once fixed.
 * - `failed`: final; BSS refused this application; the message says why.
 */
import { reviewResultResponse } from "../bss/schemas.ts";
import { redactText } from "./redact.ts";

export type Disposition = "retry" | "verify" | "failed_config" | "failed";

export interface CodeInfo {
  disposition: Disposition;
  /** Short reason, fit for the partner portal (and so for the customer). */
  message: string;
  /** What the partner's operator should do, when there is something to do. */
  operatorAction?: string;
}

const CONFIG_ACTION =
  "In Partner Center open Support > Open APIs > Access configuration (服务支持 > 能力开放 > 接入配置), switch on " +
  "实名认证附件上传 and check the bucket name and the AK/SK entered there; the bucket must not use default encryption. Then retry the application.";

/** Every code the reference lists for the real-name operations, plus the common ones. */
export const BSS_REALNAME_CODES: Readonly<Record<string, CodeInfo>> = {
  "CBC.99005030": {
    disposition: "failed_config",
    message: "Real-name attachment upload is not enabled for the partner, or Huawei Cloud could not access the partner's OBS bucket",
    operatorAction: CONFIG_ACTION,
  },
  "CBC.0151": {
    disposition: "failed_config",
    message: "Access denied to the real-name API",
    operatorAction: "Give the partner-ops operator account the Partner Center permission BPC_ITEM_SUBCUSTSERV_010119, then retry the application.",
  },
  "CBC.0155": {
    disposition: "failed_config",
    message: "The partner credentials are not allowed to call the real-name API",
    operatorAction: "Use the AK/SK of the partner account or of an operator created in Partner Center (not an IAM user), then retry the application.",
  },
  "CBC.0154": { disposition: "retry", message: "The BSS token was invalid or expired" },
  "CBC.0250": { disposition: "retry", message: "BSS flow control (too many requests)" },
  "APIG.0308": { disposition: "retry", message: "API gateway rate limit exceeded" },
  "CBC.0999": { disposition: "verify", message: "BSS reported an unknown error; the submission may or may not have been recorded" },
  "CBC.0100": {
    disposition: "failed",
    message: "BSS rejected a parameter of the application",
    operatorAction: "Check the application data against the BSS field rules; this usually means a bug in partner-ops.",
  },
  "CBC.0101": {
    disposition: "failed",
    message: "BSS found a parameter of the application invalid",
    operatorAction: "Check the application data against the BSS field rules; this usually means a bug in partner-ops.",
  },
  "CBC.99000000": { disposition: "failed", message: "The partner has no permission on this customer" },
  "CBC.99000035": { disposition: "failed", message: "The customer is not one of the partner's customers" },
  "CBC.99000027": { disposition: "failed", message: "The SMS verification code has expired; request a new code and submit again" },
  "CBC.99000099": { disposition: "failed", message: "An attachment is larger than BSS accepts (10 MB)" },
  "CBC.99000100": { disposition: "failed", message: "An attachment is not in a format BSS accepts (jpg, jpeg, bmp, png, gif, pdf)" },
  "CBC.99007004": { disposition: "failed", message: "A business precondition for real-name authentication is not met" },
  "CBC.99007188": { disposition: "failed", message: "The customer is already verified or a real-name review is in progress" },
  "CBC.99007189": { disposition: "failed", message: "Too many accounts are already verified with this certificate number" },
  "CBC.99007191": { disposition: "failed", message: "Too many real-name attempts for this customer; try again later" },
  "CBC.99007193": { disposition: "failed", message: "This certificate number is blocked for real-name authentication" },
  "CBC.99007202": { disposition: "failed", message: "Real-name verification failed" },
  "CBC.99007219": { disposition: "failed", message: "The face photo does not match the certificate" },
  "CBC.99007255": { disposition: "failed", message: "The card holder's details or mobile number do not match the bank's records" },
  "CBC.99007258": { disposition: "failed", message: "The bank card is frozen or expired" },
  "CBC.99007260": { disposition: "failed", message: "The UnionPay/bank verification could not be completed; try again later" },
  "CBC.99007261": { disposition: "failed", message: "This bank card is not supported for real-name verification" },
  "CBC.99007262": { disposition: "failed", message: "The bank's system could not be reached; try again later" },
  "CBC.70600026": {
    disposition: "failed",
    message: "Huawei Cloud cannot review this submission",
    operatorAction: "Contact the Huawei Cloud account manager about this customer.",
  },
};

/** The subset of a BSS client error this module reads (shared/bss BssError fits). */
export interface SubmitFailure {
  /** BssError kind: http | business | network | timeout | validation | invalid-response | ambiguous. */
  kind?: string | undefined;
  code: string;
  /** Server or client message; it is redacted before it is kept. */
  message?: string | undefined;
  status?: number | undefined;
}

export interface SubmitOutcome extends CodeInfo {
  code: string;
  /** The server's message, redacted (no ID numbers, codes, card or phone numbers). */
  detail?: string;
}

/** `retry` and `verify` keep the application going; `failed` and `failed_config` end it. */
export function isFinalDisposition(d: Disposition): d is "failed" | "failed_config" {
  return d === "failed" || d === "failed_config";
}

/**
 * How a failed BSS call should move the application. `effect: "read"` (the review-result reads
 * before and after a submission) changes nothing at BSS, so an unclear answer is a plain `retry`.
 */
export function classifySubmitFailure(failure: SubmitFailure, effect: "write" | "read" = "write"): SubmitOutcome {
  const outcome = classifyWrite(failure);
  if (effect === "read" && outcome.disposition === "verify") {
    return { ...outcome, disposition: "retry", message: outcome.message.replace(/; the submission may or may not have been recorded$/, "").replace(/^The submission's outcome is unknown \(no clear answer from BSS\)$/, "No clear answer from BSS") };
  }
  return outcome;
}

function classifyWrite(failure: SubmitFailure): SubmitOutcome {
  const detail = failure.message ? redactText(failure.message).slice(0, 300) : undefined;
  const withDetail = (info: CodeInfo): SubmitOutcome => ({ ...info, code: failure.code, ...(detail ? { detail } : {}) });
  switch (failure.kind) {
    case "ambiguous":
    case "timeout":
    case "invalid-response":
      return withDetail({ disposition: "verify", message: "The submission's outcome is unknown (no clear answer from BSS)" });
    case "network":
      return withDetail({ disposition: "retry", message: "BSS could not be reached" });
    case "validation":
      return withDetail({
        disposition: "failed",
        message: "The BSS request failed local validation",
        operatorAction: "This is a bug in partner-ops: the application passed intake validation but not the BSS request schema.",
      });
    default:
      break;
  }
  const known = BSS_REALNAME_CODES[failure.code];
  if (known) return withDetail(known);
  if (failure.status !== undefined && failure.status >= 500) {
    return withDetail({ disposition: "verify", message: `BSS answered HTTP ${failure.status}; the submission may or may not have been recorded` });
  }
  if (failure.status === 429) return withDetail({ disposition: "retry", message: "BSS flow control (too many requests)" });
  return withDetail({
    disposition: "failed",
    message: `BSS refused the application (${failure.code})`,
    operatorAction: "Look the code up in the BSS documentation; it is not in partner-ops' list.",
  });
}

// ---------------------------------------------------------------------------------------------
// Review result (§10.2)

export type ReviewOutcome =
  | { result: "none" }
  | { result: "under_review" }
  | { result: "approved" }
  | { result: "rejected"; opinion: string };

/** Reads a ShowRealnameAuthenticationReviewResult body. `none`: BSS has no submission for this customer. */
export function interpretReviewResult(body: unknown): ReviewOutcome {
  const parsed = reviewResultResponse.parse(body ?? {});
  switch (parsed.review_result) {
    case undefined:
      return { result: "none" };
    case 0:
      return { result: "under_review" };
    case 2:
      return { result: "approved" };
    case 1:
      return { result: "rejected", opinion: parsed.opinion?.trim() || "rejected without an opinion" };
    default:
      // A value the contract does not document: a review exists but is not known to be final.
      return { result: "under_review" };
  }
}
