/**
 * invoice-email: S3 ObjectCreated on the inbound-mail bucket (prefix inbound/) → invoicing notice
 * stored next to the original + invoice.notice.received / invoice.notice.rejected on the events
 * queue. Wiring only: configuration and clients once per cold start; the work is in shared/email.
 */
import { z } from "zod";
import { loadConfig } from "../../shared/config/index.ts";
import { emailConfigFromEnv } from "../../shared/email/index.ts";
import { createDocumentClient, createLedger } from "../../shared/ledger/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { createMetrics } from "../../shared/metrics/index.ts";
import { createPublisher, createSqsClient } from "../../shared/queue/index.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";
import { createInvoiceEmailHandler } from "./app.ts";

const config = loadConfig(process.env, { require: ["INBOUND_BUCKET", "LEDGER_TABLE"] });
const own = z
  .object({
    INVOICE_EVENTS_QUEUE_URL: z.url(),
    INVOICE_EMAIL_CLAIM_STALE_SECONDS: z.coerce.number().int().positive().default(90),
  })
  .parse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== "")));
// Empty values (e.g. `${param:x, ''}`) mean "use the default", never "an empty allow-list".
const emailConfig = emailConfigFromEnv(Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith("INVOICE_EMAIL_") && v)));

const logger = createLogger({ persistentKeys: { function: "invoice-email" } });
const inboundBucket = config.INBOUND_BUCKET!;

export const handler = createInvoiceEmailHandler({
  inboundBucket,
  inboundPrefix: config.INBOUND_PREFIX,
  metrics: createMetrics(),
  ports: {
    storage: bucket(s3ClientFromConfig(config), inboundBucket),
    ledger: createLedger({ tableName: config.LEDGER_TABLE!, client: createDocumentClient() }),
    publisher: createPublisher({
      client: createSqsClient(config.AWS_REGION),
      queueUrl: own.INVOICE_EVENTS_QUEUE_URL,
      // One message group per notice: notices do not wait for each other.
      groupId: (e) => e.id,
    }),
    config: emailConfig,
    logger,
    staleAfterSeconds: own.INVOICE_EMAIL_CLAIM_STALE_SECONDS,
  },
});
