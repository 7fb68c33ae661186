/**
 * Property tests of the reminder decision against a simulated world and a simulated ledger.
 *
 * The world: one customer with a few master resources (some with attached resources, some whose master
 * is missing from the list), each with an expiry that may move at any time (renewed elsewhere, or
 * corrected). The scheduler runs "daily" with random gaps (down for days, late, or twice a day). BSS
 * status follows the lifecycle (5 in grace, 4 in retention, gone after retention) or stays stale at 2.
 * The ledger is a Set with conditional-write semantics: a second write of the same key is a failure.
 *
 * The oracle computes days-left with a different method (en-CA date strings) and the phase from the
 * world's own lifecycle, then checks after every run:
 * - at most once: no key is ever written twice, and per (main, expiry) windows only get more urgent;
 * - at least once: the most urgent due window of every listed, eligible group is in the ledger;
 * - exactness: a run emits nothing but those windows;
 * - grouping: reminders are keyed by masters (or synthetic parents), attached resources ride along.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { type RenewalDecisionConfig, parseRenewalDecisionConfig, phaseDaysFor } from "../../../shared/renewal/config.ts";
import { type WindowId, decideReminders, ledgerKeyString } from "../../../shared/renewal/decision.ts";
import { DAY, HOUR, iso } from "./helpers.ts";

const ZONES = ["Asia/Shanghai", "UTC", "Etc/GMT+12", "Pacific/Kiritimati", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"];

const dateFmt = new Map<string, Intl.DateTimeFormat>();
function oracleDayIndex(ms: number, tz: string): number {
  let f = dateFmt.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFmt.set(tz, f);
  }
  const s = f.format(ms);
  return Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10))) / DAY;
}

type Policy = 0 | 1 | 2 | 3 | 4 | 5 | undefined;

interface SimGroup {
  id: string;
  expire: number;
  policy: Policy;
  attached: string[];
  masterListed: boolean;
}

interface World {
  customerId: string;
  /** The level that drives the real lifecycle (BSS statuses, removal). */
  level: string | undefined;
  /** The level the decision is told (may be unknown while the real one is longer). */
  reportedLevel: string | undefined;
  tz: string;
  accurateStatus: boolean;
  groups: SimGroup[];
}

/** Status of a group's resources at t, or undefined when BSS no longer lists them. */
function simStatus(w: World, g: SimGroup, t: number, config: RenewalDecisionConfig): 2 | 4 | 5 | undefined {
  const { graceDays, retentionDays } = phaseDaysFor(w.level, config);
  if (t < g.expire) return 2;
  if (g.policy === 1 || g.policy === 2) return w.accurateStatus ? undefined : 2; // converted / deleted at expiry
  if (g.policy === 4) {
    if (t >= g.expire + retentionDays * DAY) return undefined;
    return w.accurateStatus ? 4 : 2;
  }
  if (t >= g.expire + (graceDays + retentionDays) * DAY) return undefined;
  if (!w.accurateStatus) return 2;
  return t < g.expire + graceDays * DAY ? 5 : 4;
}

function listResources(w: World, t: number, config: RenewalDecisionConfig): OrderInstance[] {
  const out: OrderInstance[] = [];
  for (const g of w.groups) {
    const status = simStatus(w, g, t, config);
    if (status === undefined) continue;
    const common = { status, expire_time: iso(g.expire), region_code: "cn-north-4", ...(g.policy === undefined ? {} : { expire_policy: g.policy }) };
    if (g.masterListed) out.push({ resource_id: g.id, is_main_resource: 1, ...common } as OrderInstance);
    for (const a of g.attached) out.push({ resource_id: a, is_main_resource: 0, parent_resource_id: g.id, ...common } as OrderInstance);
  }
  return out;
}

/** Independent statement of the expected most urgent due window of a group at t. */
function expectedWindow(w: World, g: SimGroup, t: number, config: RenewalDecisionConfig): WindowId | undefined {
  const status = simStatus(w, g, t, config);
  if (status === undefined) return undefined;
  if (!config.statuses.includes(status)) return undefined;
  // Auto-renew exempts a group only while its expiry is ahead: past it, the automatic renewal failed.
  if (g.policy === 3 && !config.includeAutoRenew && t < g.expire) return undefined;
  if (!g.masterListed && g.attached.length === 0) return undefined;
  let phase: "before" | "grace" | "retention";
  if (t < g.expire) phase = "before";
  else if (status === 5) phase = "grace";
  else if (status === 4) phase = "retention";
  else if (g.policy === 1 || g.policy === 2) return undefined;
  else if (g.policy === 4) phase = "retention";
  else phase = t < g.expire + phaseDaysFor(w.reportedLevel, config).graceDays * DAY ? "grace" : "retention";
  if (phase === "retention" && config.remindInRetention) return "retention";
  if (phase !== "before" && config.remindInGrace) return "grace";
  const daysLeft = oracleDayIndex(g.expire, w.tz) - oracleDayIndex(t, w.tz);
  const candidates = config.windowsDays.filter((d) => daysLeft <= d);
  return candidates.length ? (`${Math.min(...candidates)}d` as WindowId) : undefined;
}

