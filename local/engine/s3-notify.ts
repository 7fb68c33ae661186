/**
 * S3 ObjectCreated notifications for the embedded engine. fauxqs has no bucket notifications, so
 * the engine listens to its upload events; each upload that matches a function's `s3` event
 * (bucket, event name, prefix/suffix rules) becomes a message on an internal queue (persisted like
 * every queue), and a poller turns it into an S3 event and invokes the function asynchronously —
 * retried on failure, and parked in the internal DLQ after 3 attempts, much like Lambda's async
 * invocation. Pure helpers are exported for tests.
 */
import { z } from "zod";
import type { S3Event, S3EventRecord } from "aws-lambda";

export const S3_EVENTS_QUEUE = "partner-ops-engine-s3-events";
export const S3_EVENTS_DLQ = "partner-ops-engine-s3-events-dlq";
export const S3_EVENTS_MAX_RECEIVES = 3;

export interface S3Subscription {
  fn: string;
  bucket: string;
  event: string;
  rules: { prefix?: string | undefined; suffix?: string | undefined }[];
  configurationId: string;
}

/** Does an `s3:ObjectCreated:Put` of `key` in `bucket` match this subscription? Pure. */
export function subscriptionMatches(sub: S3Subscription, bucket: string, key: string, eventName = "ObjectCreated:Put"): boolean {
  if (sub.bucket !== bucket) return false;
  const wanted = sub.event.replace(/^s3:/, "");
  const ok = wanted === "*" || wanted === eventName || (wanted.endsWith(":*") && eventName.startsWith(wanted.slice(0, -1)));
  if (!ok) return false;
  return sub.rules.every((r) => (r.prefix === undefined || key.startsWith(r.prefix)) && (r.suffix === undefined || key.endsWith(r.suffix)));
}

/**
 * Object keys in S3 event notifications are URL-encoded form values: space → "+", everything
 * outside [A-Za-z0-9.-_*] and "/" percent-encoded as UTF-8. Pure.
 */
export function encodeS3EventKey(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_*/]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export const pendingNotification = z.object({
  fn: z.string(),
  bucket: z.string(),
  key: z.string(),
  eventName: z.string(),
  eventTime: z.string(),
  sequencer: z.string(),
  configurationId: z.string(),
});
export type PendingNotification = z.infer<typeof pendingNotification>;

export function s3EventRecord(n: PendingNotification, object: { size: number; eTag: string | undefined }, region: string): S3EventRecord {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: region,
    eventTime: n.eventTime,
    eventName: n.eventName as S3EventRecord["eventName"],
    userIdentity: { principalId: "AWS:LOCAL" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: { "x-amz-request-id": n.sequencer.slice(0, 16), "x-amz-id-2": "partner-ops-engine" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: n.configurationId,
      bucket: { name: n.bucket, ownerIdentity: { principalId: "LOCAL" }, arn: `arn:aws:s3:::${n.bucket}` },
      object: {
        key: encodeS3EventKey(n.key),
        size: object.size,
        eTag: (object.eTag ?? "").replace(/"/g, ""),
        sequencer: n.sequencer,
      },
    },
  };
}

export function s3Event(record: S3EventRecord): S3Event {
  return { Records: [record] };
}

let sequence = 0n;
/** Monotonic hex sequencer, like S3's (orders events for the same key). */
export function nextSequencer(now = Date.now()): string {
  sequence += 1n;
  return (BigInt(now) * 1_000_000n + (sequence % 1_000_000n)).toString(16).toUpperCase().padStart(18, "0");
}
