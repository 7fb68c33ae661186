/**
 * Auto-renew consumer steps (shared/renewal/autorenew-pipeline.ts) against the BSS sandbox through the
 * real BSS client (customer tokens via assume_role, safe renew/pay wrappers) and the real ledger on
 * dynalite. Effects are read from the sandbox: `stats.effects` (orders created / paid), `stats.requests`
 * and `data` (orders, resource expiry).
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCredentials, startLocalDynamo, type LocalDynamo } from "../../../local/engine/emulators.ts";
import { kinds } from "../../../local/sandbox/catalog.ts";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { createBssClient, type BssClient } from "../../../shared/bss/index.ts";
import { createDocumentClient, createLedger, type Ledger } from "../../../shared/ledger/index.ts";
import { RenewalAutoRenew, autoRenewEnvelopeId, chooseOrderDiscount, parseAutoRenewSettings, payRequest, stateKeyOf, type AutoRenewSettings, type OutcomeReport } from "../../../shared/renewal/autorenew.ts";
import { bssAutoRenewPort, bssErrorFacts } from "../../../shared/renewal/autorenew-io.ts";
import { processAutoRenew, type AutoRenewBssPort } from "../../../shared/renewal/autorenew-pipeline.ts";

let sandbox: Sandbox;
let dynamo: LocalDynamo;
let client: BssClient;
let ledger: Ledger;
const reports: { report: OutcomeReport; to: string | undefined }[] = [];
const used = new Set<string>();

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 777, customers: 30, resourcesPerCustomer: 8, ratePerSecond: 50 });
  dynamo = await startLocalDynamo();
  const ddb = new DynamoDBClient({ region: "us-east-1", endpoint: dynamo.endpoint, credentials: localCredentials() });
  await ddb.send(new CreateTableCommand({ TableName: "ledger", BillingMode: "PAY_PER_REQUEST", KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }] }));
  ledger = createLedger({ tableName: "ledger", client: createDocumentClient(ddb) });
  client = createBssClient({
    endpoint: sandbox.url,
    iamEndpoint: sandbox.url,
    credentials: sandbox.credentials,
    agencyName: sandbox.xaccountType,
    retry: { baseMs: 5, capMs: 50 },
    rate: 50,
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await sandbox?.close();
  await dynamo?.close();
});

interface Target {
  customerId: string;
  accountName: string;
  resourceId: string;
  expireTime: string;
}

/** A fresh main resource in use, auto-renew off, sold monthly, of a customer with (or without) an agency. */
function target(agency: boolean): Target {
  for (const c of sandbox.data.customers) {
    if (c.agency !== agency) continue;
    for (const r of sandbox.data.resources(c.info.customer_id)) {
      if (r.is_main_resource !== 1 || r.status !== 2 || r.expire_policy === 3 || !kinds[r.kind].periods.includes(2) || used.has(r.resource_id)) continue;
      used.add(r.resource_id);
      return { customerId: c.info.customer_id, accountName: c.info.account_name, resourceId: r.resource_id, expireTime: r.expire_time };
    }
  }
  throw new Error(`no target with agency=${agency}`);
}

function message(t: Target, mode: "dry-run" | "on") {
  const data = { mode, runDate: "2026-07-01", customer: { customerId: t.customerId, accountName: t.accountName, reportTo: "am@partner.example" }, mainResourceId: t.resourceId, expireTime: t.expireTime, window: "7d" };
  return RenewalAutoRenew.create(data, { id: autoRenewEnvelopeId(stateKeyOf(mode, data)) });
}

function settings(mode: "dry-run" | "on", t: Target, extra: Record<string, string> = {}): AutoRenewSettings {
  return parseAutoRenewSettings({ RENEWAL_AUTORENEW_MODE: mode, RENEWAL_AUTORENEW_ALLOW: `customer:${t.customerId}`, RENEWAL_AUTORENEW_MAX_AMOUNT: "100000", ...extra });
}

const run = (t: Target, mode: "dry-run" | "on", s: AutoRenewSettings, bss: AutoRenewBssPort = bssAutoRenewPort(client)) =>
  processAutoRenew({ message: message(t, mode), settings: s, ledger, bss, report: async (report, to) => void reports.push({ report, to }), errorFacts: bssErrorFacts, now: Date.now });

