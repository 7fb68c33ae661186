/**
 * Optional auto-renew end to end on the embedded engine (in memory) + the BSS sandbox: scheduler →
 * scan → RenewalAutoRenewQueue → renewal-autorenew. Targets are allow-listed by main resource id
 * (due within 30 days, in use, sold yearly, customer with an agency). dry-run: no RenewalResources /
 * PayOrders request at all, a "would renew" report per target. on: exactly one order and one payment
 * per target, the expiry moves a year, a second run and a re-sent request renew nothing.
 */
import { resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { PAYABLE_DISCOUNT_TYPES, RenewalAutoRenew } from "../../shared/renewal/autorenew.ts";
import { bucketName } from "./helpers/fixture.ts";
import { autoRenewParams, autoRenewTargets, drained, invocationsInFlight, type AutoRenewTarget } from "./helpers/renewal.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const RATE = 100;
const DAY = 86_400_000;

interface Run {
  sandbox: Sandbox;
  engine: Engine;
  targets: AutoRenewTarget[];
  running: () => number;
}

let current: Run | undefined;
afterEach(async () => {
  await current?.engine.close();
  await current?.sandbox.close();
  current = undefined;
}, 60_000);

async function setUp(mode: "dry-run" | "on"): Promise<Run> {
  const sandbox = await startSandbox({ seed: 9090, customers: 40, resourcesPerCustomer: 6, ratePerSecond: RATE });
  const t = autoRenewTargets(sandbox, 3);
  expect(t.length).toBe(3);
  const engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile,
    logLevel: "SILENT",
    stage: "local",
    env: { ...sandboxEnv(sandbox) },
    params: {
      renewalSchedule: "rate(1 day)",
      renewalDigestSchedule: "rate(1 day)",
      renewalEmailTransport: "outbox",
      bssRatePerSecond: String(RATE),
      ...autoRenewParams(mode, t),
    },
  });
  current = { sandbox, engine, targets: t, running: invocationsInFlight(engine) };
  return current;
}

async function runScheduler(run: Run): Promise<void> {
  const res = await run.engine.invoke("renewal-scheduler", { time: new Date().toISOString() });
  if (!res.ok) throw res.error;
  await drained(run.engine, run.running, ["RenewalScanQueue", "RenewalNotifyQueue", "RenewalAutoRenewQueue"]);
}

async function autoRenewReports(engine: Engine): Promise<{ tag: string; to: string[]; text: string }[]> {
  const Bucket = bucketName(engine, "RenewalConfigBucket");
  const res = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: "outbox/" }));
  const out: { tag: string; to: string[]; text: string }[] = [];
  for (const o of res.Contents ?? []) {
    const obj = await engine.clients.s3.send(new GetObjectCommand({ Bucket, Key: o.Key! }));
    const mail = await simpleParser(Buffer.from(await obj.Body!.transformToByteArray()));
    const tag = mail.headers.get("x-partner-ops-autorenew");
    if (typeof tag !== "string") continue;
    const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));
    out.push({ tag, to, text: mail.text ?? "" });
  }
  return out;
}

const calls = (sb: Sandbox) => ({
  renew: sb.stats.requests["RenewalResources"] ?? 0,
  pay: sb.stats.requests["PayOrders"] ?? 0,
  created: sb.stats.effects.ordersCreated,
  paid: sb.stats.effects.ordersPaid,
});

describe("auto-renew on the engine + sandbox", () => {
  it("dry-run: reports 'would renew' for each allow-listed resource and makes no renew or pay call", async () => {
    const run = await setUp("dry-run");
    await runScheduler(run);
    expect(calls(run.sandbox)).toEqual({ renew: 0, pay: 0, created: 0, paid: 0 });
    expect(run.sandbox.stats.requests["ListRenewRateOnPeriod"]).toBe(3);
    for (const t of run.targets) expect(run.sandbox.data.resources(t.customerId).find((r) => r.resource_id === t.resourceId)!.expire_time).toBe(t.expireTime);
    const reports = await autoRenewReports(run.engine);
    expect(reports.map((r) => r.tag).sort()).toEqual(run.targets.map((t) => `dry-run ${t.resourceId}`).sort());
    for (const r of reports) {
      expect(r.to).toEqual(["desk@partner.example"]);
      // The report templates in renewalDigestLanguage (default zh).
      expect(r.text).toMatch(/演练：将为 .* 续费 1 年，金额 ¥\d+\.\d{2}。/);
    }
    // a second run the same day neither quotes nor reports again
    await runScheduler(run);
    expect(run.sandbox.stats.requests["ListRenewRateOnPeriod"]).toBe(3);
    expect((await autoRenewReports(run.engine)).length).toBe(3);
  }, 90_000);

  it("on: renews and pays each allow-listed resource exactly once, the expiry moves a year, re-runs renew nothing", async () => {
    const run = await setUp("on");
    await runScheduler(run);
    expect(calls(run.sandbox)).toMatchObject({ renew: 3, pay: 3, created: 3, paid: 3 });
    let discounted = 0;
    for (const t of run.targets) {
      const orders = run.sandbox.data.orders.filter((o) => o.mainResourceId === t.resourceId);
      expect(orders).toHaveLength(1);
      expect(orders[0]!.status).toBe(5);
      // Paid with the order's own discount (ListOrderDiscounts, issue 12.3): the 609 price adjustment when
      // the order has one, else the largest saving of a type both sites' pay enums take (rule best-offer);
      // never an id of the price inquiry.
      const offers = (orders[0]!.discounts ?? []).filter((d) => PAYABLE_DISCOUNT_TYPES.has(d.type));
      // (largest saving = largest rate on the same order; equal savings: the lowest id, as documented)
      const expected = offers.find((d) => d.type === 609) ?? [...offers].sort((a, b) => b.rate - a.rate || (a.id < b.id ? -1 : 1))[0];
      expect(orders[0]!.paidDiscountId).toBe(expected?.id);
      if (expected) discounted++;
      const now = run.sandbox.data.resources(t.customerId).find((r) => r.resource_id === t.resourceId)!.expire_time;
      expect(Date.parse(now) - Date.parse(t.expireTime)).toBeGreaterThanOrEqual(365 * DAY);
    }
    expect(discounted).toBeGreaterThan(0);
    const reports = await autoRenewReports(run.engine);
    expect(reports.map((r) => r.tag).sort()).toEqual(run.targets.map((t) => `paid ${t.resourceId}`).sort());

    // Second run: the renewed resources are no longer due; nothing is renewed or paid.
    await runScheduler(run);
    expect(calls(run.sandbox)).toMatchObject({ renew: 3, pay: 3, created: 3, paid: 3 });

    // The same request sent again under a new envelope id (bypassing the idempotency table) hits the
    // ledger record "paid" and does nothing.
    const t = run.targets[0]!;
    const env = RenewalAutoRenew.create(
      { mode: "on", runDate: "2026-07-01", customer: { customerId: t.customerId }, mainResourceId: t.resourceId, expireTime: t.expireTime, window: "7d" },
      { id: `manual-resend-${Date.now()}` },
    );
    const res = await run.engine.invoke("renewal-autorenew", { Records: [{ messageId: "m-1", receiptHandle: "local", body: JSON.stringify(env), attributes: { ApproximateReceiveCount: "1" }, messageAttributes: {}, eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q", awsRegion: "us-east-1" }] });
    expect(res.ok && res.result).toEqual({ batchItemFailures: [] });
    expect(calls(run.sandbox)).toMatchObject({ renew: 3, pay: 3, created: 3, paid: 3 });
  }, 90_000);
});
