/**
 * renewal-scan (RenewalScanQueue): pages one customer's yearly/monthly resources, decides the due
 * reminders, claims each in the ledger and publishes only the new ones to RenewalNotifyQueue.
 * BSS rate per instance = floor(BSS_RATE_PER_SECOND / RENEWAL_SCAN_CONCURRENCY), so all instances
 * together stay within the budget. After a successful scan the customer's inventory snapshot
 * (shared/renewal/inventory.ts) is written once to the ledger table for the ops console. Wiring only: the steps are shared/renewal/pipeline.ts.
 */
import { loadConfig, queueUrl } from "../../shared/config/index.ts";
import { createLedger } from "../../shared/ledger/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { bssMetricsObserver, createMetrics } from "../../shared/metrics/index.ts";
import { createPublisher, createSqsClient, sqsConsumer } from "../../shared/queue/index.ts";
import type { OrderInstance } from "../../shared/bss/schemas.ts";
import { collectingUsable, inventorySnapshot } from "../../shared/renewal/inventory.ts";
import { inventoryWriter, lazyBssClient } from "../../shared/renewal/io.ts";
import { RenewalScan, perInstanceRate } from "../../shared/renewal/messages.ts";
import { scanCustomer, type SkippedRecord } from "../../shared/renewal/pipeline.ts";
import { parseRenewalSettings } from "../../shared/renewal/settings.ts";
import { parseAutoRenewSettings } from "../../shared/renewal/autorenew.ts";
import { enqueueAutoRenew } from "../../shared/renewal/autorenew-pipeline.ts";

const config = loadConfig(process.env, { require: ["LEDGER_TABLE", "IDEMPOTENCY_TABLE"], secrets: ["HWC_AK", "HWC_SK"] });
const settings = parseRenewalSettings(process.env, perInstanceRate);
const logger = createLogger({ persistentKeys: { function: "renewal-scan" } });
const publisher = createPublisher({ client: createSqsClient(config.AWS_REGION), queueUrl: queueUrl(config, "RENEWAL_NOTIFY_QUEUE_URL") });
const ledger = createLedger({ tableName: config.LEDGER_TABLE! });
const writeInventory = inventoryWriter(config.LEDGER_TABLE!);
const metrics = createMetrics();
const bss = lazyBssClient(config, settings.scanRatePerSecond, bssMetricsObserver(metrics));
// Optional auto-renew (off by default): eligible due reminders are enqueued on RenewalAutoRenewQueue.
const autoRenew = parseAutoRenewSettings(process.env);
const autoRenewPublisher =
  autoRenew.mode === "off" ? undefined : createPublisher({ client: createSqsClient(config.AWS_REGION), queueUrl: queueUrl(config, "RENEWAL_AUTORENEW_QUEUE_URL") });

export const handler = sqsConsumer(
  RenewalScan,
  async (message) => {
    const client = await bss();
    // The inventory snapshot lists the usable records; the scan reports the others (onSkippedRecord).
    const seen: OrderInstance[] = [];
    const skippedRecords: SkippedRecord[] = [];
    const now = Date.now();
    let result;
    try {
      result = await scanCustomer({
        message,
        resources: collectingUsable(client.customerResources(message.data.customer.customerId, {}, { pageSize: 100 }), seen),
        onSkippedRecord: (skipped) => {
          skippedRecords.push(skipped);
          logger.warn("resource record skipped: it lacks a field the renewal decision needs", { customerId: message.data.customer.customerId, ...skipped });
        },
        config: settings.decision,
        now,
        ledger,
        publish: async (envelopes) => {
          await publisher.publish(envelopes);
        },
        afterPublish: async (due) => {
          if (!autoRenewPublisher) return;
          const queued = await enqueueAutoRenew({
            scanId: message.id,
            runDate: message.data.runDate,
            customer: message.data.customer,
            due,
            settings: autoRenew,
            ledger,
            publish: async (envelopes) => {
              await autoRenewPublisher.publish(envelopes);
            },
          });
          if (queued.eligible > 0) logger.info("auto-renew requests", { customerId: message.data.customer.customerId, mode: autoRenew.mode, ...queued });
        },
      });
      metrics.count("RecordsSkipped", undefined, result.skippedRecords);
    } finally {
      metrics.flush(); // BSS calls are counted whatever the outcome
    }
    await writeInventory(
      inventorySnapshot({ customer: message.data.customer, resources: seen, runDate: message.data.runDate, now, defaultTimeZone: settings.decision.defaultTimeZone, skipped: skippedRecords }),
    );
    logger.info("customer scanned", { customerId: message.data.customer.customerId, runDate: message.data.runDate, ...result });
  },
  { idempotency: { tableName: config.IDEMPOTENCY_TABLE!, expiresAfterSeconds: config.IDEMPOTENCY_EXPIRES_SECONDS }, logger, failures: ledger },
);
