/**
 * invoice-email-failed without its cold-start wiring: consumes InvoiceEmailFailedQueue (the
 * invoice-email function's on-failure destination) and quarantines each object whose every attempt
 * failed (shared/email quarantineFailedObject). A message it cannot handle (bad body, storage or
 * queue error) is reported as a batch item failure: SQS redelivers it and, after maxReceiveCount,
 * moves it to InvoiceEmailFailedDLQ — a failed mail is never dropped.
 */
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { failedObjects, quarantineFailedObject, type IntakePorts, type IntakeReport } from "../../shared/email/index.ts";

export interface InvoiceEmailFailedOptions {
  ports: IntakePorts;
  inboundBucket: string;
  inboundPrefix: string;
}

export interface InvoiceEmailFailedResult extends SQSBatchResponse {
  quarantined: { key: string; status: IntakeReport["status"]; noticeId?: string }[];
}

export function createInvoiceEmailFailedHandler(o: InvoiceEmailFailedOptions) {
  const log = o.ports.logger;
  const base = async (event: SQSEvent, _context: Context): Promise<InvoiceEmailFailedResult> => {
    const out: InvoiceEmailFailedResult = { batchItemFailures: [], quarantined: [] };
    for (const record of event.Records) {
      try {
        for (const f of failedObjects(record.body)) {
          if (f.bucket !== o.inboundBucket || !f.key.startsWith(o.inboundPrefix)) {
            log?.warn("failed object outside the inbound bucket/prefix; ignored", { bucket: f.bucket, key: f.key });
            continue;
          }
          const report = await quarantineFailedObject(o.ports, f.key, f.detail);
          out.quarantined.push({ key: f.key, status: report.status, ...(report.plan ? { noticeId: report.plan.noticeId } : {}) });
          if (report.status === "processed") log?.warn("invoice mail quarantined after every attempt failed", { sourceKey: f.key, noticeId: report.plan?.noticeId, detail: f.detail });
        }
      } catch (err) {
        log?.error("could not handle an invoice-email failure record; it is retried, then kept in the DLQ", { messageId: record.messageId, error: (err as Error).message.slice(0, 300) });
        out.batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return out;
  };
  return middy<SQSEvent, InvoiceEmailFailedResult>().handler(base);
}