const urgencyRank = (w: WindowId) => (w === "retention" ? 1e6 : w === "grace" ? 1e5 : -Number(w.slice(0, -1)));

// ---------------------------------------------------------------------------------------------
// Arbitraries

const T0_MIN = Date.UTC(2025, 0, 1);
const T0_MAX = Date.UTC(2030, 0, 1);

const configArb = fc
  .record({
    windowsDays: fc.uniqueArray(fc.constantFrom(60, 30, 15, 7, 3, 1, 0), { minLength: 0, maxLength: 7 }),
    remindInGrace: fc.boolean(),
    remindInRetention: fc.boolean(),
    includeAutoRenew: fc.boolean(),
    statuses: fc.uniqueArray(fc.constantFrom(2 as const, 4 as const, 5 as const), { minLength: 1, maxLength: 3 }),
    site: fc.constantFrom("cn" as const, "intl" as const),
  })
  .filter((c) => c.windowsDays.length > 0 || c.remindInGrace || c.remindInRetention)
  .map((c) => parseRenewalDecisionConfig(c));

const defaultishConfigArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(parseRenewalDecisionConfig({})) },
  { weight: 2, arbitrary: configArb },
);

const gapArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(DAY) },
  { weight: 2, arbitrary: fc.integer({ min: DAY - 3 * HOUR, max: DAY + 3 * HOUR }) }, // late/early
  { weight: 2, arbitrary: fc.integer({ min: 2, max: 9 }).map((d) => d * DAY) }, // scheduler down
  { weight: 1, arbitrary: fc.integer({ min: HOUR, max: 6 * HOUR }) }, // a second run the same day
);

const groupArb = (i: number) =>
  fc.record({
    id: fc.constant(`main-${i}`),
    // Mostly soon (so grace and retention are reached), sometimes up to 70 days out.
    expireOffset: fc
      .oneof({ weight: 2, arbitrary: fc.integer({ min: -5 * DAY, max: 12 * DAY }) }, { weight: 1, arbitrary: fc.integer({ min: -5 * DAY, max: 70 * DAY }) })
      .map((ms) => Math.floor(ms / 1000) * 1000),
    policy: fc.constantFrom<Policy>(0, 0, 5, undefined, 3, 1, 2, 4),
    attachedCount: fc.integer({ min: 0, max: 2 }),
    masterListed: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  });

const moveArb = fc.record({
  group: fc.nat(),
  // Renewed (months later), corrected a little, or moved earlier.
  delta: fc.oneof(
    fc.integer({ min: 28, max: 400 }).map((d) => d * DAY),
    fc.integer({ min: -3 * DAY, max: 3 * DAY }).map((ms) => Math.floor(ms / 1000) * 1000),
  ),
});

const stepArb = fc.record({ gap: gapArb, move: fc.option(moveArb, { freq: 8, nil: undefined }) });

const worldArb = fc.record({
  t0: fc.integer({ min: T0_MIN, max: T0_MAX }),
  tz: fc.constantFrom(...ZONES),
  level: fc.constantFrom("V0", "V1", "V2", "V3", "V4", "V5", undefined, "VIP"),
  reported: fc.constantFrom("same", "same", "unknown", "other"),
  otherLevel: fc.constantFrom("V0", "V2", "V5"),
  accurateStatus: fc.boolean(),
  groups: fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => groupArb(i)))),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 70 }),
  config: defaultishConfigArb,
});

// ---------------------------------------------------------------------------------------------

