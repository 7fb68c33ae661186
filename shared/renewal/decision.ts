/**
 * Which renewal reminders are due for one customer — pure, I/O-free.
 *
 * Semantics (issue 4):
 * - Windows: day windows (default 30, 15, 7, 3, 1) plus "grace" (expired, in the grace period) and
 *   "retention" (frozen, data at risk). Urgency grows in that order: 30d < 15d < … < 1d < grace < retention.
 * - Days left = local calendar date of the expiry − local calendar date of the run, both in the
 *   customer's time zone. A day window W is due when days-left ≤ W. "grace" is due once the resource is in
 *   its grace or retention period, "retention" once it is in its retention period.
 * - Per group and expiry only the MOST URGENT due window is emitted, and only if neither it nor any more
 *   urgent window has been sent for that (main resource, expire_time). So a run after a gap (scheduler
 *   down) sends one reminder — the most urgent one — not every skipped window, and a window is never sent
 *   after a more urgent one (this also holds if the customer's time zone changes in between).
 * - The ledger key is (customer_id, main resource_id, expire_time, window). A renewal moves expire_time,
 *   so the renewed resource starts fresh.
 *
 * Phase of an expired resource: BSS status 5 (已过期) means grace, 4 (已冻结) means retention; any other
 * status falls back to time since expiry against the customer level's grace days (config.ts), and to the
 * expire policy: 1 (to pay-per-use) and 2 (delete at expiry) leave no yearly/monthly resource to remind
 * about after expiry, 4 (freeze) skips the grace period.
 *
 * Auto-renew (expire_policy 3) resources are skipped (unless configured) only while their expiry is ahead:
 * one already in grace or retention was not renewed automatically and is reminded whatever its renewal
 * setting, flagged `autoRenewFailed` so the wording says the automatic renewal did not happen.
 *
 * Group expiry: the earliest expire_time among the group's eligible members (master and attached with a
 * counted status and — unless configured — auto-renew off, or on but lapsed). Usually every member shares the master's
 * expiry; if an attached resource expires earlier we remind at its expiry rather than miss it. The group
 * is skipped when its master is not eligible (auto-renew on an ECS covers its disks; a closed master is
 * not reminded). A synthetic group (master absent, see grouping.ts) is reminded when any attached member
 * is eligible.
 */
import { z } from "zod";
import type { OrderInstance } from "../bss/schemas.ts";
import { orderInstance, utcTime } from "../bss/schemas.ts";
import { DAY_MS, calendarDaysBetween, formatUtcTime, localDateString, parseUtcTime } from "./calendar.ts";
import { type RenewalDecisionConfig, phaseDaysFor } from "./config.ts";
import { type ResourceGroup, type SyntheticReason, groupResources } from "./grouping.ts";

// ---------------------------------------------------------------------------------------------
// Windows and ledger keys

/** `"30d"` … `"1d"`, `"grace"`, `"retention"`. */
export type WindowId = `${number}d` | "grace" | "retention";
export type Phase = "before-expiry" | "grace" | "retention";

export const windowIdSchema = z.union([z.string().regex(/^(0|[1-9]\d{0,2})d$/), z.literal("grace"), z.literal("retention")]) as z.ZodType<WindowId>;

export const dayWindow = (days: number): WindowId => `${days}d`;

/** Windows of `config`, least urgent first. */
export function windowsByUrgency(config: RenewalDecisionConfig): WindowId[] {
  const out: WindowId[] = config.windowsDays.map(dayWindow); // already unique, sorted descending
  if (config.remindInGrace) out.push("grace");
  if (config.remindInRetention) out.push("retention");
  return out;
}

/**
 * Keys of the windows MORE urgent than `key.window` for the same (customer, main resource, expiry).
 * decideReminders already skips a window when one of these is in `alreadySent`; a caller whose ledger
 * can only be read key by key may instead decide with an empty set, claim each returned key, and check
 * these few keys (they only matter when a customer's time zone or the windows changed in between).
 */
export function moreUrgentKeys(key: LedgerKey, config: RenewalDecisionConfig): LedgerKey[] {
  const order = windowsByUrgency(config);
  const at = order.indexOf(key.window);
  return (at === -1 ? [] : order.slice(at + 1)).map((window) => ({ ...key, window }));
}

export interface LedgerKey {
  customerId: string;
  mainResourceId: string;
  /** The group's expiry, BSS UTC format. */
  expireTime: string;
  window: WindowId;
}