const effects = () => ({ created: sandbox.stats.effects.ordersCreated, paid: sandbox.stats.effects.ordersPaid, renewCalls: sandbox.stats.requests["RenewalResources"] ?? 0, payCalls: sandbox.stats.requests["PayOrders"] ?? 0 });
const expiryOf = (t: Target) => sandbox.data.resources(t.customerId).find((r) => r.resource_id === t.resourceId)!.expire_time;
const ordersOf = (t: Target) => sandbox.data.orders.filter((o) => o.mainResourceId === t.resourceId);
const stateOf = async (t: Target, mode: "dry-run" | "on") => ledger.get(stateKeyOf(mode, { customer: { customerId: t.customerId }, mainResourceId: t.resourceId, expireTime: t.expireTime }));

describe("auto-renew against the sandbox", () => {
  it("dry-run prices and reports, and makes NO renew or pay call", async () => {
    const t = target(true);
    const before = effects();
    const out = await run(t, "dry-run", settings("dry-run", t));
    expect(out.outcome).toBe("dry-run");
    const after = effects();
    expect(after).toEqual(before); // no renew/pay request at all, no order
    expect(sandbox.stats.requests["ListRenewRateOnPeriod"]).toBeGreaterThan(0);
    expect(expiryOf(t)).toBe(t.expireTime);
    const rec = await stateOf(t, "dry-run");
    expect(rec?.status).toBe("done");
    expect(rec?.result?.["state"]).toBe("dry-run");
    expect(rec?.result?.["wouldRenew"]).toBe(true);
    const amount = rec?.result?.["amount"] as number;
    expect(amount).toBeGreaterThan(0);
    const r = reports.at(-1)!;
    expect(r.to).toBe("am@partner.example");
    expect(r.report).toMatchObject({ state: "dry-run", wouldRenew: true, mainResourceId: t.resourceId, amount });
    // the `on` record is untouched: switching to on later still renews
    expect(await stateOf(t, "on")).toBeUndefined();
    // a redelivery reports nothing new
    const again = await run(t, "dry-run", settings("dry-run", t));
    expect(again).toMatchObject({ outcome: "dry-run", alreadyDone: true, reported: false });
  });

  it("on: renews and pays exactly once, the expiry moves one month, a redelivered message does nothing", async () => {
    const t = target(true);
    const before = effects();
    const out = await run(t, "on", settings("on", t));
    expect(out.outcome).toBe("paid");
    expect(effects()).toEqual({ created: before.created + 1, paid: before.paid + 1, renewCalls: before.renewCalls + 1, payCalls: before.payCalls + 1 });
    const orders = ordersOf(t);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.status).toBe(5);
    // partner discount (best_offer) applied: paid less than the official price
    expect(orders[0]!.amount_after_discount).toBeLessThan(orders[0]!.official_amount);
    expect(Date.parse(expiryOf(t)) - Date.parse(t.expireTime)).toBeGreaterThan(27 * 86_400_000);
    const rec = await stateOf(t, "on");
    expect(rec?.result).toMatchObject({ state: "paid", orderIds: [orders[0]!.order_id] });

    const again = await run(t, "on", settings("on", t));
    expect(again).toMatchObject({ outcome: "paid", alreadyDone: true, reported: false });
    expect(effects()).toEqual({ created: before.created + 1, paid: before.paid + 1, renewCalls: before.renewCalls + 1, payCalls: before.payCalls + 1 });
  });

  it("a redelivered message in state 'ordered' pays the existing order instead of renewing again", async () => {
    const t = target(true);
    const before = effects();
    const real = bssAutoRenewPort(client);
    const crashBeforePay: AutoRenewBssPort = { ...real, payOrder: async () => Promise.reject(new Error("function timed out")) };
    await expect(run(t, "on", settings("on", t), crashBeforePay)).rejects.toThrow(/timed out/);
    const mid = await stateOf(t, "on");
    expect(mid?.status).toBe("claimed");
    expect(mid?.attrs?.["state"]).toBe("ordered");
    expect(effects().created).toBe(before.created + 1);

    const out = await run(t, "on", settings("on", t));
    expect(out.outcome).toBe("paid");
    expect(effects()).toMatchObject({ created: before.created + 1, paid: before.paid + 1, renewCalls: before.renewCalls + 1 });
    expect(ordersOf(t)).toHaveLength(1);
  });

  it("a crash between RenewalResources and recording the order: the redelivery finds the order, never renews twice", async () => {
    const t = target(true);
    const before = effects();
    const real = bssAutoRenewPort(client);
    const crashAfterRenew: AutoRenewBssPort = {
      ...real,
      renewResources: async (c, req) => {
        await real.renewResources(c, req);
        throw new Error("function crashed");
      },
    };
    await expect(run(t, "on", settings("on", t), crashAfterRenew)).rejects.toThrow(/crashed/);
    expect((await stateOf(t, "on"))?.attrs?.["state"]).toBe("renewing");
    const out = await run(t, "on", settings("on", t));
    expect(out.outcome).toBe("paid");
    expect(out.outcome === "paid" && out.state["recoveredOrder"]).toBe(true);
    expect(effects()).toMatchObject({ created: before.created + 1, paid: before.paid + 1, renewCalls: before.renewCalls + 1 });
    expect(ordersOf(t)).toHaveLength(1);
  });

  it("with every renew/pay answer lost (ambiguous faults) it still ends with exactly one order and one payment", async () => {
    const t = target(true);
    const before = effects();
    const ambiguousBefore = sandbox.stats.faults.ambiguous;
    sandbox.control.setFaults({ ambiguousRate: 1 });
    let out;
    try {
      out = await run(t, "on", settings("on", t));
    } finally {
      sandbox.control.setFaults({});
    }
    expect(out.outcome).toBe("paid");
    expect(sandbox.stats.faults.ambiguous - ambiguousBefore).toBeGreaterThanOrEqual(2); // renew and pay answers both lost
    expect(effects()).toMatchObject({ created: before.created + 1, paid: before.paid + 1 });
    const orders = ordersOf(t);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.status).toBe(5);
    expect(out.outcome === "paid" && out.state["reconciledRenew"]).toBe(true);
    expect(Date.parse(expiryOf(t))).toBeGreaterThan(Date.parse(t.expireTime));
  });

  it("a price above the safety cap is skipped and reported, with no renew call", async () => {
    const t = target(true);
    const before = effects();
    const out = await run(t, "on", settings("on", t, { RENEWAL_AUTORENEW_MAX_AMOUNT: "0.01" }));
    expect(out.outcome).toBe("skipped");
    expect(effects()).toEqual(before);
    expect(reports.at(-1)!.report).toMatchObject({ state: "skipped", reason: "price above the safety cap of 0.01" });
  });

  it("a customer without an agency ends in a clear failed state (IAM.0004), nothing renewed", async () => {
    const t = target(false);
    const before = effects();
    const out = await run(t, "on", settings("on", t));
    expect(out.outcome).toBe("failed");
    expect(out.outcome === "failed" && out.state).toMatchObject({ state: "failed", stage: "quote", code: "IAM.0004" });
    expect(effects()).toEqual(before);
    expect((await stateOf(t, "on"))?.status).toBe("done");
    expect(reports.at(-1)!.report).toMatchObject({ state: "failed", code: "IAM.0004" });
  });

  it("a request enqueued as 'on' is dropped (claim released) when the function is now configured dry-run", async () => {
    const t = target(true);
    await ledger.claim(stateKeyOf("on", { customer: { customerId: t.customerId }, mainResourceId: t.resourceId, expireTime: t.expireTime }), { state: "claimed", scanId: "x" });
    const before = effects();
    const out = await run(t, "on", settings("dry-run", t));
    expect(out).toEqual({ outcome: "dropped", reason: "mode-lowered" });
    expect(await stateOf(t, "on")).toBeUndefined();
    expect(effects()).toEqual(before);
  });
});

