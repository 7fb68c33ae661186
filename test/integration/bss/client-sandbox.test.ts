/**
 * The BSS client against the BSS sandbox (local/sandbox): the same catalogue on both sides,
 * real signatures, the sandbox's rate limit, and injected faults.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBssClient } from "../../../shared/bss/index.ts";
import type { BssClient, BssEvent } from "../../../shared/bss/index.ts";
import { startSandbox, toApiResource } from "../../../local/sandbox/index.ts";
import type { Sandbox } from "../../../local/sandbox/index.ts";
import { kinds } from "../../../local/sandbox/catalog.ts";
import { chooseOrderDiscount, payRequest } from "../../../shared/renewal/autorenew.ts";

let sandbox: Sandbox;
let client: BssClient;
const events: BssEvent[] = [];

beforeAll(async () => {
  // The sandbox enforces its quota per account and API like BSS; both sides use 50/s here instead
  // of the documented 10/s only to keep the test short (the client's limiter is what is tested).
  sandbox = await startSandbox({ seed: 4242, customers: 12, resourcesPerCustomer: 4, ratePerSecond: 50 });
  client = createBssClient({
    endpoint: sandbox.url,
    iamEndpoint: sandbox.url,
    credentials: sandbox.credentials,
    agencyName: sandbox.xaccountType,
    retry: { baseMs: 5, capMs: 50 },
    maxAttempts: 6,
    rate: 50,
    timeoutMs: 2000,
    onEvent: (e) => events.push(e),
  });
});
afterAll(async () => {
  await sandbox?.close();
});

interface Snapshot {
  customers: unknown[];
  resources: Record<string, { resource_id: string; expire_time: string; status: number; is_main_resource: number }[]>;
}

async function listEverything(pageSize: number): Promise<Snapshot> {
  const customers: unknown[] = [];
  const resources: Snapshot["resources"] = {};
  for await (const c of client.subCustomers({}, { pageSize })) {
    customers.push(c);
    const list: Snapshot["resources"][string] = [];
    for await (const r of client.customerResources(c.customer_id, {}, { pageSize: 3 })) {
      list.push({ resource_id: r.resource_id!, expire_time: r.expire_time!, status: r.status!, is_main_resource: r.is_main_resource! });
    }
    resources[c.customer_id] = list;
  }
  return { customers, resources };
}

const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)); // drop undefined fields, as JSON does

describe("BSS client ↔ sandbox", () => {
  let clean: Snapshot;

  it("lists every customer and resource through paginate, exactly as the sandbox holds them, without being throttled", async () => {
    clean = await listEverything(5);
    expect(clean.customers).toEqual(strip(sandbox.data.customers.map((c) => c.info)));
    for (const c of sandbox.data.customers) {
      const expected = sandbox.data.resources(c.info.customer_id).map((r) => {
        const api = toApiResource(r, "zh_CN") as { resource_id: string; expire_time: string; status: number; is_main_resource: number };
        return { resource_id: api.resource_id, expire_time: api.expire_time, status: api.status, is_main_resource: api.is_main_resource };
      });
      expect([c.info.customer_id, clean.resources[c.info.customer_id]]).toEqual([c.info.customer_id, expected]);
    }
    expect(sandbox.stats.throttled).toBe(0); // the client's limiter kept it under the quota per API
    expect(events.every((e) => e.type !== "attempt" || e.outcome === "ok")).toBe(true);
  });

  it("with 10 % errors and 5 % throttling injected, reads still complete with the same result", async () => {
    sandbox.control.setFaults({ errorRate: 0.1, throttleRate: 0.05 });
    const before = { ...sandbox.stats.faults };
    try {
      const faulty = await listEverything(5);
      expect(faulty).toEqual(clean);
    } finally {
      sandbox.control.setFaults({});
    }
    // faults really were injected (which kinds depends on the seed)
    expect(sandbox.stats.faults.error - before.error + (sandbox.stats.faults.throttle - before.throttle)).toBeGreaterThan(0);
  });

  it("renew + pay through the safe wrappers with ambiguous faults never creates two orders or payments for one renewal", async () => {
    // Main, in-use resources of customers that have the assume_role agency; up to 2 per customer
    // (two sequential renewals for one customer exercise the snapshot-based reconciliation).
    const targets: { customerId: string; resourceId: string; periodType: 2 | 3 }[] = [];
    for (const c of sandbox.data.customers) {
      if (!c.agency) continue;
      const mains = sandbox.data.resources(c.info.customer_id).filter((r) => r.is_main_resource === 1 && r.status === 2);
      for (const r of mains.slice(0, 2)) {
        // one period of a kind the product is sold in (some products are yearly only)
        targets.push({ customerId: c.info.customer_id, resourceId: r.resource_id, periodType: kinds[r.kind].periods.includes(2) ? 2 : 3 });
      }
    }
    expect(targets.length).toBeGreaterThanOrEqual(6);
    const ordersBefore = sandbox.data.orders.length;
    const paidBefore = sandbox.stats.effects.ordersPaid;
    const expiryBefore = new Map(targets.map((t) => [t.resourceId, sandbox.data.resources(t.customerId).find((r) => r.resource_id === t.resourceId)!.expire_time]));

    sandbox.control.setFaults({ ambiguousRate: 0.5 });
    let reconciledRenewals = 0;
    let reconciledPayments = 0;
    const failures: string[] = [];
    try {
      for (const t of targets) {
        const customer = { id: t.customerId };
        let renewed;
        try {
          renewed = await client.renewResources(customer, { resource_ids: [t.resourceId], period_type: t.periodType, period_num: 1 });
        } catch (err) {
          failures.push(`renew ${t.resourceId}: ${(err as Error).message}`);
          continue;
        }
        if (renewed.reconciled) reconciledRenewals++;
        expect(renewed.failures).toEqual([]);
        expect(renewed.orderIds.length).toBe(1);
        // A 609 price adjustment on the order must be used (issue 12.3); no other discount is taken here.
        const orderId = renewed.orderIds[0]!;
        const adjustment = chooseOrderDiscount((await client.orderDiscounts(customer, orderId)).discounts ?? [], orderId, "none");
        const paid = await client.payOrder(customer, payRequest(orderId, adjustment));
        if (paid.reconciled) reconciledPayments++;
      }
    } finally {
      sandbox.control.setFaults({});
    }
    expect(failures).toEqual([]);
    // Faults really happened and were reconciled.
    expect(sandbox.stats.faults.ambiguous).toBeGreaterThan(0);
    expect(reconciledRenewals + reconciledPayments).toBeGreaterThan(0);
    // Exactly one order per renewed resource, each paid exactly once, each resource extended.
    const newOrders = sandbox.data.orders.slice(ordersBefore);
    expect(newOrders.length).toBe(targets.length);
    for (const t of targets) {
      const mine = newOrders.filter((o) => o.mainResourceId === t.resourceId);
      expect([t.resourceId, mine.length, mine[0]?.status]).toEqual([t.resourceId, 1, 5]);
      const after = sandbox.data.resources(t.customerId).find((r) => r.resource_id === t.resourceId)!.expire_time;
      expect(after > expiryBefore.get(t.resourceId)!).toBe(true);
    }
    expect(sandbox.stats.effects.ordersPaid - paidBefore).toBe(targets.length);
    if (process.env["BSS_TEST_REPORT"]) {
      console.log(`renewals ${targets.length}, ambiguous faults ${sandbox.stats.faults.ambiguous}, reconciled renewals ${reconciledRenewals}, reconciled payments ${reconciledPayments}`);
    }
  });
});
