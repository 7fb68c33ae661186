/** The seeded data generator: determinism and the invariants the contract promises. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateCustomers, generateResources, graceRetentionDays, REMINDER_WINDOWS, type GeneratorOptions } from "../../../local/sandbox/generate.ts";
import { chinaDay, DAY_MS, parseUtc } from "../../../local/sandbox/time.ts";

const NOW = Date.parse("2026-03-01T04:00:00Z");
const base: GeneratorOptions = { seed: 1, customers: 60, resourcesPerCustomer: 12, now: NOW, xaccountType: "partner_ops_sandbox" };

function everything(o: GeneratorOptions) {
  const { customers, managers } = generateCustomers(o);
  return { customers, managers, resources: customers.map((c) => generateResources(o, c)) };
}

describe("determinism", () => {
  it("same seed, sizes and now → identical data; another seed → different data", () => {
    expect(everything(base)).toEqual(everything({ ...base }));
    const other = everything({ ...base, seed: 2 });
    expect(other.customers.map((c) => c.info.customer_id)).not.toEqual(everything(base).customers.map((c) => c.info.customer_id));
    expect(everything({ ...base, seed: "1" }).customers[0]!.info.customer_id).not.toBe(everything(base).customers[0]!.info.customer_id);
  });

  it("a customer's data does not depend on how many customers there are", () => {
    const small = everything({ ...base, customers: 5 });
    const large = everything(base);
    expect(large.customers.slice(0, 5)).toEqual(small.customers);
    expect(large.resources.slice(0, 5)).toEqual(small.resources);
  });
});

describe("customers", () => {
  it("mixes association types, shares a handful of account managers, ids unique", () => {
    const { customers, managers } = generateCustomers({ ...base, customers: 200 });
    expect(new Set(customers.map((c) => c.info.customer_id)).size).toBe(200);
    expect(new Set(customers.map((c) => c.info.account_name)).size).toBe(200);
    const reseller = customers.filter((c) => c.info.association_type === "2").length;
    expect(reseller).toBeGreaterThan(100);
    expect(reseller).toBeLessThan(180);
    expect(managers.length).toBeGreaterThanOrEqual(3);
    expect(managers.length).toBeLessThanOrEqual(8);
    const used = new Set(customers.flatMap((c) => c.info.account_managers?.map((m) => m.account_name) ?? []));
    for (const m of used) expect(managers).toContain(m);
    for (const c of customers) {
      // Verified customers have a type and a real-name name; unverified ones have neither.
      if (c.info.verified_status === "2") {
        expect([0, 1]).toContain(c.info.customer_type);
        expect(c.info.customer).toBeTruthy();
      } else {
        expect(c.info.customer_type).toBe(-1);
        expect(c.info.customer).toBeUndefined();
      }
      if (c.info.association_type === "2") expect(c.agency).toBe(true);
      expect(c.agency).toBe(c.info.xaccount_type === base.xaccountType);
    }
  });
});

describe("resources", () => {
  it("property: consistent main/attached structure, statuses and expiry windows for any seed", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.string()), fc.integer({ min: 1, max: 30 }), (seed, per) => {
        const o = { ...base, seed, customers: 6, resourcesPerCustomer: per };
        for (const c of generateCustomers(o).customers) {
          const list = generateResources(o, c);
          const byId = new Map(list.map((r) => [r.resource_id, r]));
          expect(byId.size).toBe(list.length);
          const gr = graceRetentionDays[c.info.customer_level]!;
          for (const r of list) {
            const exp = parseUtc(r.expire_time);
            const days = chinaDay(exp) - chinaDay(NOW);
            expect(days).toBeGreaterThanOrEqual(-Math.min(20, gr.grace + gr.retention));
            expect(days).toBeLessThanOrEqual(60);
            if (exp > NOW) expect(r.status).toBe(2);
            else expect(r.status).toBe(NOW - exp <= gr.grace * DAY_MS ? 5 : 4);
            expect(parseUtc(r.effective_time)).toBeLessThan(exp);
            if (r.is_main_resource === 1) {
              expect(r.parent_resource_id).toBeUndefined();
            } else {
              const main = byId.get(r.parent_resource_id!)!;
              expect(main.is_main_resource).toBe(1);
              expect([r.expire_time, r.status, r.expire_policy, r.region_code]).toEqual([main.expire_time, main.status, main.expire_policy, main.region_code]);
              // Attached ones follow their main directly.
              expect(list.indexOf(main)).toBeLessThan(list.indexOf(r));
            }
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("clusters expiries on the reminder windows, includes expired ones, ECS+EVS, shared bandwidth+EIP and auto-renew", () => {
    const o = { ...base, customers: 100 };
    const all = generateCustomers(o).customers.flatMap((c) => generateResources(o, c));
    const mains = all.filter((r) => r.is_main_resource === 1);
    const offsets = mains.map((r) => chinaDay(parseUtc(r.expire_time)) - chinaDay(NOW));
    for (const w of REMINDER_WINDOWS) expect(offsets.filter((d) => d === w).length, `window ${w}`).toBeGreaterThan(mains.length * 0.04);
    expect(offsets.filter((d) => d < 0).length).toBeGreaterThan(0);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set([2, 4, 5]));
    expect(mains.some((r) => r.expire_policy === 3)).toBe(true);
    const byId = new Map(all.map((r) => [r.resource_id, r]));
    const attachedTo = (codeMain: string, codeAttached: string) =>
      all.some((r) => r.resource_type_code === codeAttached && r.parent_resource_id && byId.get(r.parent_resource_id)!.resource_type_code === codeMain);
    expect(attachedTo("hws.resource.type.vm", "hws.resource.type.volume")).toBe(true);
    expect(attachedTo("hws.resource.type.bandwidth", "hws.resource.type.ip")).toBe(true);
    expect(attachedTo("hws.resource.type.ip", "hws.resource.type.bandwidth")).toBe(true);
    expect(all.some((r) => r.resource_type_code === "hws.resource.type.rds.vm" && r.is_main_resource === 1)).toBe(true);
    // The per-customer count is approximate but averages near the requested size.
    expect(all.length / 100).toBeGreaterThan(12 * 0.7);
    expect(all.length / 100).toBeLessThan(12 * 1.4);
  });
});