describe("renewal decision over any sequence of runs", () => {
  it("reminds each (main resource, expiry, window) at most once and the most urgent due window at least once", () => {
    fc.assert(
      fc.property(worldArb, (spec) => {
        const config = spec.config;
        const world: World = {
          customerId: "cust-1",
          level: spec.level,
          reportedLevel: spec.reported === "same" ? spec.level : spec.reported === "other" ? spec.otherLevel : undefined,
          tz: spec.tz,
          accurateStatus: spec.accurateStatus,
          groups: spec.groups.map((g) => ({
            id: g.id,
            expire: spec.t0 - (spec.t0 % 1000) + g.expireOffset,
            policy: g.policy,
            attached: Array.from({ length: g.attachedCount }, (_, k) => `${g.id}-att-${k}`),
            masterListed: g.masterListed,
          })),
        };
        const ledger = new Set<string>();
        const history = new Map<string, WindowId[]>(); // (main, expiry) → windows sent, in order
        let t = spec.t0;
        const runs = [{ gap: 0, move: undefined }, ...spec.steps];
        for (const step of runs) {
          t += step.gap;
          if (step.move) {
            const g = world.groups[step.move.group % world.groups.length];
            if (g) g.expire += step.move.delta;
          }
          const resources = listResources(world, t, config);
          const { due } = decideReminders({
            customer: { customer_id: world.customerId, customer_level: world.reportedLevel },
            resources,
            now: t,
            timeZone: world.tz,
            config,
            alreadySent: ledger,
          });

          const expectedNow = new Map<string, WindowId>();
          for (const g of world.groups) {
            const w = expectedWindow(world, g, t, config);
            if (w) expectedNow.set(`${g.id}|${iso(g.expire)}`, w);
          }

          for (const r of due) {
            // Exactness: only the expected window of a listed, eligible group.
            expect(expectedNow.get(`${r.mainResourceId}|${r.expireTime}`), `unexpected ${r.keyString} at ${iso(t)}`).toBe(r.window);
            expect(r.keyString).toBe(ledgerKeyString({ customerId: world.customerId, mainResourceId: r.mainResourceId, expireTime: r.expireTime, window: r.window }));
            // Conditional write: the ledger must not hold the key yet.
            expect(ledger.has(r.keyString), `sent twice: ${r.keyString}`).toBe(false);
            ledger.add(r.keyString);
            const h = history.get(`${r.mainResourceId}|${r.expireTime}`) ?? [];
            const last = h.at(-1);
            if (last !== undefined) expect(urgencyRank(r.window)).toBeGreaterThan(urgencyRank(last));
            h.push(r.window);
            history.set(`${r.mainResourceId}|${r.expireTime}`, h);
            // Grouping: keyed by the master (or its absent parent), never by an attached resource.
            const g = world.groups.find((x) => x.id === r.mainResourceId);
            expect(g).toBeDefined();
            if (g?.masterListed) expect(r.master?.resource_id).toBe(g.id);
            else expect(r.master).toBeNull();
            expect(r.attached.map((a) => a.resource_id).sort()).toEqual([...(g?.attached ?? [])].sort());
          }

          // At least once: every expected window is now in the ledger.
          for (const [k, w] of expectedNow) {
            const [main, expire] = k.split("|") as [string, string];
            const key = ledgerKeyString({ customerId: world.customerId, mainResourceId: main, expireTime: expire, window: w });
            expect(ledger.has(key), `missing ${key} after run at ${iso(t)}`).toBe(true);
          }
        }
      }),
      { numRuns: 600 },
    );
  });

  it("a run after a gap sends only the most urgent window, once", () => {
    const config = parseRenewalDecisionConfig({});
    const expiry = Date.parse("2026-03-20T15:59:59Z"); // 20 March 23:59:59 in Shanghai
    const resources = [{ resource_id: "vm", is_main_resource: 1, status: 2, expire_time: iso(expiry) } as OrderInstance];
    const ledger = new Set<string>();
    const run = (at: string) =>
      decideReminders({ customer: { customer_id: "c" }, resources, now: Date.parse(at), config, alreadySent: ledger }).due.map((r) => {
        ledger.add(r.keyString);
        return r.window;
      });
    expect(run("2026-02-18T01:00:00Z")).toEqual(["30d"]); // 30 days left
    // Scheduler down from 19 Feb to 16 March: the 15d and 7d windows were skipped.
    expect(run("2026-03-16T01:00:00Z")).toEqual(["7d"]); // 4 days left → 7d, not 15d as well
    expect(run("2026-03-16T09:00:00Z")).toEqual([]); // second run the same day
    expect(run("2026-03-17T01:00:00Z")).toEqual(["3d"]);
    expect(run("2026-03-20T01:00:00Z")).toEqual(["1d"]); // expires today (0 days left)
    expect(run("2026-03-21T01:00:00Z")).toEqual(["grace"]);
    expect(run("2026-03-23T01:00:00Z")).toEqual(["retention"]); // unknown level → 1 day of grace
    expect(run("2026-03-24T01:00:00Z")).toEqual([]);
  });

  it("never sends a less urgent window after a more urgent one, even if the time zone changes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: T0_MIN, max: T0_MAX }),
        fc.array(fc.record({ gap: fc.integer({ min: HOUR, max: 2 * DAY }), tz: fc.constantFrom(...ZONES) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 40 * DAY }),
        (t0, steps, offset) => {
          const config = parseRenewalDecisionConfig({ windowsDays: [30, 15, 7, 3, 2, 1, 0] });
          const expiry = t0 + offset - ((t0 + offset) % 1000);
          const resources = [{ resource_id: "vm", is_main_resource: 1, status: 2, expire_time: iso(expiry) } as OrderInstance];
          const ledger = new Set<string>();
          let best = Number.NEGATIVE_INFINITY;
          let t = t0;
          for (const s of steps) {
            t += s.gap;
            for (const r of decideReminders({ customer: { customer_id: "c" }, resources, now: t, timeZone: s.tz, config, alreadySent: ledger }).due) {
              expect(ledger.has(r.keyString)).toBe(false);
              expect(urgencyRank(r.window)).toBeGreaterThan(best);
              best = urgencyRank(r.window);
              ledger.add(r.keyString);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
