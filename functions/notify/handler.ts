/**
 * notify (RenewalNotifyQueue): renders one customer's due reminders and delivers them on every channel of
 * the customer's directory entry (e-mail via SES v2 — or the local outbox —, DingTalk, Feishu, WeCom,
 * signed webhook), recording each (reminder, channel) in the ledger; stores each reminder for the account
 * manager's daily digest. Wiring only: the steps are shared/notify/deliver.ts.
 */
import { createLedger } from "../../shared/ledger/index.ts";
import { loadConfig } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { createMetrics, deliveryMetricsObserver } from "../../shared/metrics/index.ts";
import { sqsConsumer } from "../../shared/queue/index.ts";
import { bucketDigestStore, fetchPoster, lazyTemplateSet, refResolver } from "../../shared/notify/adapters.ts";
import { deliverReminders } from "../../shared/notify/deliver.ts";
import { renewalEmailSender } from "../../shared/renewal/email.ts";
import { RenewalNotify, perInstanceRate } from "../../shared/renewal/messages.ts";
import { parseRenewalSettings, partnerIdentity } from "../../shared/renewal/settings.ts";
import { NOTIFY_CLAIM_STALE_SECONDS } from "../../shared/renewal/timing.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";

const config = loadConfig(process.env, { require: ["LEDGER_TABLE", "IDEMPOTENCY_TABLE"] });
const settings = parseRenewalSettings(process.env, perInstanceRate);
const logger = createLogger({ persistentKeys: { function: "notify" } });
const metrics = createMetrics();
const onChannel = deliveryMetricsObserver(metrics);
if (!settings.RENEWAL_CONFIG_BUCKET) throw new Error("RENEWAL_CONFIG_BUCKET: required by this function but not set");
const configBucket = bucket(s3ClientFromConfig(config), settings.RENEWAL_CONFIG_BUCKET);
const ledger = createLedger({ tableName: config.LEDGER_TABLE! });
const email = renewalEmailSender(settings, () => configBucket);
const http = fetchPoster({ timeoutMs: settings.RENEWAL_HTTP_TIMEOUT_MS });
const resolveRef = refResolver({ env: process.env, port: config.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT });
const digest = bucketDigestStore(configBucket, settings.RENEWAL_DIGEST_PREFIX);
const templates = lazyTemplateSet(configBucket, settings.RENEWAL_TEMPLATES_PREFIX, logger);
const options = {
  unlisted: settings.RENEWAL_UNLISTED,
  ccAccountManager: settings.RENEWAL_CC_ACCOUNT_MANAGER,
  digestFallback: settings.RENEWAL_DIGEST_FALLBACK_EMAIL ? { name: "Renewal desk", email: settings.RENEWAL_DIGEST_FALLBACK_EMAIL } : undefined,
  // The notify queue's visibility timeout + a margin: an older unfinished claim is a crashed attempt.
  staleAfterSeconds: NOTIFY_CLAIM_STALE_SECONDS,
  // A concurrent attempt (the same reminder in two messages) usually finishes within seconds.
  waitForBusyMs: 5_000,
  partner: partnerIdentity(settings),
};

export const handler = sqsConsumer(
  RenewalNotify,
  async (message) => {
    const { customer, reminders, runDate } = message.data;
    let result;
    try {
      result = await deliverReminders({ runDate, customer, reminders, ledger, email, http, resolveRef, digest, options: { ...options, templates: await templates() }, onChannel });
    } finally {
      metrics.flush();
    }
    logger.info("reminders delivered", { customerId: customer.customerId, reminders: reminders.length, entry: result.entry, digest: result.digest, channels: result.channels });
  },
  { idempotency: { tableName: config.IDEMPOTENCY_TABLE!, expiresAfterSeconds: config.IDEMPOTENCY_EXPIRES_SECONDS }, logger, failures: ledger },
);
