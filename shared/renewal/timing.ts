/**
 * One source of truth for the renewal pipeline's claim stale times: each is derived from the time a live
 * holder can keep a claim — the queue's visibility timeout (≥ the consumer's function timeout) or the
 * scheduled function's timeout — plus a margin. The seconds below restate serverless.yml's values and
 * test/unit/renewal/timing.test.ts fails when the two disagree, so changing one without the other is
 * caught before a deploy.
 *
 * Why "visibility timeout + margin": a consumer that crashed (kill -9, Lambda timeout) between a claim and
 * its completion leaves the claim "claimed". SQS hands the message back one visibility timeout after it
 * was received; by then the claim is younger than the stale time, so the claim answers "busy" and the
 * message fails again (batch item failure) — never counted as delivered. One visibility timeout later the
 * claim is stale and is taken over. A live consumer can never hold a claim that long (Lambda stops it at
 * its timeout, which is ≤ the visibility timeout), so a stale claim is always an abandoned one.
 */

/** Extra seconds over the longest a live holder keeps a claim (clock skew between Lambdas, SDK retries). */
export const CLAIM_STALE_MARGIN_SECONDS = 30;

/** serverless.yml values (checked by test/unit/renewal/timing.test.ts). */
export const RENEWAL_QUEUES = {
  /** resources.Resources.RenewalNotifyQueue.Properties */
  notify: { visibilityTimeoutSeconds: 120, maxReceiveCount: 5 },
  /** resources.Resources.RenewalAutoRenewQueue.Properties */
  autoRenew: { visibilityTimeoutSeconds: 120, maxReceiveCount: 5 },
} as const;
/** functions.renewal-digest.timeout (a scheduled function: no queue). */
export const RENEWAL_DIGEST_TIMEOUT_SECONDS = 300;

/** Stale time of a claim held by a consumer of a queue with this visibility timeout. */
export function staleAfterVisibility(visibilityTimeoutSeconds: number): number {
  return visibilityTimeoutSeconds + CLAIM_STALE_MARGIN_SECONDS;
}

/** Per-channel delivery claims of the notify consumer (`renewal-delivery#…`). */
export const NOTIFY_CLAIM_STALE_SECONDS = staleAfterVisibility(RENEWAL_QUEUES.notify.visibilityTimeoutSeconds);
/** Auto-renew report claims (`autorenew-report#…`), held by the auto-renew consumer. */
export const AUTORENEW_REPORT_STALE_SECONDS = staleAfterVisibility(RENEWAL_QUEUES.autoRenew.visibilityTimeoutSeconds);
/** The digest's per-manager-per-day claim, held by the scheduled digest function. */
export const DIGEST_CLAIM_STALE_SECONDS = RENEWAL_DIGEST_TIMEOUT_SECONDS + CLAIM_STALE_MARGIN_SECONDS;
/**
 * A reminder's own record (`renewal#…`), claimed by the scan and completed by notify once every channel
 * succeeded. While the notify message can still come back (every receive of it used up) the claim is
 * busy; after that — the message is in the DLQ or was lost — a later scan publishes the reminder again
 * (the per-channel delivery records keep what was already sent from being sent twice).
 */
export const REMINDER_CLAIM_STALE_SECONDS =
  RENEWAL_QUEUES.notify.visibilityTimeoutSeconds * RENEWAL_QUEUES.notify.maxReceiveCount + CLAIM_STALE_MARGIN_SECONDS;
