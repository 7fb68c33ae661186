/**
 * The renewal functions' e-mail transport (notify, digest, auto-renew reports). Its own module so
 * that functions which send no mail do not bundle the SES client and the MIME composer.
 */
import { outboxEmailSender, sesEmailSender } from "../notify/adapters.ts";
import type { EmailSender } from "../notify/deliver.ts";
import type { Bucket } from "../storage/index.ts";
import type { RenewalSettings } from "./settings.ts";

/**
 * The e-mail transport the settings choose: SES v2, or raw .eml objects under the outbox prefix of
 * the config bucket (`outboxBucket` is only called for the outbox).
 */
export function renewalEmailSender(settings: RenewalSettings, outboxBucket: () => Bucket): EmailSender {
  const from = settings.RENEWAL_SENDER_NAME ? { name: settings.RENEWAL_SENDER_NAME, address: settings.RENEWAL_EMAIL_FROM } : settings.RENEWAL_EMAIL_FROM;
  return settings.RENEWAL_EMAIL_TRANSPORT === "ses"
    ? sesEmailSender({ from, configurationSet: settings.RENEWAL_SES_CONFIGURATION_SET })
    : outboxEmailSender({ from, bucket: outboxBucket(), prefix: settings.RENEWAL_OUTBOX_PREFIX, timeZone: settings.decision.defaultTimeZone });
}
