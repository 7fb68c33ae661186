/**
 * invoice-email-failed: InvoiceEmailFailedQueue (the on-failure destination of invoice-email's
 * asynchronous S3 invocations) → the original is quarantined with reason `processing-failed` and an
 * invoice.notice.rejected event is published. Wiring only; the work is in shared/email.
 */
import { z } from "zod";
import { loadConfig } from "../../shared/config/index.ts";
import { emailConfigFromEnv } from "../../shared/email/index.ts";
import { createDocumentClient, createLedger } from "../../shared/ledger/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { createPublisher, createSqsClient } from "../../shared/queue/index.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";
import { createInvoiceEmailFailedHandler } from "./app.ts";

const config = loadConfig(process.env, { require: ["INBOUND_BUCKET", "LEDGER_TABLE"] });
const own = z
  .object({ INVOICE_EVENTS_QUEUE_URL: z.url(), INVOICE_EMAIL_CLAIM_STALE_SECONDS: z.coerce.number().int().positive().default(90) })
  .parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== "")));
const emailConfig = emailConfigFromEnv(Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith("INVOICE_EMAIL_") && v)));
const logger = createLogger({ persistentKeys: { function: "invoice-email-failed" } });
const inboundBucket = config.INBOUND_BUCKET!;

export const handler = createInvoiceEmailFailedHandler({
  inboundBucket,
  inboundPrefix: config.INBOUND_PREFIX,
  ports: {
    storage: bucket(s3ClientFromConfig(config), inboundBucket),
    ledger: createLedger({ tableName: config.LEDGER_TABLE!, client: createDocumentClient() }),
    publisher: createPublisher({ client: createSqsClient(config.AWS_REGION), queueUrl: own.INVOICE_EVENTS_QUEUE_URL, groupId: (e) => e.id }),
    config: emailConfig,
    logger,
    staleAfterSeconds: own.INVOICE_EMAIL_CLAIM_STALE_SECONDS,
  },
});
