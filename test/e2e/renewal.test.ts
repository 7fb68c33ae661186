/**
 * Renewal reminders end to end on the embedded engine (in memory) + the BSS sandbox (≥ 200 customers):
 * scheduler → scan → notify (e-mail outbox + signed webhook on 127.0.0.1) → digest. The expected set of
 * reminders is computed HERE from `sandbox.data` with the reference rules written out directly (not with
 * decideReminders). A second run the same day delivers nothing; with 10 % injected BSS errors the
 * delivered set is identical.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { verifyWebhookSignature } from "../../shared/signing/index.ts";
import { bucketName, queueDepth, queueName, waitFor } from "./helpers/fixture.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const SECRET = "whsec_e2e_renewal_0123456789abcdef";
const RATE = 200;
const DAY = 86_400_000;
const WINDOWS = [30, 15, 7, 3, 1];

// ---------------------------------------------------------------------------------------------
// Expected reminders, from the reference rules (bss-api §5.1, partner-processes B, issue 4):
// reseller customers only; a master with its attached resources (parent_resource_id); counted
// statuses 2/4/5; expire_policy 3 (auto-renew) skipped; days left = China calendar days (UTC+8, no
// DST); status 5 → "grace", 4 → "retention"; otherwise the smallest window W in 30/15/7/3/1 with
// days left ≤ W.

const chinaDay = (ms: number) => Math.floor((ms + 8 * 3_600_000) / DAY);

function expectedKeys(sb: Sandbox, nowMs: number): Set<string> {
  const out = new Set<string>();
  for (const c of sb.data.customers) {
    if (c.info.association_type !== "2") continue;
    for (const r of sb.data.resources(c.info.customer_id)) {
      if (r.is_main_resource !== 1) continue;
      if (![2, 4, 5].includes(r.status) || r.expire_policy === 3) continue;
      const expire = Date.parse(r.expire_time);
      let window: string | undefined;
      if (r.status === 4 && expire <= nowMs) window = "retention";
      else if (r.status === 5 && expire <= nowMs) window = "grace";
      else if (expire > nowMs) {
        const left = chinaDay(expire) - chinaDay(nowMs);
        const fits = WINDOWS.filter((w) => left <= w);
        if (fits.length) window = `${Math.min(...fits)}d`;
      }
      if (window) out.add(`${c.info.customer_id}#${r.resource_id}#${r.expire_time}#${window}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Received {
  keys: string[];
  customerId: string;
}

async function webhookReceiver(): Promise<{ server: Server; url: string; received: Received[]; rejected: number }> {
  const state = { received: [] as Received[], rejected: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const v = verifyWebhookSignature(raw, req.headers["x-partner-ops-signature"] as string | undefined, { secrets: [SECRET] });
      if (!v.ok) {
        state.rejected++;
        res.writeHead(401).end();
        return;
      }
      const body = JSON.parse(raw.toString("utf8")) as { customer_id: string; reminders: { keyString: string }[] };
      state.received.push({ customerId: body.customer_id, keys: body.reminders.map((r) => r.keyString) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/renewal`,
    received: state.received,
    get rejected() {
      return state.rejected;
    },
  };
}

const managerEmail = (name: string) => `${name}@partner.example`;

/** Directory: every reseller customer but every 7th (those fall back to their BSS e-mail). */
function directory(sb: Sandbox, hookUrl: string): { json: string; listed: Set<string> } {
  const listed = new Set<string>();
  const entries = sb.data.customers
    .filter((c, i) => c.info.association_type === "2" && i % 7 !== 0)
    .map((c, i) => {
      listed.add(c.info.customer_id);
      const am = c.info.account_managers?.[0]?.account_name;
      return {
        customer_id: c.info.customer_id,
        contacts: [{ name: `Ops ${i}`, email: `ops-${i}@customer.example` }],
        ...(am ? { account_manager: { name: am, email: managerEmail(am) } } : {}),
        language: i % 2 ? "en" : "zh",
        channels: [{ type: "email" }, { type: "webhook", url: hookUrl, secret_ref: "env:WEBHOOK_SECRET" }],
      };
    });
  return { json: JSON.stringify({ customers: entries }), listed };
}

