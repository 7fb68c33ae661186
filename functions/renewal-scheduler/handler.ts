/**
 * renewal-scheduler (schedule, default cron(0 1 * * ? *) = 09:00 China time): pages ListSubCustomers
 * (reseller customers; advisory ones only if RENEWAL_ASSOCIATION_TYPES includes "1") and publishes one
 * renewal.scan message per customer to RenewalScanQueue, at most once per (customer, run date).
 * Wiring only: the steps are shared/renewal/pipeline.ts.
 */
import middy from "@middy/core";
import { z } from "zod";
import { loadConfig, queueUrl } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { createPublisher, createSqsClient } from "../../shared/queue/index.ts";
import { lazyBssClient, ledgerPort, loadDirectory } from "../../shared/renewal/io.ts";
import { perInstanceRate } from "../../shared/renewal/messages.ts";
import { type SubCustomer, runDateOf, scheduleScans } from "../../shared/renewal/pipeline.ts";
import { parseRenewalSettings } from "../../shared/renewal/settings.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";
import { bssMetricsObserver, createMetrics } from "../../shared/metrics/index.ts";

const config = loadConfig(process.env, { require: ["LEDGER_TABLE"], secrets: ["HWC_AK", "HWC_SK"] });
const settings = parseRenewalSettings(process.env, perInstanceRate);
const logger = createLogger({ persistentKeys: { function: "renewal-scheduler" } });
const scanQueue = queueUrl(config, "RENEWAL_SCAN_QUEUE_URL");
if (!settings.RENEWAL_CONFIG_BUCKET) throw new Error("RENEWAL_CONFIG_BUCKET: required by this function but not set");
const configBucket = bucket(s3ClientFromConfig(config), settings.RENEWAL_CONFIG_BUCKET);
const publisher = createPublisher({ client: createSqsClient(config.AWS_REGION), queueUrl: scanQueue });
const ledger = ledgerPort(config.LEDGER_TABLE!);
// The scheduler runs alone: it may use the whole ListSubCustomers budget.
const metrics = createMetrics();
const bss = lazyBssClient(config, settings.BSS_RATE_PER_SECOND, bssMetricsObserver(metrics));

/** EventBridge scheduled event (or `{}` from `partner-ops invoke`); only `time` is used. */
const scheduledEvent = z.looseObject({ time: z.iso.datetime({ offset: true }).optional() });

/** Writes the BSS metrics of a run whatever its outcome. */
async function countedSchedule<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } finally {
    metrics.flush();
  }
}

export const handler = middy(async (event: unknown) => {
  const parsed = scheduledEvent.safeParse(event ?? {});
  if (!parsed.success) throw new Error(`not a scheduled event: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  const at = parsed.data.time ? Date.parse(parsed.data.time) : Date.now();
  const runDate = runDateOf(at, settings.decision.defaultTimeZone);
  const client = await bss();
  const directory = await loadDirectory(configBucket, settings.RENEWAL_CONTACTS_KEY, logger);
  async function* customers(): AsyncGenerator<SubCustomer> {
    for (const type of settings.RENEWAL_ASSOCIATION_TYPES) yield* client.subCustomers({ association_type: type });
  }
  const result = await countedSchedule(() => scheduleScans({
    customers: customers(),
    associationTypes: new Set(settings.RENEWAL_ASSOCIATION_TYPES),
    directory,
    runDate,
    scheduledAt: new Date(at).toISOString(),
    ledger,
    publish: async (envelopes) => {
      await publisher.publish(envelopes);
    },
  }));
  logger.info("renewal scans scheduled", { runDate, ...result });
  if (result.failed > 0) throw new Error(`${result.failed} scan message(s) not published; the schedule's retry publishes them`);
  return result;
});