describe("ledger.update (dynalite)", () => {
  it("replaces the attrs of a claimed record, and refuses a missing or done one", async () => {
    await ledger.claim("upd#1", { state: "claimed" });
    await ledger.update("upd#1", { state: "ordered", orderIds: ["o1"] });
    expect(await ledger.get("upd#1")).toMatchObject({ status: "claimed", attrs: { state: "ordered", orderIds: ["o1"] } });
    await ledger.complete("upd#1", { state: "paid" });
    await expect(ledger.update("upd#1", { state: "x" })).rejects.toThrow(/not claimed/);
    await expect(ledger.update("upd#missing", { state: "x" })).rejects.toThrow(/not claimed/);
    expect((await ledger.get("upd#1"))?.attrs).toEqual({ state: "ordered", orderIds: ["o1"] });
  });
});

describe("issue 12.3: PayOrders discounts come from ListOrderDiscounts for the order", () => {
  /** A reseller customer's resource (partner discount on the inquiry and on every order). */
  function resellerTarget(): Target {
    for (const c of sandbox.data.customers) {
      if (!c.agency || c.info.association_type !== "2") continue;
      for (const r of sandbox.data.resources(c.info.customer_id)) {
        if (r.is_main_resource !== 1 || r.status !== 2 || r.expire_policy === 3 || !kinds[r.kind].periods.includes(2) || used.has(r.resource_id)) continue;
        used.add(r.resource_id);
        return { customerId: c.info.customer_id, accountName: c.info.account_name, resourceId: r.resource_id, expireTime: r.expire_time };
      }
    }
    throw new Error("no reseller target left");
  }

  it("the old shortcut (the renewal inquiry's discount id, mapped type) is refused with CBC.99003108; the order's own discount pays", async () => {
    const t = resellerTarget();
    const customer = { id: t.customerId, accountName: t.accountName };
    const quote = await client.renewRate(customer, { resource_ids: [t.resourceId], period_type: 2, period_num: 1, include_relative_resources: true });
    const inquiry = quote.optional_discount_rating_results?.[0];
    expect(inquiry?.discount_type).toBe(607);
    const renewed = await client.renewResources(customer, { resource_ids: [t.resourceId], period_type: 2, period_num: 1 });
    const orderId = renewed.orderIds[0]!;
    const listed = (await client.orderDiscounts(customer, orderId)).discounts ?? [];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.map((d) => d.discount_id)).not.toContain(inquiry!.discount_id);
    const err = await client.payOrder(customer, { order_id: orderId, use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: inquiry!.discount_id!, type: 3 }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CBC.99003108" });
    const chosen = chooseOrderDiscount(listed, orderId, "best-offer")!;
    await client.payOrder(customer, payRequest(orderId, chosen));
    const order = sandbox.data.orders.find((o) => o.order_id === orderId)!;
    expect(order.status).toBe(5);
    expect(order.discount_amount).toBeCloseTo(chosen.saving, 2);
  });

  it("two orders of one customer carry different discount ids", async () => {
    const t1 = resellerTarget();
    const sameCustomer = sandbox.data.resources(t1.customerId).find((r) => r.is_main_resource === 1 && r.status === 2 && r.expire_policy !== 3 && kinds[r.kind].periods.includes(2) && !used.has(r.resource_id));
    if (!sameCustomer) return;
    used.add(sameCustomer.resource_id);
    const customer = { id: t1.customerId, accountName: t1.accountName };
    const a = (await client.renewResources(customer, { resource_ids: [t1.resourceId], period_type: 2, period_num: 1 })).orderIds[0]!;
    const b = (await client.renewResources(customer, { resource_ids: [sameCustomer.resource_id], period_type: 2, period_num: 1 })).orderIds[0]!;
    const ids = async (o: string) => ((await client.orderDiscounts(customer, o)).discounts ?? []).map((d) => d.discount_id);
    const [da, db] = [await ids(a), await ids(b)];
    expect(da.length).toBeGreaterThan(0);
    expect(da.filter((x) => db.includes(x))).toEqual([]);
    // A discount of order a does not pay order b.
    const err = await client.payOrder(customer, { order_id: b, use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: da[0]!, type: 3 }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CBC.99003108" });
  });

  it("the pipeline pays each order with its own discount; a 609 price adjustment is used even with rule 'none'", async () => {
    let with609 = 0;
    let without = 0;
    for (let i = 0; i < 40 && (with609 === 0 || without === 0); i++) {
      const t = target(true);
      const out = await run(t, "on", settings("on", t, { RENEWAL_AUTORENEW_DISCOUNT: "none" }));
      expect(out.outcome).toBe("paid");
      const order = ordersOf(t)[0]!;
      const adj = order.discounts?.find((d) => d.type === 609);
      const rec = await stateOf(t, "on");
      const used = (rec?.result?.["payDiscounts"] as Record<string, { id: string; type: number } | null>)[order.order_id];
      if (adj) {
        with609++;
        expect(used).toMatchObject({ id: adj.id, type: 609 });
        expect(order.discount_amount).toBeGreaterThan(0);
      } else {
        without++;
        expect(used).toBeNull();
        expect(order.amount_after_discount).toBe(order.official_amount);
      }
    }
    expect(with609).toBeGreaterThan(0);
    expect(without).toBeGreaterThan(0);
  });
});
