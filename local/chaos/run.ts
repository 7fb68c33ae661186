/**
 * The chaos run: the embedded engine (serverless.yml, in memory) + the BSS sandbox with injected
 * faults (5xx, 429, held requests that time out), queues whose visibility timeout is shorter than
 * some processing (messages redelivered while the first delivery still runs), a webhook receiver
 * that answers some requests late or with a 503, and consumers stopped abruptly mid-batch
 * (Engine.abandonInFlight). Then it checks, against independent oracles:
 *
 * - renewal reminders: delivered set per channel (e-mail outbox, signed webhook) = expected set from
 *   the sandbox data; duplicated (a key delivered more than once on a channel) and lost (expected,
 *   not delivered) must be 0;
 * - real-name applications (signed HTTP API): each ends approved/rejected as the sandbox reviews it
 *   and was submitted to BSS exactly once;
 * - invoice notices over SMTP (some sent twice): each notice stored once and equal to its expected
 *   JSON, the phishing one rejected, exactly one event per message.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import nodemailer from "nodemailer";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../engine/engine.ts";
import { S3_EVENTS_DLQ, S3_EVENTS_QUEUE } from "../engine/s3-notify.ts";
import { sandboxEnv, startSandbox, type FaultConfig, type Sandbox, type SandboxStats } from "../sandbox/index.ts";
import { noticeIdOf, parseInvoiceEmail } from "../../shared/email/index.ts";
import { usccCheckChar } from "../../shared/realname/index.ts";
import { sampleJpeg } from "../../shared/realname/sample-files.ts";
import { signWebhook } from "../../shared/signing/index.ts";
import { contactsDirectory, expectedReminderKeys, queueBacklog, readOutbox, startWebhookReceiver, waitDrained } from "./renewal-oracle.ts";

export interface ChaosOptions {
  /** Customers × resources per customer = resources scanned. Default 500 × 20 = 10,000. */
  customers?: number;
  resourcesPerCustomer?: number;
  seed?: number;
  /** BSS requests per second (sandbox quota and the functions' budget). Default 200. */
  ratePerSecond?: number;
  /** Sandbox faults. Default 10 % 5xx, 5 % 429, 3 % held (timeout). */
  faults?: FaultConfig;
  /** Per-attempt BSS timeout of the functions (HWC_TIMEOUT_MS), ms. Default 1000. */
  bssTimeoutMs?: number;
  /** Queue visibility timeouts, seconds, by logical id (or queue name). */
  visibilityTimeoutSeconds?: Record<string, number>;
  /**
   * Receives before the DLQ for the queues whose visibility timeout is shortened: a batch can then take
   * longer than the timeout (a late webhook, a stopped consumer's batch still running), and each
   * receive meanwhile finds the claim busy. Sized so only a message that really keeps failing is
   * dead-lettered. Default 20.
   */
  maxReceiveCount?: Record<string, number>;
  /** Every n-th webhook request is answered after `webhookDelayMs` (longer than the notify visibility timeout). */
  webhookDelayEvery?: number;
  webhookDelayMs?: number;
  /** Every n-th webhook request is answered 503 (the receiver's own failure). */
  webhookFailEvery?: number;
  /** Real-name applications (alternating enterprise / individual; every third rejected by the reviewer). */
  realnameApplications?: number;
  /** Functions whose consumer is stopped abruptly once, mid-batch. */
  abandon?: readonly string[];
  /** Overall deadline for the flows to settle, ms. */
  settleTimeoutMs?: number;
  serviceFile?: string;
  invoiceFixturesDir?: string;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface ChannelTally {
  expected: number;
  delivered: number;
  duplicated: number;
  lost: number;
  /** Delivered keys that were not expected. */
  unexpected: number;
}

