/** Scheduler and scan steps over in-memory ledger/queue ports: once per (customer, day), never lose a claim. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createBssClient } from "../../../shared/bss/index.ts";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG, ledgerKeyString } from "../../../shared/renewal/index.ts";
import { RenewalNotify, RenewalScan, ledgerKeys, perInstanceRate, scanEnvelopeId } from "../../../shared/renewal/messages.ts";
import { PipelineError, scanCustomer, scheduleScans, type SubCustomer } from "../../../shared/renewal/pipeline.ts";
import { parseRenewalSettings } from "../../../shared/renewal/settings.ts";
import { REMINDER_CLAIM_STALE_SECONDS } from "../../../shared/renewal/timing.ts";
import { MemLedger, MemQueue, iter } from "./pipeline-fakes.ts";

const customers: SubCustomer[] = Array.from({ length: 25 }, (_, i) => ({
  customer_id: `c${String(i).padStart(3, "0")}`,
  account_name: `acct-${i}`,
  email: `acct-${i}@example.com`,
  association_type: i % 5 === 0 ? "1" : "2",
  customer_level: "V3",
}));
const resellers = customers.filter((c) => c.association_type === "2");

function schedule(ledger: MemLedger, queue: MemQueue, types = ["2"], list = customers) {
  return scheduleScans({
    customers: iter(list),
    associationTypes: new Set(types),
    directory: new Map(),
    runDate: "2026-07-01",
    scheduledAt: "2026-07-01T01:00:00.000Z",
    ledger,
    publish: queue.publish,
    batchSize: 10,
  });
}

describe("scheduleScans", () => {
  it("publishes one scan per reseller customer, and none on a second run the same day", async () => {
    const ledger = new MemLedger();
    const queue = new MemQueue();
    const r1 = await schedule(ledger, queue);
    expect(r1).toMatchObject({ customers: 25, published: resellers.length, skippedAssociation: 5, failed: 0 });
    const ids = queue.sent.map((e) => RenewalScan.parse(e).data.customer.customerId).sort();
    expect(ids).toEqual(resellers.map((c) => c.customer_id).sort());
    expect(queue.sent[0]!.id).toBe(scanEnvelopeId("2026-07-01", ids[0]!));
    const r2 = await schedule(ledger, queue);
    expect(r2).toMatchObject({ published: 0, alreadyScheduled: resellers.length });
    expect(queue.sent).toHaveLength(resellers.length);
  });

  it("includes advisory customers only when configured, and ignores a customer listed twice", async () => {
    const queue = new MemQueue();
    const r = await schedule(new MemLedger(), queue, ["2", "1"], [...customers, customers[3]!]);
    expect(r.published).toBe(25);
    expect(new Set(queue.sent.map((e) => e.id)).size).toBe(25);
  });

  it("releases the claims of messages that were not published, so the retry publishes exactly those", async () => {
    const ledger = new MemLedger();
    const queue = new MemQueue();
    queue.failNext(3);
    const r1 = await schedule(ledger, queue);
    expect(r1.failed).toBe(3);
    expect(queue.sent).toHaveLength(resellers.length - 3);
    const r2 = await schedule(ledger, queue);
    expect(r2).toMatchObject({ published: 3, alreadyScheduled: resellers.length - 3 });
    expect(new Set(queue.sent.map((e) => e.id)).size).toBe(resellers.length);
  });

  it("publishes again a claim left by a crashed run (claimed, never completed)", async () => {
    const ledger = new MemLedger();
    await ledger.claim(ledgerKeys.scan("2026-07-01", resellers[0]!.customer_id));
    const queue = new MemQueue();
    const r = await schedule(ledger, queue);
    expect(r.published).toBe(resellers.length);
  });
});

// ---------------------------------------------------------------------------------------------

const NOW = Date.parse("2026-07-01T01:00:00Z"); // 09:00 in Shanghai
const day = (d: number) => new Date(Date.UTC(2026, 6, 1 + d, 15, 59, 59)).toISOString().replace(".000", ""); // 23:59:59 Shanghai
function res(id: string, expireInDays: number, extra: Partial<OrderInstance> = {}): OrderInstance {
  return { resource_id: id, resource_name: id, is_main_resource: 1, status: 2, expire_time: day(expireInDays), expire_policy: 0, region_code: "cn-north-4", ...extra } as OrderInstance;
}
const resources = [res("ecs-a", 7), res("evs-a", 7, { is_main_resource: 0, parent_resource_id: "ecs-a" }), res("rds-b", 1), res("dcs-c", 45), res("cbr-d", 3, { expire_policy: 3 })];

function scanMessage(id = "scan-1") {
  const env = RenewalScan.create({ runDate: "2026-07-01", scheduledAt: "2026-07-01T01:00:00.000Z", customer: { customerId: "c1", customerLevel: "V3" } }, { id });
  return { id: env.id, data: env.data };
}

function scan(ledger: MemLedger, queue: MemQueue, id = "scan-1", rs = resources) {
  return scanCustomer({ message: scanMessage(id), resources: iter(rs), config: DEFAULT_RENEWAL_DECISION_CONFIG, now: NOW, ledger, publish: queue.publish, remindersPerMessage: 1 });
}
const publishedKeys = (q: MemQueue) => q.sent.flatMap((e) => RenewalNotify.parse(e).data.reminders.map((r) => r.keyString)).sort();

describe("scanCustomer", () => {
  it("claims and publishes the due reminders (master with its attached resource, auto-renew skipped)", async () => {
    const ledger = new MemLedger();
    const queue = new MemQueue();
    const r = await scan(ledger, queue);
    expect(r).toMatchObject({ resources: 5, due: 2, published: 2 });
    const keys = publishedKeys(queue);
    expect(keys).toEqual([`c1#ecs-a#${day(7)}#7d`, `c1#rds-b#${day(1)}#1d`].sort());
    const ecs = queue.sent.map((e) => RenewalNotify.parse(e).data.reminders[0]!).find((x) => x.mainResourceId === "ecs-a")!;
    expect(ecs.attached.map((a) => a.resource_id)).toEqual(["evs-a"]);
    expect(ledger.keys("renewal#")).toEqual(keys.map((k) => `renewal#${k}`));
  });

  it("a second scan the same day (another envelope) publishes nothing", async () => {
    const ledger = new MemLedger();
    const queue = new MemQueue();
    await scan(ledger, queue, "scan-1");
    const r = await scan(ledger, queue, "scan-2");
    expect(r).toMatchObject({ published: 0, alreadyClaimed: 2 });
    expect(queue.sent).toHaveLength(2);
  });

  it("releases the claims when publishing fails, and the redelivered scan publishes every reminder once", async () => {
    for (const mode of ["partial", "all-reported", "all-unreported"] as const) {
      const ledger = new MemLedger();
      const queue = new MemQueue();
      if (mode === "partial") queue.failNext(1);
      else queue.failAllNext(mode === "all-reported");
      await expect(scan(ledger, queue)).rejects.toBeInstanceOf(PipelineError);
      const before = queue.sent.map((e) => e.id);
      const r = await scan(ledger, queue);
      // The retry publishes the released reminders and, again, its own still-claimed ones: with the SAME
      // envelope id, which the notify consumer's idempotency drops.
      expect(r.published, mode).toBe(2);
      expect([...new Set(publishedKeys(queue))], mode).toEqual([`c1#ecs-a#${day(7)}#7d`, `c1#rds-b#${day(1)}#1d`].sort());
      for (const id of before) expect(queue.sent.filter((e) => e.id === id), mode).toHaveLength(2);
      expect(new Set(queue.sent.map((e) => e.id)).size, mode).toBe(2);
    }
  });

  it("publishes again its own claim left by a crash between claim and publish, but not another scan's", async () => {
    const key = `c1#ecs-a#${day(7)}#7d`;
    const own = new MemLedger();
    await own.claim(ledgerKeys.reminder(key), { scanId: "scan-1" });
    const q1 = new MemQueue();
    await scan(own, q1, "scan-1");
    expect(publishedKeys(q1)).toContain(key);

    const other = new MemLedger();
    await other.claim(ledgerKeys.reminder(key), { scanId: "scan-0" });
    const q2 = new MemQueue();
    await scan(other, q2, "scan-1");
    expect(publishedKeys(q2)).not.toContain(key);

    // Regression (issue 11.1 audit): another scan's claim never completed (its notify message exhausted
    // its receives) counted as sent forever. Once the notify queue can no longer bring it back, it is
    // published again (the per-channel delivery records keep a channel from sending twice).
    other.now = (REMINDER_CLAIM_STALE_SECONDS + 1) * 1000;
    const q3 = new MemQueue();
    await scan(other, q3, "scan-2");
    expect(publishedKeys(q3)).toContain(key);
    expect((await other.get(ledgerKeys.reminder(key)))?.attrs?.["scanId"]).toBe("scan-2");
  });

  it("does not send a window after a more urgent one for the same resource and expiry", async () => {
    const ledger = new MemLedger();
    const k = { customerId: "c1", mainResourceId: "ecs-a", expireTime: day(7), window: "3d" as const };
    await ledger.claim(ledgerKeys.reminder(ledgerKeyString(k)));
    const queue = new MemQueue();
    const r = await scan(ledger, queue);
    expect(r.moreUrgentSent).toBe(1);
    expect(publishedKeys(queue)).toEqual([`c1#rds-b#${day(1)}#1d`]);
  });
});

describe("rate budget", () => {
  it("per-instance rate × concurrency never exceeds the configured rate", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 10_000, noNaN: true }), fc.integer({ min: 1, max: 1000 }), (rate, conc) => {
        const per = perInstanceRate(rate, conc);
        expect(per).toBeGreaterThan(0);
        expect(per * conc).toBeLessThanOrEqual(rate + 1e-9);
        if (rate / conc >= 1) expect(per).toBe(Math.floor(rate / conc));
      }),
    );
  });

  it("settings: defaults, scan rate from BSS_RATE_PER_SECOND and RENEWAL_SCAN_CONCURRENCY, clear errors", () => {
    const s = parseRenewalSettings({}, perInstanceRate);
    expect(s).toMatchObject({ BSS_RATE_PER_SECOND: 10, RENEWAL_SCAN_CONCURRENCY: 2, scanRatePerSecond: 5, RENEWAL_ASSOCIATION_TYPES: ["2"], RENEWAL_UNLISTED: "bss-email" });
    expect(s.decision.windowsDays).toEqual([30, 15, 7, 3, 1]);
    expect(parseRenewalSettings({ BSS_RATE_PER_SECOND: "200", RENEWAL_SCAN_CONCURRENCY: "3", RENEWAL_ASSOCIATION_TYPES: "2, 1" }, perInstanceRate)).toMatchObject({ scanRatePerSecond: 66, RENEWAL_ASSOCIATION_TYPES: ["2", "1"] });
    expect(() => parseRenewalSettings({ RENEWAL_ASSOCIATION_TYPES: "4" }, perInstanceRate)).toThrow(/RENEWAL_ASSOCIATION_TYPES/);
    expect(parseRenewalSettings({ RENEWAL_ASSOCIATION_TYPES: "3" }, perInstanceRate).RENEWAL_ASSOCIATION_TYPES).toEqual(["3"]); // resale, international site
    expect(() => parseRenewalSettings({ RENEWAL_DECISION_CONFIG: "{" }, perInstanceRate)).toThrow(/not JSON/);
    expect(() => parseRenewalSettings({ RENEWAL_DECISION_CONFIG: '{"windowsDays":[-1]}' }, perInstanceRate)).toThrow(/windowsDays/);
  });
});

describe("scanCustomer reads tolerantly (issue 12.2)", () => {
  // The page comes through the real BSS client (fake fetch): before 12.2 one record without `status`
  // failed the whole page as invalid-response and the customer's scan aborted.
  function clientServing(records: unknown[]) {
    return createBssClient({
      endpoint: "http://bss.test",
      credentials: { ak: "AKTEST", sk: "SKTEST", domainId: "partner" },
      maxAttempts: 1,
      rate: 1_000_000,
      fetch: async () => new Response(JSON.stringify({ total_count: records.length, data: records }), { status: 200, headers: { "Content-Type": "application/json" } }),
    });
  }

  it("skips records lacking a decision field, names them, counts them, and decides the rest of the page", async () => {
    const records = [
      res("ecs-a", 7),
      { resource_id: "no-status", is_main_resource: 1, expire_time: day(7), region_code: "cn-north-4" },
      { ...res("odd-main", 1), is_main_resource: 7 },
      { id: "internal-9", is_main_resource: 1, status: 2, expire_time: day(1) },
      res("rds-b", 1),
    ];
    const skipped: { record: string; fields: string[] }[] = [];
    const queue = new MemQueue();
    const r = await scanCustomer({
      message: scanMessage(),
      resources: clientServing(records).customerResources("c1", {}, { pageSize: 100 }),
      config: DEFAULT_RENEWAL_DECISION_CONFIG,
      now: NOW,
      ledger: new MemLedger(),
      publish: queue.publish,
      onSkippedRecord: (s) => skipped.push(s),
    });
    expect(r).toMatchObject({ resources: 5, skippedRecords: 3, due: 2, published: 2 });
    expect(skipped).toEqual([
      { record: "no-status", fields: ["status"] },
      { record: "odd-main", fields: ["is_main_resource"] },
      { record: "id internal-9", fields: ["resource_id"] },
    ]);
    expect(publishedKeys(queue)).toEqual([`c1#ecs-a#${day(7)}#7d`, `c1#rds-b#${day(1)}#1d`].sort());
  });
});
