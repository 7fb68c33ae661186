/**
 * Environment of the renewal functions (beyond shared/config), validated with zod. Pure: the handlers
 * call parseRenewalSettings(process.env) once per cold start.
 */
import { z } from "zod";
import { type RenewalDecisionConfig, parseRenewalDecisionConfig } from "./config.ts";

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
});

export type RenewalSettings = z.output<typeof renewalSettingsSchema> & { decision: RenewalDecisionConfig; scanRatePerSecond: number };

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