export interface ChaosReport {
  resources: number;
  customers: number;
  elapsedMs: number;
  renewal: { email: ChannelTally; webhook: ChannelTally };
  delivery: {
    /** Receives with ApproximateReceiveCount > 1, per function. */
    redeliveries: Record<string, number>;
    /** Receives of a message whose previous delivery was still being processed. */
    whileProcessing: number;
    /** Messages of batches abandoned by an abrupt consumer stop, per function. */
    abandoned: Record<string, number>;
    /** Messages now in a dead-letter queue. */
    deadLettered: Record<string, number>;
    webhook: { delayed: number; failed: number; rejected: number };
  };
  faults: { injected: SandboxStats["faults"]; limiterThrottled: number; requests: number };
  realname: { id: string; customerId: string; kind: string; expected: string; final: string; submissions: number }[];
  invoice: { messages: number; sentTwice: number; notices: { fixture: string; kind: string; expected: string; outcome: string; events: number; ok: boolean }[] };
  problems: string[];
  ok: boolean;
}

const SECRET = "whsec_chaos_0123456789abcdef0123";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const defaults = {
  customers: 500,
  resourcesPerCustomer: 20,
  seed: 20250612,
  ratePerSecond: 200,
  faults: { errorRate: 0.1, throttleRate: 0.05, timeoutRate: 0.03 } satisfies FaultConfig,
  bssTimeoutMs: 1000,
  visibilityTimeoutSeconds: { RenewalScanQueue: 6, RenewalNotifyQueue: 3, RealnameSubmitQueue: 4, [S3_EVENTS_QUEUE]: 4 } as Record<string, number>,
  maxReceiveCount: { RenewalScanQueue: 20, RenewalNotifyQueue: 20, RealnameSubmitQueue: 20, [S3_EVENTS_QUEUE]: 20 } as Record<string, number>,
  webhookDelayEvery: 17,
  webhookDelayMs: 4000,
  webhookFailEvery: 23,
  realnameApplications: 8,
  abandon: ["notify", "renewal-scan"],
  settleTimeoutMs: 600_000,
};

/** A small well-formed JPEG with a tag inside. */
const tinyJpeg = (tag: string): Buffer => sampleJpeg(2048, `chaos-${tag}`);

function tally(expected: Set<string>, deliveredKeys: string[]): ChannelTally {
  const counts = new Map<string, number>();
  for (const k of deliveredKeys) counts.set(k, (counts.get(k) ?? 0) + 1);
  let duplicated = 0;
  let unexpected = 0;
  for (const [k, n] of counts) {
    if (n > 1) duplicated++;
    if (!expected.has(k)) unexpected++;
  }
  let lost = 0;
  for (const k of expected) if (!counts.has(k)) lost++;
  return { expected: expected.size, delivered: counts.size, duplicated, lost, unexpected };
}

