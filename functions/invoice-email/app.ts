/**
 * The invoice-email function without its cold-start wiring: parses the S3 ObjectCreated event and
 * runs the intake (shared/email processInboundObject) for each record. handler.ts builds the ports
 * from the environment; tests build them against the emulators (and wrap them to inject failures).
 */
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { z } from "zod";
import { processInboundObject, type IntakePorts, type IntakeReport } from "../../shared/email/index.ts";
import type { MetricsPort } from "../../shared/metrics/index.ts";

/** The part of an S3 event notification (2.x) the function relies on; other fields pass through. */
export const S3ObjectCreatedEventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal("aws:s3"),
        eventName: z.string().startsWith("ObjectCreated:"),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1), size: z.number().int().min(0).optional() }),
        }),
      }),
    )
    .min(1),
});
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEventSchema>;

export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

/** Keys in S3 notifications are form-encoded: "+" is a space, the rest percent-encoded UTF-8. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

export interface InvoiceEmailHandlerOptions {
  ports: IntakePorts;
  /** Objects are only taken from this bucket and under this prefix (the trigger's filter). */
  inboundBucket: string;
  inboundPrefix: string;
  /** Notices by kind (issue 16.2). */
  metrics?: MetricsPort;
}

/** The metric dimension of an intake: notice, needs-review, rejected, quarantined, not-invoice, duplicate or missing. */
export function noticeMetricKind(report: IntakeReport): string {
  if (report.status === "duplicate" || report.status === "missing") return report.status;
  if (report.plan?.copy) return "quarantined";
  if (report.plan?.kind === "rejected") return "rejected";
  if (report.plan?.kind === "invoice-notice") return "notice";
  if (report.plan?.kind === "needs-review") return "needs-review";
  return "not-invoice";
}

export interface InvoiceEmailResult {
  processed: { key: string; status: IntakeReport["status"]; noticeId?: string; kind?: string; eventId?: string }[];
  skipped: { bucket: string; key: string; why: string }[];
}

export function createInvoiceEmailHandler(o: InvoiceEmailHandlerOptions) {
  const base = async (event: unknown, _context: Context): Promise<InvoiceEmailResult> => {
    const parsed = S3ObjectCreatedEventSchema.safeParse(event);
    if (!parsed.success) {
      // Not retriable: the event will never become valid. Logged by the caller's error output.
      throw new InvalidEventError(`not an S3 ObjectCreated event: ${z.prettifyError(parsed.error)}`);
    }
    const out: InvoiceEmailResult = { processed: [], skipped: [] };
    // One record at a time; a failure fails the invocation and the platform retries it (records
    // already done are recognised as duplicates on the retry).
    for (const r of parsed.data.Records) {
      const bucket = r.s3.bucket.name;
      const key = decodeS3Key(r.s3.object.key);
      if (bucket !== o.inboundBucket || !key.startsWith(o.inboundPrefix)) {
        o.ports.logger?.warn("object outside the inbound bucket/prefix; ignored", { bucket, key });
        out.skipped.push({ bucket, key, why: "outside the inbound bucket/prefix" });
        continue;
      }
      const report = await processInboundObject(o.ports, key);
      if (o.metrics) {
        o.metrics.count("Notices", noticeMetricKind(report));
        o.metrics.flush();
      }
      out.processed.push({
        key,
        status: report.status,
        ...(report.plan ? { noticeId: report.plan.noticeId, kind: report.plan.kind } : {}),
        ...(report.plan?.event ? { eventId: report.plan.event.id } : {}),
      });
    }
    return out;
  };
  return middy<unknown, InvoiceEmailResult>().handler(base);
}