interface Mail {
  key: string;
  to: string[];
  reminderKeys: string[];
  digestCount: number | undefined;
}

async function outbox(engine: Engine): Promise<Mail[]> {
  const Bucket = bucketName(engine, "RenewalConfigBucket");
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: "outbox/", ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return Promise.all(
    keys.map(async (key) => {
      const o = await engine.clients.s3.send(new GetObjectCommand({ Bucket, Key: key }));
      const mail = await simpleParser(Buffer.from(await o.Body!.transformToByteArray()));
      const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ""));
      const k = mail.headers.get("x-partner-ops-reminder-keys");
      const n = mail.headers.get("x-partner-ops-reminder-count");
      return { key, to, reminderKeys: typeof k === "string" ? k.split(/\s+/).filter(Boolean) : [], digestCount: typeof n === "string" ? Number(n) : undefined };
    }),
  );
}

/** Waits until both renewal queues are empty and no invocation runs, twice in a row. */
async function drained(engine: Engine, inFlight: () => number): Promise<void> {
  const names = [queueName(engine, "RenewalScanQueue"), queueName(engine, "RenewalNotifyQueue")];
  let quiet = 0;
  await waitFor(
    "renewal queues to drain",
    () => {
      const busy = inFlight() > 0 || names.some((n) => {
        const d = queueDepth(engine, n);
        return d.ready + d.inflight + d.delayed > 0;
      });
      quiet = busy ? 0 : quiet + 1;
      return quiet >= 4;
    },
    45_000,
    150,
  );
}

interface Run {
  sandbox: Sandbox;
  engine: Engine;
  hook: Awaited<ReturnType<typeof webhookReceiver>>;
  listed: Set<string>;
  inFlight: () => number;
}

async function setUp(errorRate: number): Promise<Run> {
  const sandbox = await startSandbox({ seed: 4242, customers: 240, resourcesPerCustomer: 6, ratePerSecond: RATE, ...(errorRate ? { faults: { errorRate } } : {}) });
  const hook = await webhookReceiver();
  const engine = await startEngine({
    serviceFile,
    inMemory: true,
    httpPort: 0,
    smtpPort: 0,
    pollWaitSeconds: 0,
    pollIdleMs: 20,
    logLevel: "SILENT",
    stage: "local",
    env: { ...sandboxEnv(sandbox), WEBHOOK_SECRET: SECRET },
    params: {
      renewalSchedule: "rate(1 day)",
      renewalDigestSchedule: "rate(1 day)",
      renewalEmailTransport: "outbox",
      bssRatePerSecond: String(RATE),
      renewalDigestFallbackEmail: "desk@partner.example",
    },
  });
  let running = 0;
  engine.events.on("invocation-start", () => running++);
  engine.events.on("invocation", () => running--);
  const dir = directory(sandbox, hook.url);
  await engine.clients.s3.send(new PutObjectCommand({ Bucket: bucketName(engine, "RenewalConfigBucket"), Key: "renewal/contacts.json", Body: dir.json, ContentType: "application/json" }));
  return { sandbox, engine, hook, listed: dir.listed, inFlight: () => running };
}

async function tearDown(run: Run | undefined): Promise<void> {
  if (!run) return;
  await run.engine.close();
  await run.sandbox.close();
  await new Promise((r) => run.hook.server.close(r));
}

async function runOnce(run: Run): Promise<void> {
  const res = await run.engine.invoke("renewal-scheduler", { time: new Date().toISOString() });
  if (!res.ok) throw res.error;
  await drained(run.engine, run.inFlight);
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
    const expected = expectedKeys(r.sandbox, now);
    expect(expected.size).toBeGreaterThan(100);
    await runOnce(r);
    const first = await outbox(r.engine);
    checkDelivered(r, first, expected);
    expect(r.sandbox.stats.throttled).toBe(0);

    const hooksBefore = r.hook.received.length;
    await runOnce(r);
    const second = await outbox(r.engine);
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
    const expected = expectedKeys(r.sandbox, Date.now());
    await runOnce(r);
    checkDelivered(r, await outbox(r.engine), expected);
    expect(r.sandbox.stats.faults.error).toBeGreaterThan(10);
  }, 60_000);
});
