/**
 * Renewal reminders end to end on the embedded engine (in memory) + the BSS sandbox (≥ 200 customers):
 * scheduler → scan → notify (e-mail outbox + signed webhook on 127.0.0.1) → digest. The expected set of
 * reminders is computed from `sandbox.data` by local/chaos/renewal-oracle.ts with the reference rules written
 * out directly (not with decideReminders). A second run the same day delivers nothing; with 10 % injected BSS errors the
 * delivered set is identical. The same flow also runs once on the international-site sandbox (association
 * type "3", USD, the intl contract's enums), with fewer customers to keep the added time small.
 */
import { resolve } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedReminderKeys, readOutbox, type OutboxMail as Mail } from "../../local/chaos/renewal-oracle.ts";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { bucketName } from "./helpers/fixture.ts";
import { chinaDay, directory, drained, invocationsInFlight, managerEmail, webhookReceiver, type WebhookReceiver } from "./helpers/renewal.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const SECRET = "whsec_e2e_renewal_0123456789abcdef";
const RATE = 200;

interface Run {
  sandbox: Sandbox;
  engine: Engine;
  hook: WebhookReceiver;
  listed: Set<string>;
  inFlight: () => number;
}

async function setUp(errorRate: number, site: "cn" | "intl" = "cn", customers = 240): Promise<Run> {
  const sandbox = await startSandbox({ seed: 4242, customers, resourcesPerCustomer: 6, ratePerSecond: RATE, site, ...(errorRate ? { faults: { errorRate } } : {}) });
  const hook = await webhookReceiver(SECRET);
  const engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile,
    logLevel: "SILENT",
    stage: "local",
    env: { ...sandboxEnv(sandbox), WEBHOOK_SECRET: SECRET },
    params: {
      renewalSchedule: "rate(1 day)",
      renewalDigestSchedule: "rate(1 day)",
      renewalEmailTransport: "outbox",
      bssRatePerSecond: String(RATE),
      renewalDigestFallbackEmail: "desk@partner.example",
      // Reseller customers: association type "2" in China, "3" (resale) on the international site.
      renewalAssociationTypes: site === "intl" ? "3" : "2",
    },
  });
  const inFlight = invocationsInFlight(engine);
  const dir = directory(sandbox, hook.url);
  await engine.clients.s3.send(new PutObjectCommand({ Bucket: bucketName(engine, "RenewalConfigBucket"), Key: "renewal/contacts.json", Body: dir.json, ContentType: "application/json" }));
  return { sandbox, engine, hook, listed: dir.listed, inFlight };
}

async function tearDown(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.engine.close();
  await run.sandbox.close();
  await run.hook.close();
}

async function runOnce(run: Run): Promise<void> {
  const res = await run.engine.invoke("renewal-scheduler", { time: new Date().toISOString() });
  if (!res.ok) throw res.error;
  await drained(run.engine, run.inFlight, ["RenewalScanQueue", "RenewalNotifyQueue"]);
  const digest = await run.engine.invoke("renewal-digest", { time: new Date().toISOString() });
  if (!digest.ok) throw digest.error;
}

function checkDelivered(run: Run, mails: Mail[], expected: Set<string>): void {
  const customerMails = mails.filter((m) => m.digestCount === undefined);
  const emailed = customerMails.flatMap((m) => m.reminderKeys);
  expect(emailed.length, "each reminder e-mailed once").toBe(new Set(emailed).size);
  expect(new Set(emailed)).toEqual(expected);

  const hooked = run.hook.received.flatMap((r) => r.keys);
  expect(hooked.length, "each reminder posted once").toBe(new Set(hooked).size);
  expect(new Set(hooked)).toEqual(new Set([...expected].filter((k) => run.listed.has(k.split("#")[0]!))));
  expect(run.hook.rejected).toBe(0);

  // Customer e-mails go to the directory's contacts, or to the BSS address of unlisted customers.
  for (const m of customerMails) {
    const cid = m.reminderKeys[0]!.split("#")[0]!;
    const info = run.sandbox.data.customer(cid)!.info;
    if (run.listed.has(cid)) expect(m.to.every((a) => a.endsWith("@customer.example"))).toBe(true);
    else expect(m.to).toEqual([info.email]);
  }

  // Digest: one e-mail per manager (plus the desk for customers without one), together every reminder.
  const digests = mails.filter((m) => m.digestCount !== undefined);
  const recipients = digests.map((m) => m.to.join(","));
  expect(recipients.length).toBe(new Set(recipients).size);
  expect(digests.reduce((n, m) => n + m.digestCount!, 0)).toBe(expected.size);
  const managers = new Set<string>();
  for (const k of expected) {
    const cid = k.split("#")[0]!;
    const am = run.sandbox.data.customer(cid)!.info.account_managers?.[0]?.account_name;
    managers.add(run.listed.has(cid) && am ? managerEmail(am) : "desk@partner.example");
  }
  expect(new Set(recipients)).toEqual(managers);
}

describe("renewal reminders on the engine + sandbox", () => {
  let run: Run | undefined;
  beforeAll(async () => {
    run = await setUp(0);
  }, 30_000);
  afterAll(async () => tearDown(run), 60_000);

  it("delivers exactly the expected reminders, then nothing on a second run the same day", async () => {
    const r = run!;
    expect(r.sandbox.data.customers.length).toBeGreaterThanOrEqual(200);
    const now = Date.now();
    const expected = expectedReminderKeys(r.sandbox.data, now);
    expect(expected.size).toBeGreaterThan(100);
    await runOnce(r);
    const first = await readOutbox(r.engine);
    checkDelivered(r, first, expected);
    expect(r.sandbox.stats.throttled).toBe(0);

    const hooksBefore = r.hook.received.length;
    await runOnce(r);
    const second = await readOutbox(r.engine);
    expect(second.length).toBe(first.length);
    expect(r.hook.received.length).toBe(hooksBefore);
  }, 60_000);
});

describe("renewal reminders with 10 % injected BSS errors", () => {
  let run: Run | undefined;
  beforeAll(async () => {
    run = await setUp(0.1);
  }, 30_000);
  afterAll(async () => tearDown(run), 60_000);

  it("delivers the identical set", async () => {
    const r = run!;
    const expected = expectedReminderKeys(r.sandbox.data, Date.now());
    await runOnce(r);
    checkDelivered(r, await readOutbox(r.engine), expected);
    expect(r.sandbox.stats.faults.error).toBeGreaterThan(10);
  }, 60_000);
});

describe("renewal reminders on the international-site sandbox", () => {
  let run: Run | undefined;
  beforeAll(async () => {
    run = await setUp(0, "intl", 40);
  }, 30_000);
  afterAll(async () => tearDown(run), 60_000);

  it("delivers exactly the expected reminders to the resale (type 3) customers", async () => {
    const r = run!;
    expect(new Set(r.sandbox.data.customers.map((c) => c.info.association_type))).toEqual(new Set(["1", "3"]));
    const expected = expectedReminderKeys(r.sandbox.data, Date.now());
    expect(expected.size).toBeGreaterThan(10);
    await runOnce(r);
    checkDelivered(r, await readOutbox(r.engine), expected);
  }, 60_000);
});
