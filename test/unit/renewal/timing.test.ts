/**
 * The claim stale times of shared/renewal/timing.ts restate serverless.yml's visibility timeouts and
 * function timeouts; this test fails when they disagree, and checks the relation the crash recovery
 * relies on (a live holder can never keep a claim as long as the stale time).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseServiceYaml } from "../../../local/engine/yaml.ts";
import {
  AUTORENEW_REPORT_STALE_SECONDS,
  DIGEST_CLAIM_STALE_SECONDS,
  NOTIFY_CLAIM_STALE_SECONDS,
  RENEWAL_DIGEST_TIMEOUT_SECONDS,
  RENEWAL_QUEUES,
  REMINDER_CLAIM_STALE_SECONDS,
} from "../../../shared/renewal/timing.ts";

interface Service {
  functions: Record<string, { timeout?: number; events?: { sqs?: { arn?: unknown } }[] }>;
  resources: { Resources: Record<string, { Properties: { VisibilityTimeout?: number; RedrivePolicy?: { maxReceiveCount?: number } } }> };
}
const service = parseServiceYaml(readFileSync(resolve(import.meta.dirname, "../../../serverless.yml"), "utf8")) as Service;

/** The function consuming a queue (its sqs event's arn is !GetAtt <queue>.Arn). */
function consumerOf(queue: string): { timeout?: number } {
  const found = Object.values(service.functions).filter((f) => (f.events ?? []).some((e) => JSON.stringify(e.sqs?.arn ?? null).includes(`"${queue}"`)));
  expect(found, `one consumer of ${queue}`).toHaveLength(1);
  return found[0]!;
}

describe("claim stale times derive from serverless.yml", () => {
  const cases = [
    ["RenewalNotifyQueue", RENEWAL_QUEUES.notify, NOTIFY_CLAIM_STALE_SECONDS],
    ["RenewalAutoRenewQueue", RENEWAL_QUEUES.autoRenew, AUTORENEW_REPORT_STALE_SECONDS],
  ] as const;
  it.each(cases)("%s: visibility timeout and maxReceiveCount as stated; stale > visibility ≥ the consumer's timeout", (queue, stated, stale) => {
    const props = service.resources.Resources[queue]!.Properties;
    expect(props.VisibilityTimeout).toBe(stated.visibilityTimeoutSeconds);
    expect(props.RedrivePolicy?.maxReceiveCount).toBe(stated.maxReceiveCount);
    const timeout = consumerOf(queue).timeout!;
    expect(timeout).toBeLessThanOrEqual(stated.visibilityTimeoutSeconds);
    // The first redelivery meets a busy claim, a later one a stale claim, before the DLQ takes it.
    expect(stale).toBeGreaterThan(stated.visibilityTimeoutSeconds);
    expect(stale).toBeLessThan(stated.visibilityTimeoutSeconds * (stated.maxReceiveCount - 1));
  });

  it("digest: stale time exceeds the digest function's timeout; reminder claims outlive every notify receive", () => {
    expect(service.functions["renewal-digest"]!.timeout).toBe(RENEWAL_DIGEST_TIMEOUT_SECONDS);
    expect(DIGEST_CLAIM_STALE_SECONDS).toBeGreaterThan(RENEWAL_DIGEST_TIMEOUT_SECONDS);
    expect(REMINDER_CLAIM_STALE_SECONDS).toBeGreaterThan(RENEWAL_QUEUES.notify.visibilityTimeoutSeconds * RENEWAL_QUEUES.notify.maxReceiveCount);
  });
});
