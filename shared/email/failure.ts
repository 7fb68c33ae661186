/**
 * Messages of the invoice-email on-failure queue (InvoiceEmailFailedQueue), zod-checked: the record
 * Lambda sends to an asynchronous invocation's on-failure destination after the last retry
 * (`requestPayload` = the S3 event, `responsePayload` = the error), or — for a redrive by hand, e.g.
 * from the local engine's S3-events DLQ — the S3 event itself. Pure.
 */
import { z } from "zod";

const S3RecordSchema = z.object({
  eventSource: z.literal("aws:s3"),
  s3: z.object({ bucket: z.object({ name: z.string().min(1) }), object: z.object({ key: z.string().min(1) }) }),
});
const S3EventSchema = z.object({ Records: z.array(S3RecordSchema).min(1) });

export const FailureRecordSchema = z.object({
  requestContext: z.object({ condition: z.string().optional(), approximateInvokeCount: z.number().optional() }).optional(),
  requestPayload: S3EventSchema,
  responseContext: z.object({ functionError: z.string().optional() }).optional(),
  responsePayload: z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).nullish(),
});

export interface FailedObject {
  bucket: string;
  /** Decoded object key. */
  key: string;
  /** Why the invocation failed, as the platform reported it (bounded, no message content). */
  detail: string;
}

export class FailureMessageError extends Error {
  override name = "FailureMessageError";
}

/** Keys in S3 notifications are form-encoded: "+" is a space, the rest percent-encoded UTF-8. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

/** The objects a failure-queue message is about, with the reason. Throws FailureMessageError on anything else. */
export function failedObjects(body: string): FailedObject[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new FailureMessageError("failure message is not JSON");
  }
  const rec = FailureRecordSchema.safeParse(json);
  if (rec.success) {
    const r = rec.data;
    const why = [r.responsePayload?.errorType, r.responsePayload?.errorMessage].filter(Boolean).join(": ") || r.responseContext?.functionError || "failed";
    const tries = r.requestContext?.approximateInvokeCount;
    const detail = `every attempt failed${tries ? ` (${tries} attempts)` : ""}${r.requestContext?.condition ? `, ${r.requestContext.condition}` : ""}: ${why}`.slice(0, 300);
    return r.requestPayload.Records.map((x) => ({ bucket: x.s3.bucket.name, key: decodeKey(x.s3.object.key), detail }));
  }
  const ev = S3EventSchema.safeParse(json);
  if (ev.success) return ev.data.Records.map((x) => ({ bucket: x.s3.bucket.name, key: decodeKey(x.s3.object.key), detail: "redriven after failed attempts" }));
  throw new FailureMessageError(`not an on-failure record or S3 event: ${z.prettifyError(rec.error).slice(0, 300)}`);
}