const enc = (s: string) => (s.includes("%") || s.includes("#") ? s.replace(/%/g, "%25").replace(/#/g, "%23") : s);
const dec = (s: string) => s.replace(/%23/g, "#").replace(/%25/g, "%");

/**
 * Stable string form `customer#main#expire#window` ('%' and '#' inside ids are percent-encoded), for a
 * DynamoDB partition/sort key or a Set.
 */
export function ledgerKeyString(k: LedgerKey): string {
  return `${enc(k.customerId)}#${enc(k.mainResourceId)}#${k.expireTime}#${k.window}`;
}

export function parseLedgerKeyString(s: string): LedgerKey {
  const parts = s.split("#");
  if (parts.length !== 4) throw new TypeError(`not a renewal ledger key: ${JSON.stringify(s)}`);
  const [c, m, e, w] = parts as [string, string, string, string];
  const window = windowIdSchema.safeParse(w);
  if (!window.success || !utcTime.safeParse(e).success) throw new TypeError(`not a renewal ledger key: ${JSON.stringify(s)}`);
  return { customerId: dec(c), mainResourceId: dec(m), expireTime: e, window: window.data };
}

/** Already-sent keys: a set of `ledgerKeyString`s, or a predicate over keys. */
export type SentLookup = ReadonlySet<string> | ((key: LedgerKey) => boolean);

function sentPredicate(lookup: SentLookup): (key: LedgerKey) => boolean {
  if (typeof lookup === "function") return lookup;
  return (key) => lookup.has(ledgerKeyString(key));
}

// ---------------------------------------------------------------------------------------------
// Output shapes (JSON-serialisable; the zod schema below parses them back from a queue message)

/** The fields of a BSS resource a reminder carries (the catalogue's schema, narrowed). */
export const resourceSummarySchema = orderInstance.pick({
  resource_id: true,
  resource_name: true,
  region_code: true,
  service_type_code: true,
  service_type_name: true,
  resource_type_code: true,
  resource_type_name: true,
  product_spec_desc: true,
  status: true,
  expire_time: true,
  expire_policy: true,
});
export type ResourceSummary = z.infer<typeof resourceSummarySchema>;

/** What the resource does at expiry, from expire_policy (0/5/undefined standard; 3 auto-renew). */
export type AtExpiry = "grace" | "to-pay-per-use" | "delete" | "freeze" | "auto-renew";

export const lifecycleSchema = z.strictObject({
  atExpiry: z.enum(["grace", "to-pay-per-use", "delete", "freeze", "auto-renew"]),
  graceDays: z.number().int().min(0),
  retentionDays: z.number().int().min(0),
  /** Estimated start of the retention period (expiry + grace days), UTC. Absent when there is none. */
  retentionStartsAt: utcTime.optional(),
  /** Estimated release/deletion (end of retention), UTC. */
  deletionAt: utcTime.optional(),
});
export type Lifecycle = z.infer<typeof lifecycleSchema>;

export const dueReminderSchema = z.strictObject({
  key: z.strictObject({ customerId: z.string().min(1), mainResourceId: z.string().min(1), expireTime: utcTime, window: windowIdSchema }),
  keyString: z.string().min(1),
  customerId: z.string().min(1),
  customerLevel: z.string().optional(),
  window: windowIdSchema,
  phase: z.enum(["before-expiry", "grace", "retention"]),
  /** Local calendar days from the run to the expiry (0 = expires today, negative = expired). */
  daysLeft: z.number().int(),
  expireTime: utcTime,
  /** Local calendar date of the expiry in `timeZone`. */
  expiryLocalDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  timeZone: z.string().min(1),
  decidedAt: utcTime,
  region: z.string().optional(),
  mainResourceId: z.string().min(1),
  master: resourceSummarySchema.nullable(),
  synthetic: z.enum(["master-absent", "no-parent"]).nullable(),
  attached: z.array(resourceSummarySchema),
  lifecycle: lifecycleSchema,
  /** Auto-renew was on and the resource is in grace or retention anyway: the automatic renewal did not happen. */
  autoRenewFailed: z.boolean().optional(),
});
export type DueReminder = z.infer<typeof dueReminderSchema>;

export type SkipReason =
  | "auto-renew"
  | "status-not-counted"
  | "not-due"
  | "already-sent"
  | "converted-to-pay-per-use"
  | "deleted-at-expiry"
  | "invalid-expire-time";

export interface Skipped {
  mainResourceId: string;
  reason: SkipReason;
  /** The most urgent due window, for "already-sent". */
  window?: WindowId;
}

export interface DecideInput {
  customer: { customer_id: string; customer_level?: string | undefined };
  resources: readonly OrderInstance[];
  /** Run time. */
  now: Date | number;
  /** The customer's IANA time zone; default config.defaultTimeZone. */
  timeZone?: string | undefined;
  config: RenewalDecisionConfig;
  alreadySent: SentLookup;
}

export interface DecideResult {
  due: DueReminder[];
  skipped: Skipped[];
}

// ---------------------------------------------------------------------------------------------
// Decision

export function atExpiryOf(policy: number | undefined): AtExpiry {
  switch (policy) {
    case 1:
      return "to-pay-per-use";
    case 2:
      return "delete";
    case 3:
      return "auto-renew";
    case 4:
      return "freeze";
    default:
      return "grace"; // 0 grace period, 5 delete after retention, or not reported
  }
}

/**
 * Phase at `nowMs` of a resource expiring at `expireMs` (see the module comment), or a skip reason when
 * nothing yearly/monthly is left after expiry.
 */
export function phaseOf(
  nowMs: number,
  expireMs: number,
  status: number,
  atExpiry: AtExpiry,
  graceDays: number,
): Phase | "converted-to-pay-per-use" | "deleted-at-expiry" {
  if (nowMs < expireMs) return "before-expiry";
  if (status === 5) return "grace";
  if (status === 4) return "retention";
  if (atExpiry === "to-pay-per-use") return "converted-to-pay-per-use";
  if (atExpiry === "delete") return "deleted-at-expiry";
  if (atExpiry === "freeze") return "retention";
  return nowMs < expireMs + graceDays * DAY_MS ? "grace" : "retention";
}

/** The most urgent window due for (phase, daysLeft), or undefined when none is due. */
export function mostUrgentDueWindow(phase: Phase, daysLeft: number, config: RenewalDecisionConfig): WindowId | undefined {
  if (phase === "retention" && config.remindInRetention) return "retention";
  if (phase !== "before-expiry" && config.remindInGrace) return "grace";
  // Day windows: the smallest W with daysLeft ≤ W (windowsDays is sorted descending).
  let best: number | undefined;
  for (const w of config.windowsDays) if (daysLeft <= w) best = w;
  return best === undefined ? undefined : dayWindow(best);
}

function summarise(r: OrderInstance): ResourceSummary {
  const s: ResourceSummary = { resource_id: r.resource_id, status: r.status, expire_time: r.expire_time };
  if (r.resource_name !== undefined) s.resource_name = r.resource_name;
  if (r.region_code !== undefined) s.region_code = r.region_code;
  if (r.service_type_code !== undefined) s.service_type_code = r.service_type_code;
  if (r.service_type_name !== undefined) s.service_type_name = r.service_type_name;
  if (r.resource_type_code !== undefined) s.resource_type_code = r.resource_type_code;
  if (r.resource_type_name !== undefined) s.resource_type_name = r.resource_type_name;
  if (r.product_spec_desc !== undefined) s.product_spec_desc = r.product_spec_desc;
  if (r.expire_policy !== undefined) s.expire_policy = r.expire_policy;
  return s;
}

interface Ctx {
  customerId: string;
  customerLevel: string | undefined;
  nowMs: number;
  decidedAt: string;
  timeZone: string;
  config: RenewalDecisionConfig;
  isSent: (key: LedgerKey) => boolean;
  statuses: ReadonlySet<number>;
  graceDays: number;
  retentionDays: number;
  urgency: WindowId[];
}

function decideGroup(g: ResourceGroup, ctx: Ctx, due: DueReminder[], skipped: Skipped[]): void {
  const { config } = ctx;
  const counted = (r: OrderInstance) => ctx.statuses.has(r.status);
  // Auto-renew on covers a resource only until its expiry: one already in grace or retention (or past its
  // expiry) was not renewed automatically (no balance, card refused…) and is reminded like any other.
  const lapsed = (r: OrderInstance) => r.status === 5 || r.status === 4 || parseUtcTime(r.expire_time) <= ctx.nowMs;
  const eligible = (r: OrderInstance) => counted(r) && (config.includeAutoRenew || r.expire_policy !== 3 || lapsed(r));
  const skip = (reason: SkipReason, window?: WindowId) =>
    skipped.push(window ? { mainResourceId: g.mainResourceId, reason, window } : { mainResourceId: g.mainResourceId, reason });

  if (g.master && !eligible(g.master)) return void skip(counted(g.master) ? "auto-renew" : "status-not-counted");
  const members = (g.master ? [g.master] : []).concat(g.attached).filter(eligible);
  if (members.length === 0) {
    return void skip(g.attached.some(counted) ? "auto-renew" : "status-not-counted");
  }

  // The member that defines the group's expiry: earliest; ties prefer the master.
  let defining: OrderInstance | undefined;
  let expireMs = Number.POSITIVE_INFINITY;
  for (const m of members) {
    const t = parseUtcTime(m.expire_time);
    if (Number.isNaN(t)) return void skip("invalid-expire-time");
    if (t < expireMs) {
      expireMs = t;
      defining = m;
    }
  }
  if (!defining) return void skip("invalid-expire-time");
  const policySource = g.master ?? defining;
  const atExpiry = atExpiryOf(policySource.expire_policy);

  const phase = phaseOf(ctx.nowMs, expireMs, defining.status, atExpiry, ctx.graceDays);
  if (phase === "converted-to-pay-per-use" || phase === "deleted-at-expiry") return void skip(phase);

  const daysLeft = calendarDaysBetween(ctx.nowMs, expireMs, ctx.timeZone);
  const window = mostUrgentDueWindow(phase, daysLeft, config);
  if (!window) return void skip("not-due");

  const expireTime = defining.expire_time;
  const base = { customerId: ctx.customerId, mainResourceId: g.mainResourceId, expireTime };
  // Never send a window after itself or after a more urgent one for the same (main, expiry).
  const from = ctx.urgency.indexOf(window);
  for (let i = from; i < ctx.urgency.length; i++) {
    if (ctx.isSent({ ...base, window: ctx.urgency[i] as WindowId })) return void skip("already-sent", window);
  }

  const key: LedgerKey = { ...base, window };
  const lifecycle: Lifecycle = { atExpiry, graceDays: ctx.graceDays, retentionDays: ctx.retentionDays };
  if (atExpiry === "grace" || atExpiry === "auto-renew") {
    lifecycle.retentionStartsAt = formatUtcTime(expireMs + ctx.graceDays * DAY_MS);
    lifecycle.deletionAt = formatUtcTime(expireMs + (ctx.graceDays + ctx.retentionDays) * DAY_MS);
  } else if (atExpiry === "freeze") {
    lifecycle.retentionStartsAt = expireTime;
    lifecycle.deletionAt = formatUtcTime(expireMs + ctx.retentionDays * DAY_MS);
  }
  const attached = g.attached.filter(counted).map(summarise);
  const region = g.master?.region_code ?? g.attached.find((a) => a.region_code)?.region_code;
  const reminder: DueReminder = {
    key,
    keyString: ledgerKeyString(key),
    customerId: ctx.customerId,
    window,
    phase,
    daysLeft,
    expireTime,
    expiryLocalDate: localDateString(expireMs, ctx.timeZone),
    timeZone: ctx.timeZone,
    decidedAt: ctx.decidedAt,
    mainResourceId: g.mainResourceId,
    master: g.master ? summarise(g.master) : null,
    synthetic: g.synthetic as SyntheticReason | null,
    attached,
    lifecycle,
  };
  if (atExpiry === "auto-renew" && phase !== "before-expiry") reminder.autoRenewFailed = true;
  if (ctx.customerLevel !== undefined) reminder.customerLevel = ctx.customerLevel;
  if (region !== undefined) reminder.region = region;
  due.push(reminder);
}

/**
 * The reminders due now for one customer. Pure: the caller records each returned `key` in the ledger
 * with a conditional write and enqueues only those whose write succeeded.
 *
 * Throws InvalidTimeZoneError for an unknown time zone.
 */
export function decideReminders(input: DecideInput): DecideResult {
  const nowMs = typeof input.now === "number" ? input.now : input.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError("decideReminders: `now` is not a valid time");
  const timeZone = input.timeZone ?? input.config.defaultTimeZone;
  localDateString(nowMs, timeZone); // validates the zone (throws InvalidTimeZoneError)
  const phaseDays = phaseDaysFor(input.customer.customer_level, input.config);
  const ctx: Ctx = {
    customerId: input.customer.customer_id,
    customerLevel: input.customer.customer_level,
    nowMs,
    decidedAt: formatUtcTime(nowMs),
    timeZone,
    config: input.config,
    isSent: sentPredicate(input.alreadySent),
    statuses: new Set(input.config.statuses),
    graceDays: phaseDays.graceDays,
    retentionDays: phaseDays.retentionDays,
    urgency: windowsByUrgency(input.config),
  };
  const due: DueReminder[] = [];
  const skipped: Skipped[] = [];
  for (const g of groupResources(input.resources)) decideGroup(g, ctx, due, skipped);
  due.sort((a, b) => (a.expireTime < b.expireTime ? -1 : a.expireTime > b.expireTime ? 1 : a.mainResourceId < b.mainResourceId ? -1 : 1));
  return { due, skipped };
}
