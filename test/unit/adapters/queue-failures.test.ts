import { describe, expect, it } from "vitest";
import { failureKey, failureReason, failureRecord, parseFailureAttrs, REASON_MAX } from "../../../shared/queue/failures.ts";

describe("queue failure records (pure)", () => {
  it("reason: error name + message, one line, credentials and ID numbers masked, bounded", () => {
    const r = failureReason(new RangeError("customer 11010119900307001X\nAuthorization: Bearer abc.def rejected"));
    expect(r).toBe("RangeError: customer [REDACTED] Authorization: Bearer [REDACTED] rejected");
    expect(failureReason("plain")).toBe("string: plain");
    expect(failureReason(new Error("x".repeat(5000))).length).toBe(REASON_MAX);
  });

  it("record: keyed by the queue (from the ARN) and the SQS message id", () => {
    const f = failureRecord(
      { messageId: "m-1", eventSourceARN: "arn:aws:sqs:cn-north-4:123456789012:partner-ops-prod-renewal-notify", attributes: { ApproximateReceiveCount: "3" } as never },
      new Error("webhook answered 503"),
      Date.parse("2026-12-06T01:00:00Z"),
    );
    expect(f.key).toBe(failureKey("partner-ops-prod-renewal-notify", "m-1"));
    expect(f.key).toBe("failure#partner-ops-prod-renewal-notify#m-1");
    expect(f.attrs).toEqual({ messageId: "m-1", queue: "partner-ops-prod-renewal-notify", reason: "Error: webhook answered 503", at: "2026-12-06T01:00:00.000Z", receiveCount: 3 });
    expect(parseFailureAttrs(f.attrs)).toEqual(f.attrs);
    expect(parseFailureAttrs({ note: "flagged" })).toBeUndefined();
  });
});
