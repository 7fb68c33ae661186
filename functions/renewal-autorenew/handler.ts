/**
 * renewal-autorenew (RenewalAutoRenewQueue): optional auto-renew of one allow-listed main resource
 * whose reminder is due. Customer token (assume_role) → renewal price → dry-run: record and report
 * "would renew X for ¥Y"; on: RenewalResources → PayOrders v3 (safe wrappers), each step recorded in
 * the ledger (`autorenew#<customer>#<resource>#<expiry>`) so nothing is renewed or paid twice.
 * Wiring only: the steps are shared/renewal/autorenew-pipeline.ts.
 */
import { loadConfig } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { sqsConsumer } from "../../shared/queue/index.ts";
import { RenewalAutoRenew, parseAutoRenewSettings } from "../../shared/renewal/autorenew.ts";
import { bssAutoRenewPort, bssErrorFacts, emailReporter } from "../../shared/renewal/autorenew-io.ts";
import { processAutoRenew } from "../../shared/renewal/autorenew-pipeline.ts";
import { lazyBssClient } from "../../shared/renewal/io.ts";
import { renewalEmailSender } from "../../shared/renewal/email.ts";
import { perInstanceRate } from "../../shared/renewal/messages.ts";
import { parseRenewalSettings, partnerIdentity } from "../../shared/renewal/settings.ts";
import { lazyTemplateSet } from "../../shared/notify/adapters.ts";
import { renderAutoRenewReport } from "../../shared/notify/templates.ts";
import { createLedger } from "../../shared/ledger/index.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";
import { bssMetricsObserver, createMetrics } from "../../shared/metrics/index.ts";

const config = loadConfig(process.env, { require: ["LEDGER_TABLE", "IDEMPOTENCY_TABLE"], secrets: ["HWC_AK", "HWC_SK"] });
const settings = parseRenewalSettings(process.env, perInstanceRate);
const autoRenew = parseAutoRenewSettings(process.env);
const logger = createLogger({ persistentKeys: { function: "renewal-autorenew" } });
const ledger = createLedger({ tableName: config.LEDGER_TABLE! });
// Low volume: one instance at a time (maximumConcurrency 2 in serverless.yml) at a fraction of the budget.
const metrics = createMetrics();
const bss = lazyBssClient(config, perInstanceRate(settings.BSS_RATE_PER_SECOND, 2), bssMetricsObserver(metrics));
const configBucket = () => bucket(s3ClientFromConfig(config), settings.RENEWAL_CONFIG_BUCKET ?? "");
const email = renewalEmailSender(settings, configBucket);
const templates = lazyTemplateSet(configBucket(), settings.RENEWAL_TEMPLATES_PREFIX, logger);
const report = emailReporter(email, async (r) =>
  renderAutoRenewReport(r, { language: settings.RENEWAL_DIGEST_LANGUAGE, timeZone: settings.decision.defaultTimeZone, partner: partnerIdentity(settings), templates: await templates() }),
);

export const handler = sqsConsumer(
  RenewalAutoRenew,
  async (message) => {
    const port = bssAutoRenewPort(await bss());
    let out;
    try {
      out = await processAutoRenew({ message, settings: autoRenew, ledger, bss: port, report, errorFacts: bssErrorFacts, now: Date.now });
    } finally {
      metrics.flush();
    }
    const { customerId } = message.data.customer;
    if (out.outcome === "dropped") {
      logger.info("auto-renew dropped", { customerId, mainResourceId: message.data.mainResourceId, reason: out.reason, configuredMode: autoRenew.mode });
      return;
    }
    const s = out.state;
    logger.info("auto-renew outcome", {
      customerId,
      mainResourceId: message.data.mainResourceId,
      expireTime: message.data.expireTime,
      mode: message.data.mode,
      state: out.outcome,
      amount: s["amount"],
      currency: s["currency"],
      wouldRenew: s["wouldRenew"],
      orderIds: s["orderIds"],
      code: s["code"],
      stage: s["stage"],
      reason: s["reason"],
      alreadyDone: out.alreadyDone,
      reported: out.reported,
    });
  },
  { idempotency: { tableName: config.IDEMPOTENCY_TABLE!, expiresAfterSeconds: config.IDEMPOTENCY_EXPIRES_SECONDS }, logger, failures: ledger },
);