export async function runChaos(input: ChaosOptions = {}): Promise<ChaosReport> {
  const o = {
    ...defaults,
    ...input,
    visibilityTimeoutSeconds: { ...defaults.visibilityTimeoutSeconds, ...input.visibilityTimeoutSeconds },
    maxReceiveCount: { ...defaults.maxReceiveCount, ...input.maxReceiveCount },
  };
  const progress = o.progress ?? (() => undefined);
  const started = Date.now();
  const problems: string[] = [];
  const serviceFile = resolve(o.serviceFile ?? resolve(import.meta.dirname, "../../serverless.yml"));
  const fixturesDir = o.invoiceFixturesDir ?? resolve(import.meta.dirname, "../../test/fixtures/invoice-emails");

  let engine: Engine | undefined;
  let sb: Sandbox | undefined;
  let s3ForSandbox: Engine["clients"]["s3"] | undefined;
  const obsBucket = "partner-realname-attachments";
  sb = await startSandbox({
    seed: o.seed,
    customers: o.customers,
    resourcesPerCustomer: o.resourcesPerCustomer,
    ratePerSecond: o.ratePerSecond,
    attachmentExists: async (rel) => {
      try {
        const h = await s3ForSandbox!.send(new HeadObjectCommand({ Bucket: obsBucket, Key: `download/${rel}` }));
        return { size: h.ContentLength ?? 0 };
      } catch {
        return undefined;
      }
    },
  });
  const hook = await startWebhookReceiver({
    secret: SECRET,
    behaviour: (n) => (n % o.webhookFailEvery === 0 ? { status: 503 } : n % o.webhookDelayEvery === 0 ? { delayMs: o.webhookDelayMs } : {}),
  });
  const portal = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => portal.listen(0, "127.0.0.1", r));
  const portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}/hooks/realname`;

  try {
    engine = await startEngine({
      ...THROWAWAY_ENGINE,
      serviceFile,
      stage: "local",
      rateScale: 0.005, // realname-status every 300 ms
      sandbox: "off",
      logLevel: "SILENT",
      env: { ...sandboxEnv(sb), WEBHOOK_SECRET: SECRET, HWC_TIMEOUT_MS: String(o.bssTimeoutMs) },
      visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
      maxReceiveCount: o.maxReceiveCount,
      params: {
        renewalSchedule: "rate(30 days)",
        renewalDigestSchedule: "rate(30 days)",
        renewalEmailTransport: "outbox",
        bssRatePerSecond: String(o.ratePerSecond),
        realnamePollSeconds: "0",
        realnameRequeueSeconds: "2",
        invoiceInternalDomains: "shilicloud.example,xugou-digital.example,yangli-net.example",
      },
    });
    const e = engine;
    s3ForSandbox = e.clients.s3;
    const sandbox = sb;

    // --- observation -------------------------------------------------------------------------
    const running = new Map<string, number>();
    e.events.on("invocation-start", (r: { function: string }) => running.set(r.function, (running.get(r.function) ?? 0) + 1));
    e.events.on("invocation", (r: { function: string }) => running.set(r.function, (running.get(r.function) ?? 0) - 1));
    const redeliveries: Record<string, number> = {};
    const open = new Map<string, number>();
    let whileProcessing = 0;
    e.events.on("receive", (info: { fn: string; messages: { messageId: string; receiveCount: number }[] }) => {
      for (const m of info.messages) {
        if (m.receiveCount > 1) redeliveries[info.fn] = (redeliveries[info.fn] ?? 0) + 1;
        if ((open.get(m.messageId) ?? 0) > 0) whileProcessing++;
        open.set(m.messageId, (open.get(m.messageId) ?? 0) + 1);
      }
    });
    const close = (ids: string[]) => {
      for (const id of ids) {
        const n = (open.get(id) ?? 1) - 1;
        if (n > 0) open.set(id, n);
        else open.delete(id);
      }
    };
    e.events.on("batch", (b: { messageIds?: string[] }) => close(b.messageIds ?? []));
    const abandoned: Record<string, number> = {};
    e.events.on("abandoned", (a: { fn: string; size: number; messageIds: string[] }) => {
      abandoned[a.fn] = (abandoned[a.fn] ?? 0) + a.size;
      close(a.messageIds); // a dead consumer: a later receive is not "while processing"
    });

    // Abrupt stops: the first time each function has a batch in flight, wait a moment, abandon it.
    const pendingStops = new Set(o.abandon);
    e.events.on("invocation-start", (r: { function: string; trigger: string }) => {
      if (!pendingStops.has(r.function) || !r.trigger.startsWith("sqs ")) return;
      pendingStops.delete(r.function);
      setTimeout(() => {
        const n = e.abandonInFlight(r.function);
        progress(`consumer of ${r.function} stopped abruptly: ${n} message(s) in flight abandoned`);
        if (n === 0) pendingStops.add(r.function); // the batch had already finished: try the next one
      }, 40);
    });

    // --- renewal -------------------------------------------------------------------------------
    const configBucket = e.plan.buckets.find((b) => b.logicalId === "RenewalConfigBucket")!.name;
    const dir = contactsDirectory(sandbox.data, hook.url);
    await e.clients.s3.send(new PutObjectCommand({ Bucket: configBucket, Key: "renewal/contacts.json", Body: dir.json, ContentType: "application/json" }));
    sandbox.control.setFaults(o.faults);
    const now = Date.now();
    const expected = expectedReminderKeys(sandbox.data, now);
    progress(`sandbox: ${o.customers} customers × ${o.resourcesPerCustomer} resources; ${expected.size} reminders expected; faults ${JSON.stringify(o.faults)}`);
    const renewal = (async () => {
      for (let attempt = 1; ; attempt++) {
        const res = await e.invoke("renewal-scheduler", { time: new Date(now).toISOString() });
        if (res.ok) break;
        if (attempt >= 5) throw new Error(`renewal-scheduler failed ${attempt} times: ${res.error.message}`);
        progress(`renewal-scheduler attempt ${attempt} failed (${res.error.message}); retrying as the schedule would`);
      }
      progress("renewal scans scheduled");
    })();

    // --- real-name -------------------------------------------------------------------------------
    const api = e.urls.http!;
    const call = async (method: string, path: string, body?: unknown) => {
      const text = body === undefined ? "" : JSON.stringify(body);
      const headers: Record<string, string> = { "content-type": "application/json", "x-partner-ops-signature": signWebhook(text, SECRET, { request: { method, path } }) };
      const res = await fetch(api + path, { method, headers, ...(method === "GET" ? {} : { body: text }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const candidates = sandbox.data.customers.filter((c) => c.info.verified_status === "-1" || c.info.verified_status === "1").slice(0, o.realnameApplications);
    const apps: { id: string; customerId: string; kind: string; expected: string }[] = [];
    for (const [i, c] of candidates.entries()) {
      const customerId = c.info.customer_id;
      const reject = i % 3 === 2;
      if (reject) sandbox.control.setReviewOutcome(customerId, { result: "rejected", opinion: "chaos: documents unreadable", afterPolls: 1 });
      const individual = i % 2 === 1;
      const body = individual
        ? {
            type: "individual",
            customer_id: customerId,
            identify_type: 0,
            verified_type: 3,
            name: "Chaos Person",
            verified_number: `E${String(10_000_000 + i)}`,
            callback_url: portalUrl,
            attachments: {
              mode: "inline",
              files: ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"].map((role) => ({ role, content_base64: tinyJpeg(`${i}-${role}`).toString("base64") })),
            },
          }
        : (() => {
            const body17 = `91350100M${String(i).padStart(6, "0")}Y4`.slice(0, 17);
            return {
              type: "enterprise",
              customer_id: customerId,
              certificate_type: 0,
              corp_name: "厦门混沌测试科技有限公司",
              verified_number: body17 + usccCheckChar(body17),
              reg_country: "CN",
              callback_url: portalUrl,
              attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64: tinyJpeg(`${i}-cert`).toString("base64") }] },
            };
          })();
      const created = await call("POST", "/realname/applications", body);
      if (created.status !== 201) {
        problems.push(`realname: creating application ${i} answered ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
        continue;
      }
      apps.push({ id: String(created.body["id"]), customerId, kind: individual ? "individual" : "enterprise", expected: reject ? "rejected" : "approved" });
    }
    progress(`realname: ${apps.length} application(s) created`);

    // --- invoice e-mail ------------------------------------------------------------------------------
    const fixtures = readdirSync(fixturesDir).filter((f) => f.endsWith(".eml")).sort();
    const twice = new Set(fixtures.filter((_, i) => i % 3 === 0)); // 01, 04, 07 … sent twice, at once
    const smtp = e.urls.smtp!;
    const sendMail = async (raw: Buffer) => {
      const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
      try {
        await transport.sendMail({ envelope: { from: "system@info.huaweicloud.com", to: ["finance@invoices.example.com"] }, raw });
      } finally {
        transport.close();
      }
    };
    let mailsSent = 0;
    const invoiceExpect: { fixture: string; kind: string; noticeId: string; expectedJson: unknown }[] = [];
    for (const f of fixtures) {
      const raw = readFileSync(resolve(fixturesDir, f));
      const parsed = await parseInvoiceEmail(raw, { internalDomains: ["shilicloud.example", "xugou-digital.example", "yangli-net.example"] });
      const expectedJson = JSON.parse(readFileSync(resolve(fixturesDir, f.replace(/\.eml$/, ".expected.json")), "utf8")) as { kind: string };
      invoiceExpect.push({ fixture: f.replace(/\.eml$/, ""), kind: expectedJson.kind, noticeId: noticeIdOf(parsed.idempotencyKey), expectedJson });
      const copies = twice.has(f) ? 2 : 1;
      await Promise.all(Array.from({ length: copies }, () => sendMail(raw)));
      mailsSent += copies;
    }
    progress(`invoice: ${mailsSent} message(s) sent over SMTP (${twice.size} fixture(s) twice)`);

    // --- settle ----------------------------------------------------------------------------------
    await renewal;
    const deadline = Date.now() + o.settleTimeoutMs;
    const left = () => Math.max(1000, deadline - Date.now());
    const q = (id: string) => e.queues.find((x) => x.logicalId === id)!.name;
    await waitDrained(e, [q("RenewalScanQueue"), q("RenewalNotifyQueue")], () => (running.get("renewal-scan") ?? 0) + (running.get("notify") ?? 0) > 0, {
      timeoutMs: left(),
      everyMs: 250,
      what: "renewal queues to drain",
    });
    progress(`renewal drained after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const finals = new Map<string, string>();
    const finalStates = ["approved", "rejected", "failed", "failed_config", "needs_operator", "expired"];
    while (finals.size < apps.length && Date.now() < deadline) {
      for (const a of apps) {
        if (finals.has(a.id)) continue;
        const r = await call("GET", `/realname/applications/${a.id}`);
        if (finalStates.includes(String(r.body["status"]))) finals.set(a.id, String(r.body["status"]));
      }
      if (finals.size < apps.length) await sleep(300);
    }

    // Invoice events (FIFO queue without a consumer): collect until every expected one arrived, then a little longer.
    const eventsQueue = e.queues.find((x) => x.logicalId === "InvoiceEventsQueue")!.url;
    const events: { type: string; id: string; data: Record<string, unknown> }[] = [];
    const collect = async () => {
      for (;;) {
        const res = await e.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: eventsQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const msgs = res.Messages ?? [];
        if (msgs.length === 0) return;
        for (const m of msgs) {
          events.push(JSON.parse(m.Body!) as (typeof events)[number]);
          await e.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: eventsQueue, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
    };
    const wanted = invoiceExpect.filter((x) => x.kind !== "not-invoice");
    while (Date.now() < deadline) {
      await collect();
      if (wanted.every((w) => events.some((ev) => ev.data["noticeId"] === w.noticeId)) && queueBacklog(e, S3_EVENTS_QUEUE) === 0 && (running.get("invoice-email") ?? 0) === 0) break;
      await sleep(250);
    }
    await sleep(1500);
    await collect();

    // --- verdicts ----------------------------------------------------------------------------------
    const mails = await readOutbox(e);
    const email = tally(expected, mails.filter((m) => m.digestCount === undefined).flatMap((m) => m.reminderKeys));
    const webhookExpected = new Set([...expected].filter((k) => dir.listed.has(k.split("#")[0]!)));
    const webhook = tally(webhookExpected, hook.received.flatMap((r) => r.keys));
    for (const [name, t] of Object.entries({ email, webhook })) {
      if (t.delivered !== t.expected || t.duplicated || t.lost || t.unexpected) problems.push(`renewal ${name}: expected ${t.expected}, delivered ${t.delivered}, duplicated ${t.duplicated}, lost ${t.lost}, unexpected ${t.unexpected}`);
    }
    if (hook.rejected) problems.push(`webhook: ${hook.rejected} request(s) with a bad signature`);

    const realname = apps.map((a) => {
      const final = finals.get(a.id) ?? "(not final)";
      const submissions = sandbox.data.realname.get(a.customerId) ? 1 : 0;
      return { ...a, final, submissions };
    });
    for (const r of realname) {
      if (r.final !== r.expected) problems.push(`realname ${r.kind} ${r.id}: ended ${r.final}, expected ${r.expected}`);
      if (r.submissions !== 1) problems.push(`realname ${r.id}: not submitted to BSS`);
    }
    const submissions = sandbox.stats.effects.realnameSubmissions;
    if (submissions !== apps.length) problems.push(`realname: BSS recorded ${submissions} submission(s) for ${apps.length} application(s)`);

    const mailBucket = e.plan.buckets.find((b) => b.logicalId === "InboundMailBucket")!.name;
    const getJson = async (key: string): Promise<unknown> => {
      try {
        const r = await e.clients.s3.send(new GetObjectCommand({ Bucket: mailBucket, Key: key }));
        return JSON.parse(await r.Body!.transformToString());
      } catch {
        return undefined;
      }
    };
    const notices: ChaosReport["invoice"]["notices"] = [];
    for (const x of invoiceExpect) {
      const mine = events.filter((ev) => ev.data["noticeId"] === x.noticeId);
      const expectedType = x.kind === "invoice-notice" ? "invoice.notice.received" : x.kind === "rejected" ? "invoice.notice.rejected" : undefined;
      const stored = await getJson(`notices/${x.noticeId}/notice.json`);
      let ok = expectedType ? mine.length === 1 && mine[0]!.type === expectedType : mine.length === 0;
      let outcome = mine.map((m) => m.type.replace("invoice.notice.", "")).join("+") || "no event";
      if (x.kind === "invoice-notice") {
        const same = JSON.stringify(stored) === JSON.stringify(x.expectedJson);
        if (!same) outcome += stored ? ", notice differs" : ", no notice";
        else outcome += ", notice stored";
        ok &&= same;
      } else if (stored !== undefined) {
        ok = false;
        outcome += ", unexpected notice";
      }
      notices.push({ fixture: x.fixture, kind: x.kind, expected: expectedType ? `1 ${expectedType.replace("invoice.notice.", "")} event` : "no event", outcome, events: mine.length, ok });
      if (!ok) problems.push(`invoice ${x.fixture}: ${outcome} (${mine.length} event(s))`);
    }

    const deadLettered: Record<string, number> = {};
    for (const dq of [...e.queues.filter((x) => x.name.toLowerCase().endsWith("dlq") || /DLQ$/.test(x.logicalId)).map((x) => x.name), S3_EVENTS_DLQ]) {
      const n = queueBacklog(e, dq);
      if (n > 0) {
        deadLettered[dq] = n;
        problems.push(`${n} message(s) in ${dq}`);
      }
    }

    const checks: [boolean, string][] = [
      [sandbox.stats.faults.error > 0, "no 5xx fault was injected"],
      [sandbox.stats.faults.throttle > 0, "no 429 fault was injected"],
      [sandbox.stats.faults.timeout > 0, "no timeout fault was injected"],
      [Object.values(redeliveries).some((n) => n > 0), "no message was redelivered"],
      [Object.values(abandoned).some((n) => n > 0), "no consumer was stopped mid-batch"],
    ];
    for (const [fine, what] of checks) if (!fine) problems.push(`chaos not exercised: ${what}`);

    const requests = Object.values(sandbox.stats.requests).reduce((a, b) => a + b, 0);
    return {
      resources: o.customers * o.resourcesPerCustomer,
      customers: o.customers,
      elapsedMs: Date.now() - started,
      renewal: { email, webhook },
      delivery: { redeliveries, whileProcessing, abandoned, deadLettered, webhook: { delayed: hook.delayed, failed: hook.failed, rejected: hook.rejected } },
      faults: { injected: { ...sandbox.stats.faults }, limiterThrottled: sandbox.stats.throttled, requests },
      realname,
      invoice: { messages: mailsSent, sentTwice: twice.size, notices },
      problems,
      ok: problems.length === 0,
    };
  } finally {
    sb?.control.setFaults({});
    await engine?.close();
    await sb?.close();
    await hook.close();
    await new Promise<void>((r) => {
      portal.close(() => r());
      portal.closeAllConnections();
    });
  }
}
