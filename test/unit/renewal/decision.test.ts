import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import {
  CN_PHASE_DAYS,
  DEFAULT_RENEWAL_DECISION_CONFIG,
  InvalidTimeZoneError,
  RenewalConfigError,
  type LedgerKey,
  decideReminders,
  dueReminderSchema,
  ledgerKeyString,
  moreUrgentKeys,
  parseLedgerKeyString,
  parseRenewalDecisionConfig,
  phaseDaysFor,
} from "../../../shared/renewal/index.ts";
import { resource } from "./helpers.ts";

const config = DEFAULT_RENEWAL_DECISION_CONFIG;
const NOW = Date.parse("2026-06-27T01:00:00Z"); // 27 June 09:00 in Shanghai
const EXP = "2026-06-30T15:59:59Z"; // 30 June 23:59:59 in Shanghai → 3 days left

function decide(resources: OrderInstance[], opts: { now?: number; sent?: Set<string>; level?: string; cfg?: typeof config; tz?: string } = {}) {
  return decideReminders({
    customer: { customer_id: "cust", customer_level: opts.level },
    resources,
    now: opts.now ?? NOW,
    timeZone: opts.tz,
    config: opts.cfg ?? config,
    alreadySent: opts.sent ?? new Set(),
  });
}

describe("decideReminders", () => {
  it("reminds a master with its attached resources, in the customer's zone", () => {
    const { due } = decide([
      resource({ resource_id: "ecs-1", resource_name: "web", expire_time: EXP }),
      resource({ resource_id: "evs-1", is_main_resource: 0, parent_resource_id: "ecs-1", expire_time: EXP }),
      resource({ resource_id: "eip-1", is_main_resource: 0, parent_resource_id: "ecs-1", expire_time: EXP }),
    ]);
    expect(due).toHaveLength(1);
    const r = due[0]!;
    expect(r).toMatchObject({
      window: "3d",
      phase: "before-expiry",
      daysLeft: 3,
      expireTime: EXP,
      expiryLocalDate: "2026-06-30",
      timeZone: "Asia/Shanghai",
      mainResourceId: "ecs-1",
      region: "cn-north-4",
      synthetic: null,
      keyString: "cust#ecs-1#2026-06-30T15:59:59Z#3d",
      lifecycle: { atExpiry: "grace", graceDays: 1, retentionDays: 1, retentionStartsAt: "2026-07-01T15:59:59Z", deletionAt: "2026-07-02T15:59:59Z" },
    });
    expect(r.master?.resource_name).toBe("web");
    expect(r.attached.map((a) => a.resource_id)).toEqual(["eip-1", "evs-1"]);
    // The output is a valid queue message after a JSON round trip.
    expect(dueReminderSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it("Shanghai day boundary: 2026-03-01T15:59:59Z is 'tomorrow' at 23:59:59 on 28 Feb and 'today' from midnight", () => {
    const cfg = parseRenewalDecisionConfig({ windowsDays: [1, 0] });
    const list = [resource({ resource_id: "vm", expire_time: "2026-03-01T15:59:59Z" })];
    const before = decide(list, { cfg, now: Date.parse("2026-02-28T15:59:59Z") }).due[0];
    expect(before).toMatchObject({ daysLeft: 1, window: "1d", expiryLocalDate: "2026-03-01" });
    const after = decide(list, { cfg, now: Date.parse("2026-02-28T16:00:00Z") }).due[0];
    expect(after).toMatchObject({ daysLeft: 0, window: "0d" });
    // In UTC the same two runs are both on 28 Feb: one day left.
    expect(decide(list, { cfg, now: Date.parse("2026-02-28T16:00:00Z"), tz: "UTC" }).due[0]).toMatchObject({ daysLeft: 1, window: "1d" });
  });

  it("the same instant is a different day in New York", () => {
    // 27 June 01:00Z is 26 June 21:00 in New York; expiry is 30 June 11:59:59 there → 4 days → 7d window.
    const { due } = decide([resource({ resource_id: "vm", expire_time: EXP })], { tz: "America/New_York" });
    expect(due.map((d) => [d.daysLeft, d.window, d.expiryLocalDate])).toEqual([[4, "7d", "2026-06-30"]]);
  });

  it("skips auto-renew (expire_policy 3) unless configured, and closed resources", () => {
    const list = [resource({ resource_id: "auto", expire_time: EXP, expire_policy: 3 }), resource({ resource_id: "closed", expire_time: EXP, status: 3 })];
    const r1 = decide(list);
    expect(r1.due).toEqual([]);
    expect(r1.skipped).toEqual([
      { mainResourceId: "auto", reason: "auto-renew" },
      { mainResourceId: "closed", reason: "status-not-counted" },
    ]);
    const r2 = decide(list, { cfg: parseRenewalDecisionConfig({ includeAutoRenew: true, statuses: [2, 3, 4, 5] }) });
    expect(r2.due.map((d) => d.mainResourceId)).toEqual(["auto", "closed"]);
    expect(r2.due[0]?.lifecycle.atExpiry).toBe("auto-renew");
    expect(r2.due[0]?.autoRenewFailed).toBeUndefined(); // not expired yet
  });

  // Regression (issue 12.6): auto-renew resources already in grace or retention were skipped, so a customer
  // whose automatic renewal failed (no balance) lost data without a word.
  it("reminds an auto-renew resource in grace or retention whatever its renewal setting, flagged autoRenewFailed", () => {
    const expired = "2026-06-26T15:59:59Z"; // expired yesterday (Shanghai)
    const cases = [
      [resource({ resource_id: "grace-5", expire_time: expired, expire_policy: 3, status: 5 }), "grace"],
      [resource({ resource_id: "ret-4", expire_time: "2026-06-01T15:59:59Z", expire_policy: 3, status: 4 }), "retention"],
      // BSS still says "in use" but the expiry has passed: by time against the level's grace days
      [resource({ resource_id: "stale-2", expire_time: expired, expire_policy: 3, status: 2 }), "grace"],
    ] as const;
    for (const [res, phase] of cases) {
      const { due, skipped } = decide([res], { cfg: parseRenewalDecisionConfig({ statuses: [2, 4, 5] }) });
      expect(skipped, res.resource_id).toEqual([]);
      expect(due, res.resource_id).toHaveLength(1);
      expect(due[0], res.resource_id).toMatchObject({ mainResourceId: res.resource_id, phase, window: phase, autoRenewFailed: true, lifecycle: { atExpiry: "auto-renew" } });
      expect(dueReminderSchema.parse(JSON.parse(JSON.stringify(due[0])))).toEqual(due[0]);
    }
    // An auto-renew disk attached to an expired auto-renew server rides along; one still ahead does not count.
    const { due } = decide([
      resource({ resource_id: "vm", expire_time: expired, expire_policy: 3, status: 5 }),
      resource({ resource_id: "disk", is_main_resource: 0, parent_resource_id: "vm", expire_time: expired, expire_policy: 3, status: 5 }),
    ], { cfg: parseRenewalDecisionConfig({ statuses: [2, 4, 5] }) });
    expect(due.map((d) => [d.mainResourceId, d.attached.map((a) => a.resource_id), d.autoRenewFailed])).toEqual([["vm", ["disk"], true]]);
  });

  it("lists only counted attached resources and reminds at an attached resource's earlier expiry", () => {
    const { due } = decide([
      resource({ resource_id: "vm", expire_time: "2026-09-30T15:59:59Z" }),
      resource({ resource_id: "disk-old", is_main_resource: 0, parent_resource_id: "vm", expire_time: EXP }),
      resource({ resource_id: "disk-closed", is_main_resource: 0, parent_resource_id: "vm", status: 3, expire_time: "2026-06-01T00:00:00Z" }),
    ]);
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ mainResourceId: "vm", expireTime: EXP, window: "3d" });
    expect(due[0]?.attached.map((a) => a.resource_id)).toEqual(["disk-old"]);
  });

  it("an orphan attached resource is reminded in a synthetic group keyed by its parent id", () => {
    const { due } = decide([resource({ resource_id: "evs-9", is_main_resource: 0, parent_resource_id: "ecs-9", expire_time: EXP })]);
    expect(due.map((d) => [d.mainResourceId, d.master, d.synthetic, d.attached.map((a) => a.resource_id), d.keyString])).toEqual([
      ["ecs-9", null, "master-absent", ["evs-9"], "cust#ecs-9#2026-06-30T15:59:59Z#3d"],
    ]);
  });

  it("a renewed resource (expiry moved) starts fresh", () => {
    const sent = new Set<string>();
    const first = decide([resource({ resource_id: "vm", expire_time: EXP })], { sent });
    for (const d of first.due) sent.add(d.keyString);
    expect(decide([resource({ resource_id: "vm", expire_time: EXP })], { sent }).skipped).toEqual([
      { mainResourceId: "vm", reason: "already-sent", window: "3d" },
    ]);
    // Renewed for a year, then a year later three days before the new expiry: reminded again.
    const renewed = "2027-06-30T15:59:59Z";
    expect(decide([resource({ resource_id: "vm", expire_time: renewed })], { sent }).due).toEqual([]);
    const later = decide([resource({ resource_id: "vm", expire_time: renewed })], { sent, now: NOW + 365 * 86_400_000 });
    expect(later.due.map((d) => d.keyString)).toEqual(["cust#vm#2027-06-30T15:59:59Z#3d"]);
  });

  it("accepts a predicate instead of a set", () => {
    const seen: LedgerKey[] = [];
    const r = decideReminders({
      customer: { customer_id: "cust" },
      resources: [resource({ resource_id: "vm", expire_time: EXP })],
      now: NOW,
      config,
      alreadySent: (k) => {
        seen.push(k);
        return k.window === "retention";
      },
    });
    expect(r.due).toEqual([]);
    // It asked about 3d, then the more urgent windows, and stopped at the first sent one.
    expect(seen.map((k) => k.window)).toEqual(["3d", "1d", "grace", "retention"]);
  });

  it("after expiry: status 5 is grace, 4 is retention; policies 1/2 end, 4 freezes", () => {
    const after = Date.parse("2026-07-01T01:00:00Z");
    const one = (fields: Partial<OrderInstance>) => decide([resource({ resource_id: "vm", expire_time: EXP, ...fields })], { now: after, level: "V5" });
    expect(one({ status: 5 }).due[0]).toMatchObject({ phase: "grace", window: "grace", daysLeft: -1 });
    expect(one({ status: 4 }).due[0]).toMatchObject({ phase: "retention", window: "retention" });
    expect(one({ status: 2 }).due[0]).toMatchObject({ phase: "grace" }); // stale status: V5 has 7 grace days
    expect(one({ status: 2, expire_policy: 1 }).skipped).toEqual([{ mainResourceId: "vm", reason: "converted-to-pay-per-use" }]);
    expect(one({ status: 2, expire_policy: 2 }).skipped).toEqual([{ mainResourceId: "vm", reason: "deleted-at-expiry" }]);
    const frozen = one({ status: 2, expire_policy: 4 }).due[0];
    expect(frozen).toMatchObject({ phase: "retention", lifecycle: { atExpiry: "freeze", retentionStartsAt: EXP, deletionAt: "2026-07-15T15:59:59Z" } });
    // Retention reminders off → the grace window still covers an expired resource.
    const noRetention = parseRenewalDecisionConfig({ remindInRetention: false });
    expect(decide([resource({ resource_id: "vm", expire_time: EXP, status: 4 })], { now: after, cfg: noRetention }).due[0]?.window).toBe("grace");
  });

  it("rejects unknown time zones and invalid times", () => {
    expect(() => decide([], { tz: "Asia/Peking" })).toThrow(InvalidTimeZoneError);
    expect(() => decide([], { now: Number.NaN })).toThrow(RangeError);
    expect(decide([resource({ resource_id: "vm", expire_time: "2026-02-30T00:00:00Z" })]).skipped).toEqual([
      { mainResourceId: "vm", reason: "invalid-expire-time" },
    ]);
  });
});

describe("ledger keys", () => {
  it("lists the more urgent keys of a window", () => {
    const k = { customerId: "c", mainResourceId: "m", expireTime: "2026-06-30T15:59:59Z", window: "7d" } as LedgerKey;
    expect(moreUrgentKeys(k, config).map((x) => x.window)).toEqual(["3d", "1d", "grace", "retention"]);
    expect(moreUrgentKeys({ ...k, window: "retention" }, config)).toEqual([]);
    expect(moreUrgentKeys({ ...k, window: "2d" }, config)).toEqual([]);
  });

  it("round-trip for any ids, including '#' and '%'", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.constantFrom("30d", "1d", "0d", "grace", "retention"),
        (customerId, mainResourceId, window) => {
          const k = { customerId, mainResourceId, expireTime: "2026-06-30T15:59:59Z", window } as LedgerKey;
          const s = ledgerKeyString(k);
          expect(s.split("#")).toHaveLength(4);
          expect(parseLedgerKeyString(s)).toEqual(k);
        },
      ),
    );
    expect(() => parseLedgerKeyString("a#b#c")).toThrow(TypeError);
    expect(() => parseLedgerKeyString("a#b#2026-06-30T15:59:59Z#2w")).toThrow(TypeError);
  });
});

