/**
 * Environment of the renewal functions (beyond shared/config), validated with zod. Pure: the handlers
 * call parseRenewalSettings(process.env) once per cold start.
 */
import { z } from "zod";
import type { PartnerIdentity } from "../notify/templates.ts";
import { type RenewalDecisionConfig, parseRenewalDecisionConfig } from "./config.ts";

/** The Billing Center renewals page (费用中心 > 续费管理) of the China site; verify it for the partner's site. */
export const DEFAULT_RENEW_URL = "https://account.huaweicloud.com/usercenter/#/userindex/renewalManagement";

const boolString = z.stringbool({ truthy: ["true", "1", "yes"], falsy: ["false", "0", "no", ""] });

export const renewalSettingsSchema = z.object({
  /** Bucket holding the contacts directory (and, locally, the e-mail outbox and digest items). */
  RENEWAL_CONFIG_BUCKET: z.string().min(3).optional(),
  /** Key of the contacts directory (.json or .csv). */
  RENEWAL_CONTACTS_KEY: z.string().min(1).default("renewal/contacts.json"),
  /** ListSubCustomers association types to scan: "2" reseller (China site), "3" resale (international site); add "1" for advisory customers. */
  RENEWAL_ASSOCIATION_TYPES: z
    .string()
    .default("2")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["1", "2", "3"])).min(1)),
  /** JSON of the decision configuration (windows, statuses, site, …); `{}` = defaults. */
  RENEWAL_DECISION_CONFIG: z.string().default("{}"),
  /** BSS requests per second per API that all instances together may use. */
  BSS_RATE_PER_SECOND: z.coerce.number().positive().default(10),
  /** Must equal the scan function's maximumConcurrency in serverless.yml. */
  RENEWAL_SCAN_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  /** Customers missing from the directory: "bss-email" (mail the account's BSS address) or "skip". */
  RENEWAL_UNLISTED: z.enum(["bss-email", "skip"]).default("bss-email"),
  /** "ses" (AWS) or "outbox" (raw .eml objects in the config bucket; local engine). */
  RENEWAL_EMAIL_TRANSPORT: z.enum(["ses", "outbox"]).default("ses"),
  RENEWAL_EMAIL_FROM: z.string().min(3).default("renewals@example.com"),
  RENEWAL_SES_CONFIGURATION_SET: z.string().min(1).optional(),
  RENEWAL_OUTBOX_PREFIX: z.string().default("outbox/"),
  RENEWAL_DIGEST_PREFIX: z.string().default("renewal-digest/"),
  /** Digest recipient for customers without an account manager (empty: those are not digested). */
  RENEWAL_DIGEST_FALLBACK_EMAIL: z.union([z.literal(""), z.email()]).default(""),
  RENEWAL_DIGEST_LANGUAGE: z.enum(["zh", "en"]).default("zh"),
  RENEWAL_CC_ACCOUNT_MANAGER: boolString.default(true),
  /** Timeout of robot/webhook calls, ms. */
  RENEWAL_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  // --- the partner's identity in every message (issue 16.5); empty leaves the part out
  RENEWAL_PARTNER_NAME: z.string().max(128).default(""),
  /** Display name of RENEWAL_EMAIL_FROM. */
  RENEWAL_SENDER_NAME: z.string().max(128).default(""),
  /** Support contact shown in the footer (phone, e-mail or URL). */
  RENEWAL_SUPPORT_CONTACT: z.string().max(256).default(""),
  /** Signature lines; "\n" separates lines. */
  RENEWAL_SIGNATURE: z.string().max(1024).default(""),
  /**
   * Renewal link per resource (https): `{resource_id}`, `{region}`, `{customer_id}` are replaced. Default:
   * the Billing Center renewals page (费用中心 > 续费管理) of the China site; `none` for no link.
   */
  RENEWAL_RENEW_URL: z
    .string()
    .default(DEFAULT_RENEW_URL)
    .refine((v) => v === "none" || /^https:\/\/[^\s/]+\/\S*$/.test(v), "must be an https URL or none")
    .transform((v) => (v === "none" ? "" : v)),
  /** Template overrides in the config bucket: <prefix>reminder.zh.yml etc. (missing files: the defaults). */
  RENEWAL_TEMPLATES_PREFIX: z.string().default("renewal/templates/"),
});

export type RenewalSettings = z.output<typeof renewalSettingsSchema> & { decision: RenewalDecisionConfig; scanRatePerSecond: number };

/** The partner's identity of the messages, from the settings. */
export function partnerIdentity(s: RenewalSettings): PartnerIdentity {
  return { name: s.RENEWAL_PARTNER_NAME, senderName: s.RENEWAL_SENDER_NAME, support: s.RENEWAL_SUPPORT_CONTACT, signature: s.RENEWAL_SIGNATURE, renewUrl: s.RENEWAL_RENEW_URL };
}

export class RenewalSettingsError extends Error {
  override name = "RenewalSettingsError";
}

export function parseRenewalSettings(env: NodeJS.ProcessEnv, perInstance: (total: number, concurrency: number) => number): RenewalSettings {
  const input: Record<string, string> = {};
  for (const k of Object.keys(renewalSettingsSchema.shape)) {
    const v = env[k];
    if (v !== undefined && v !== "") input[k] = v;
  }
  const r = renewalSettingsSchema.safeParse(input);
  if (!r.success) throw new RenewalSettingsError(`invalid renewal configuration: ${r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}`);
  let json: unknown;
  try {
    json = JSON.parse(r.data.RENEWAL_DECISION_CONFIG);
  } catch {
    throw new RenewalSettingsError("RENEWAL_DECISION_CONFIG is not JSON");
  }
  const decision = parseRenewalDecisionConfig(json);
  return { ...r.data, decision, scanRatePerSecond: perInstance(r.data.BSS_RATE_PER_SECOND, r.data.RENEWAL_SCAN_CONCURRENCY) };
}
