/**
 * Configuration of the renewal-reminder decision, validated with zod. Every field has a default, so
 * `parseRenewalDecisionConfig({})` is the documented default configuration.
 *
 * Facts behind the defaults (reference/partner-processes.md B, reference/bss-api.md §5.1):
 * - Resource status codes: 2 in use, 3 closed (hidden in the console), 4 frozen (= 保留期, "已冻结"),
 *   5 expired (= 宽限期, "已过期"). Default counted statuses: 2, 4, 5 (a closed resource is not reminded).
 * - expire_policy 3 is the only code meaning auto-renew is on; such resources are skipped by default.
 * - Grace (宽限期) / retention (保留期) days of yearly/monthly resources by customer level, China site:
 *   V5 7/15, V4 and V3 7/7, V2 1/7, V1 and V0 1/1 (the reference warns the table had merged cells:
 *   verify before relying on it — hence configurable). International site: retention 15 days; its
 *   grace days are not in the reference, so the China grace days are reused (unconfirmed).
 * - A level we do not know (missing or unexpected `customer_level`) uses the SHORTEST grace and
 *   retention of the table: we would rather say "data at risk" a little early than too late.
 */
import { z } from "zod";
import { resourceStatus } from "../bss/schemas.ts";
import { isValidTimeZone } from "./calendar.ts";

export const DEFAULT_WINDOWS_DAYS = [30, 15, 7, 3, 1] as const;
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";
export const DEFAULT_STATUSES = [2, 4, 5] as const;

export interface PhaseDays {
  graceDays: number;
  retentionDays: number;
}

export const CUSTOMER_LEVELS = ["V0", "V1", "V2", "V3", "V4", "V5"] as const;
export type CustomerLevel = (typeof CUSTOMER_LEVELS)[number];

/** China site (中国站), yearly/monthly resources. */
export const CN_PHASE_DAYS: Readonly<Record<CustomerLevel, PhaseDays>> = Object.freeze({
  V5: { graceDays: 7, retentionDays: 15 },
  V4: { graceDays: 7, retentionDays: 7 },
  V3: { graceDays: 7, retentionDays: 7 },
  V2: { graceDays: 1, retentionDays: 7 },
  V1: { graceDays: 1, retentionDays: 1 },
  V0: { graceDays: 1, retentionDays: 1 },
});

/** International site: retention 15 days [doc]; grace days copied from the China table (unconfirmed). */
export const INTL_PHASE_DAYS: Readonly<Record<CustomerLevel, PhaseDays>> = Object.freeze(
  Object.fromEntries(CUSTOMER_LEVELS.map((l) => [l, { graceDays: CN_PHASE_DAYS[l].graceDays, retentionDays: 15 }])) as Record<
    CustomerLevel,
    PhaseDays
  >,
);

export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: "unknown IANA time zone (examples: Asia/Shanghai, America/New_York, Etc/GMT+12)" });

const phaseDaysSchema = z.strictObject({
  graceDays: z.number().int().min(0).max(366),
  retentionDays: z.number().int().min(0).max(366),
});

const uniqueDesc = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => b - a);

export const renewalDecisionConfigSchema = z
  .strictObject({
    /** Reminder windows in calendar days before expiry. A window W is due when days-left ≤ W. */
    windowsDays: z
      .array(z.number().int().min(0).max(366))
      .max(20)
      .default([...DEFAULT_WINDOWS_DAYS])
      .transform(uniqueDesc),
    /** Send one "expired / in grace period" reminder. */
    remindInGrace: z.boolean().default(true),
    /** Send one "retention period — data at risk" reminder. */
    remindInRetention: z.boolean().default(true),
    /** Remind resources whose expire_policy is 3 (auto-renew on). */
    includeAutoRenew: z.boolean().default(false),
    /** Resource statuses that are reminded (2 in use, 3 closed, 4 frozen, 5 expired). */
    statuses: z
      .array(resourceStatus)
      .min(1)
      .default([...DEFAULT_STATUSES])
      .transform((xs) => [...new Set(xs)].sort()),
    /** Customer time zone when the contacts directory names none. */
    defaultTimeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
    /** Which site's grace/retention table applies. */
    site: z.enum(["cn", "intl"]).default("cn"),
    /** Per-level overrides of the site table (e.g. a promotional term). */
    phaseDaysByLevel: z.partialRecord(z.enum(CUSTOMER_LEVELS), phaseDaysSchema).default({}),
    /** For an unknown level; default: the shortest grace and retention of the site table. */
    unknownLevelPhaseDays: phaseDaysSchema.optional(),
  })
  .refine((c) => c.windowsDays.length > 0 || c.remindInGrace || c.remindInRetention, {
    message: "no reminder window is enabled (windowsDays is empty and grace/retention reminders are off)",
  });

export type RenewalDecisionConfig = z.output<typeof renewalDecisionConfigSchema>;
export type RenewalDecisionConfigInput = z.input<typeof renewalDecisionConfigSchema>;

export class RenewalConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid renewal configuration: ${issues.join("; ")}`);
    this.name = "RenewalConfigError";
    this.issues = issues;
  }
}

/** Validates and fills defaults. Throws RenewalConfigError listing every problem. */
export function parseRenewalDecisionConfig(input: unknown = {}): RenewalDecisionConfig {
  const r = renewalDecisionConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new RenewalConfigError(r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(config)"}: ${i.message}`));
  }
  return r.data;
}

export const DEFAULT_RENEWAL_DECISION_CONFIG: RenewalDecisionConfig = Object.freeze(parseRenewalDecisionConfig({}));

/** Grace/retention days for a customer level under `config` (see the module comment for the unknown-level rule). */
export function phaseDaysFor(level: string | undefined, config: RenewalDecisionConfig): PhaseDays {
  const table = config.site === "intl" ? INTL_PHASE_DAYS : CN_PHASE_DAYS;
  const normalised = level?.trim().toUpperCase();
  if (normalised && (CUSTOMER_LEVELS as readonly string[]).includes(normalised)) {
    const l = normalised as CustomerLevel;
    return config.phaseDaysByLevel[l] ?? table[l];
  }
  if (config.unknownLevelPhaseDays) return config.unknownLevelPhaseDays;
  const all = CUSTOMER_LEVELS.map((l) => config.phaseDaysByLevel[l] ?? table[l]);
  return {
    graceDays: Math.min(...all.map((p) => p.graceDays)),
    retentionDays: Math.min(...all.map((p) => p.retentionDays)),
  };
}