describe("configuration", () => {
  it("has the documented defaults", () => {
    expect(parseRenewalDecisionConfig({})).toEqual({
      windowsDays: [30, 15, 7, 3, 1],
      remindInGrace: true,
      remindInRetention: true,
      includeAutoRenew: false,
      statuses: [2, 4, 5],
      defaultTimeZone: "Asia/Shanghai",
      site: "cn",
      phaseDaysByLevel: {},
    });
  });

  it("normalises windows and reports every problem with its path", () => {
    expect(parseRenewalDecisionConfig({ windowsDays: [1, 7, 7, 30] }).windowsDays).toEqual([30, 7, 1]);
    try {
      parseRenewalDecisionConfig({ windowsDays: [-1], statuses: [9], defaultTimeZone: "Nowhere/City", extra: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RenewalConfigError);
      const issues = (e as RenewalConfigError).issues.join("\n");
      expect(issues).toMatch(/windowsDays\.0/);
      expect(issues).toMatch(/statuses\.0/);
      expect(issues).toMatch(/defaultTimeZone: unknown IANA time zone/);
      expect(issues).toMatch(/extra/);
    }
    expect(() => parseRenewalDecisionConfig({ windowsDays: [], remindInGrace: false, remindInRetention: false })).toThrow(/no reminder window/);
  });

  it("grace/retention days by level, site and override; unknown level is the shortest", () => {
    expect(phaseDaysFor("V5", config)).toEqual({ graceDays: 7, retentionDays: 15 });
    expect(phaseDaysFor("v3", config)).toEqual(CN_PHASE_DAYS.V3);
    expect(phaseDaysFor("V2", config)).toEqual({ graceDays: 1, retentionDays: 7 });
    expect(phaseDaysFor(undefined, config)).toEqual({ graceDays: 1, retentionDays: 1 });
    const intl = parseRenewalDecisionConfig({ site: "intl" });
    expect(phaseDaysFor("V0", intl)).toEqual({ graceDays: 1, retentionDays: 15 });
    expect(phaseDaysFor("VIP", intl)).toEqual({ graceDays: 1, retentionDays: 15 });
    const promo = parseRenewalDecisionConfig({ phaseDaysByLevel: { V1: { graceDays: 15, retentionDays: 15 } }, unknownLevelPhaseDays: { graceDays: 3, retentionDays: 3 } });
    expect(phaseDaysFor("V1", promo)).toEqual({ graceDays: 15, retentionDays: 15 });
    expect(phaseDaysFor("", promo)).toEqual({ graceDays: 3, retentionDays: 3 });
  });
});
