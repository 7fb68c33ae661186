/**
 * renewal-digest (schedule, default cron(0 3 * * ? *) = 11:00 China time, two hours after the scan):
 * sends each account manager ONE e-mail per day with every reminder stored for them since their last
 * digest. Wiring only: the step is shared/notify/deliver.ts runDigest.
 */
import middy from "@middy/core";
import { z } from "zod";
import { loadConfig } from "../../shared/config/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { bucketDigestStore, lazyTemplateSet } from "../../shared/notify/adapters.ts";
import { runDigest } from "../../shared/notify/deliver.ts";
import { ledgerPort } from "../../shared/renewal/io.ts";
import { renewalEmailSender } from "../../shared/renewal/email.ts";
import { perInstanceRate } from "../../shared/renewal/messages.ts";
import { runDateOf } from "../../shared/renewal/pipeline.ts";
import { parseRenewalSettings, partnerIdentity } from "../../shared/renewal/settings.ts";
import { DIGEST_CLAIM_STALE_SECONDS } from "../../shared/renewal/timing.ts";
import { bucket, s3ClientFromConfig } from "../../shared/storage/index.ts";

const config = loadConfig(process.env, { require: ["LEDGER_TABLE"] });
const settings = parseRenewalSettings(process.env, perInstanceRate);
const logger = createLogger({ persistentKeys: { function: "renewal-digest" } });
if (!settings.RENEWAL_CONFIG_BUCKET) throw new Error("RENEWAL_CONFIG_BUCKET: required by this function but not set");
const configBucket = bucket(s3ClientFromConfig(config), settings.RENEWAL_CONFIG_BUCKET);
const ledger = ledgerPort(config.LEDGER_TABLE!);
const email = renewalEmailSender(settings, () => configBucket);
const store = bucketDigestStore(configBucket, settings.RENEWAL_DIGEST_PREFIX);
const templates = lazyTemplateSet(configBucket, settings.RENEWAL_TEMPLATES_PREFIX, logger);
const scheduledEvent = z.looseObject({ time: z.iso.datetime({ offset: true }).optional() });

export const handler = middy(async (event: unknown) => {
  const parsed = scheduledEvent.safeParse(event ?? {});
  if (!parsed.success) throw new Error("not a scheduled event");
  const at = parsed.data.time ? Date.parse(parsed.data.time) : Date.now();
  const date = runDateOf(at, settings.decision.defaultTimeZone);
  const result = await runDigest({
    date,
    language: settings.RENEWAL_DIGEST_LANGUAGE,
    ledger,
    email,
    store,
    staleAfterSeconds: DIGEST_CLAIM_STALE_SECONDS,
    partner: partnerIdentity(settings),
    templates: await templates(),
  });
  logger.info("renewal digests", { date, ...result });
  return result;
});
