/** Delivery per channel with ledger records (redelivery resends only failed channels) and the daily digest. */
import { describe, expect, it } from "vitest";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { parseSandboxArgs } from "../../../local/commands/sandbox.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG, decideReminders, type DueReminder } from "../../../shared/renewal/index.ts";
import type { CustomerContext } from "../../../shared/renewal/messages.ts";
import { ClaimBusyError, answerOk, deliverReminders, effectiveEntry, runDigest, type DeliverOptions, type DigestItem, type DigestStore, type EmailSender, type HttpPoster } from "../../../shared/notify/deliver.ts";
import type { EmailMessage, OutboundRequest } from "../../../shared/notify/channels.ts";
import { managerKey } from "../../../shared/renewal/messages.ts";
import { MemLedger } from "../renewal/pipeline-fakes.ts";
import { NOTIFY_CLAIM_STALE_SECONDS, RENEWAL_QUEUES } from "../../../shared/renewal/timing.ts";

const NOW = Date.parse("2026-07-01T01:00:00Z");
const exp = (d: number) => new Date(Date.UTC(2026, 6, 1 + d, 15, 59, 59)).toISOString().replace(".000", "");
const resources = [
  { resource_id: "ecs-a", resource_name: "web-a", is_main_resource: 1, status: 2, expire_time: exp(7), expire_policy: 0 },
  { resource_id: "rds-b", resource_name: "db-b", is_main_resource: 1, status: 2, expire_time: exp(3), expire_policy: 0 },
] as OrderInstance[];
const due: DueReminder[] = decideReminders({ customer: { customer_id: "c1" }, resources, now: NOW, config: DEFAULT_RENEWAL_DECISION_CONFIG, alreadySent: new Set() }).due;

const customer: CustomerContext = {
  customerId: "c1",
  accountName: "acct-1",
  bssEmail: "acct-1@example.com",
  entry: {
    customer_id: "c1",
    contacts: [{ name: "Ops", email: "ops@customer.example" }],
    account_manager: { name: "AM", email: "am@partner.example" },
    language: "en",
    channels: [{ type: "email" }, { type: "webhook", url: "http://127.0.0.1:9/hook", secret_ref: "env:HOOK" }],
  },
};

class Mails implements EmailSender {
  readonly sent: (EmailMessage & { headers: Record<string, string> })[] = [];
  async send(m: EmailMessage & { headers: Record<string, string> }) {
    this.sent.push(m);
    return String(this.sent.length);
  }
}
class Http implements HttpPoster {
  readonly posts: OutboundRequest[] = [];
  status = 200;
  async post(r: OutboundRequest) {
    this.posts.push(r);
    return { status: this.status, body: "{}" };
  }
}
class Store implements DigestStore {
  readonly items = new Map<string, DigestItem>();
  async put(runDate: string, item: DigestItem) {
    this.items.set(`p/${managerKey(item.manager.email)}/${runDate}/${item.reminder.keyString}`, item);
  }
  async listPending() {
    const out = new Map<string, string[]>();
    for (const k of this.items.keys()) {
      const m = k.split("/")[1]!;
      out.set(m, [...(out.get(m) ?? []), k]);
    }
    return out;
  }
  async get(k: string) {
    return this.items.get(k)!;
  }
  async delete(keys: readonly string[]) {
    for (const k of keys) this.items.delete(k);
  }
}

const options: DeliverOptions = { unlisted: "bss-email", ccAccountManager: true, staleAfterSeconds: NOTIFY_CLAIM_STALE_SECONDS };

function setup() {
  const ledger = new MemLedger();
  for (const r of due) void ledger.claim(`renewal#${r.keyString}`);
  return { ledger, email: new Mails(), http: new Http(), digest: new Store(), resolveRef: async (ref: string) => (ref === "env:HOOK" ? "whsec_unit_test_secret_0123456789" : "") };
}

describe("deliverReminders", () => {
  it("sends each channel once; a redelivery after a failed channel resends only that channel", async () => {
    const s = setup();
    s.http.status = 503;
    await expect(deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options })).rejects.toThrow(/webhook:1: HTTP 503/);
    expect(s.email.sent).toHaveLength(1);
    expect(s.email.sent[0]!.to).toEqual(["ops@customer.example"]);
    expect(s.email.sent[0]!.cc).toEqual(["am@partner.example"]);
    expect(s.email.sent[0]!.headers["X-Partner-Ops-Reminder-Keys"]!.split(" ").sort()).toEqual(due.map((r) => r.keyString).sort());
    expect((await s.ledger.get(`renewal#${due[0]!.keyString}`))?.status).toBe("claimed");

    s.http.status = 200;
    const r = await deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options });
    expect(s.email.sent).toHaveLength(1); // not resent
    expect(s.http.posts).toHaveLength(2); // the failed attempt + the retry
    expect(JSON.parse(s.http.posts[1]!.body).reminders).toHaveLength(2);
    expect(s.http.posts[1]!.headers["X-Partner-Ops-Signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(r.channels).toEqual([
      { channel: "email:0", sent: 0, alreadyDone: 2 },
      { channel: "webhook:1", sent: 2, alreadyDone: 0 },
    ]);
    for (const d of due) expect((await s.ledger.get(`renewal#${d.keyString}`))?.status).toBe("done");

    await deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options });
    expect([s.email.sent.length, s.http.posts.length]).toEqual([1, 2]);
  });

  it("retakes a delivery claim left by a crash once it is stale", async () => {
    const s = setup();
    await s.ledger.claim(`renewal-delivery#${due[0]!.keyString}#email:0`);
    s.ledger.now = (NOTIFY_CLAIM_STALE_SECONDS + 1) * 1000;
    await deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options });
    expect(s.email.sent[0]!.headers["X-Partner-Ops-Reminder-Keys"]!.split(" ")).toHaveLength(2);
  });

  // Regression (issue 11.1): a claim left by a crash, met again at the first redelivery (one visibility
  // timeout later), counted as delivered — nothing was sent and the reminder was completed.
  it("a claim that is not completed never counts as delivered: the message fails until the claim is stale", async () => {
    const s = setup();
    const crashed = `renewal-delivery#${due[0]!.keyString}#email:0`;
    await s.ledger.claim(crashed, { channel: "email" }); // the crashed attempt, at t = 0
    s.ledger.now = RENEWAL_QUEUES.notify.visibilityTimeoutSeconds * 1000; // SQS brings the message back
    const first = deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options });
    await expect(first).rejects.toBeInstanceOf(ClaimBusyError);
    await expect(first).rejects.toThrow(/email:0: 1/);
    // The other reminder went out on e-mail; the crashed one was neither sent nor recorded as done.
    expect(s.email.sent.map((m) => m.headers["X-Partner-Ops-Reminder-Keys"])).toEqual([due[1]!.keyString]);
    expect((await s.ledger.get(crashed))?.status).toBe("claimed");
    for (const d of due) expect((await s.ledger.get(`renewal#${d.keyString}`))?.status).toBe("claimed");

    s.ledger.now = 2 * RENEWAL_QUEUES.notify.visibilityTimeoutSeconds * 1000; // the next receive: stale now
    await deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options });
    expect(s.email.sent.map((m) => m.headers["X-Partner-Ops-Reminder-Keys"])).toEqual([due[1]!.keyString, due[0]!.keyString]);
    for (const d of due) expect((await s.ledger.get(`renewal#${d.keyString}`))?.status).toBe("done");
  });

  it("waits a little for a concurrent attempt holding a claim: done meanwhile counts as already done, never sent twice", async () => {
    const s = setup();
    const other = `renewal-delivery#${due[0]!.keyString}#email:0`;
    await s.ledger.claim(other, { channel: "email" }); // a concurrent attempt (same reminder in another message)
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      if (sleeps.length === 2) await s.ledger.complete(other); // it finishes while we wait
    };
    const r = await deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...s, options: { ...options, waitForBusyMs: 5_000, sleep } });
    expect(sleeps).toEqual([250, 250]);
    expect(r.channels[0]).toEqual({ channel: "email:0", sent: 1, alreadyDone: 1 });
    expect(s.email.sent.map((m) => m.headers["X-Partner-Ops-Reminder-Keys"])).toEqual([due[1]!.keyString]);

    // Still busy when the wait is over: the message fails (and comes back), nothing counted as done.
    const t = setup();
    await t.ledger.claim(other, { channel: "email" });
    const slept: number[] = [];
    await expect(deliverReminders({ runDate: "2026-07-01", customer, reminders: due, ...t, options: { ...options, waitForBusyMs: 600, sleep: async (ms) => void slept.push(ms) } })).rejects.toBeInstanceOf(ClaimBusyError);
    expect(slept).toEqual([250, 250, 100]);
    expect((await t.ledger.get(`renewal#${due[0]!.keyString}`))?.status).toBe("claimed");
  });

  it("unlisted customers: BSS e-mail (or nothing with 'skip'); robots' error codes count as failures", () => {
    const { entry: _e, ...unlisted } = customer;
    expect(effectiveEntry(unlisted, "bss-email")).toMatchObject({ source: "bss-email", entry: { contacts: [{ email: "acct-1@example.com" }], channels: [{ type: "email" }] } });
    expect(effectiveEntry(unlisted, "skip")).toEqual({ entry: undefined, source: "none" });
    expect(answerOk("dingtalk", 200, '{"errcode":310000,"errmsg":"sign not match"}')).toMatch(/310000/);
    expect(answerOk("feishu", 200, '{"code":19021}')).toMatch(/19021/);
    expect(answerOk("wecom", 200, '{"errcode":0}')).toBeUndefined();
    expect(answerOk("webhook", 500, "")).toBe("HTTP 500");
  });
});

describe("runDigest", () => {
  it("one e-mail per manager per day; what arrives later waits for the next day", async () => {
    const s = setup();
    await deliverReminders({ runDate: "2026-07-01", customer, reminders: due.slice(0, 1), ...s, options });
    const other: CustomerContext = { ...customer, customerId: "c2", entry: { ...customer.entry!, customer_id: "c2", account_manager: { name: "AM2", email: "am2@partner.example" } } };
    await deliverReminders({ runDate: "2026-07-01", customer: other, reminders: due.slice(1), ...s, options });
    const digestMail = new Mails();
    const r1 = await runDigest({ date: "2026-07-01", language: "zh", ledger: s.ledger, email: digestMail, store: s.digest, staleAfterSeconds: 120 });
    expect(r1).toMatchObject({ managers: 2, sent: 2, reminders: 2 });
    expect(digestMail.sent.map((m) => m.to[0]).sort()).toEqual(["am2@partner.example", "am@partner.example"]);
    expect(s.digest.items.size).toBe(0);

    await s.digest.put("2026-07-01", { manager: customer.entry!.account_manager!, customerId: "c1", reminder: due[1]! });
    const r2 = await runDigest({ date: "2026-07-01", language: "zh", ledger: s.ledger, email: digestMail, store: s.digest, staleAfterSeconds: 120 });
    expect(r2).toMatchObject({ sent: 0, alreadySentToday: 1 });
    const r3 = await runDigest({ date: "2026-07-02", language: "zh", ledger: s.ledger, email: digestMail, store: s.digest, staleAfterSeconds: 120 });
    expect(r3).toMatchObject({ sent: 1, reminders: 1 });
    expect(digestMail.sent).toHaveLength(3);
  });

  // Regression (issue 11.1 audit): a digest claim left by a crashed run counted as "already sent today".
  it("a digest claimed by an unfinished run is not 'already sent': the run fails and the items stay pending", async () => {
    const s = setup();
    await deliverReminders({ runDate: "2026-07-01", customer, reminders: due.slice(0, 1), ...s, options });
    await s.ledger.claim(`renewal-digest#${managerKey("am@partner.example")}#2026-07-01`); // crashed run
    const digestMail = new Mails();
    await expect(runDigest({ date: "2026-07-01", language: "zh", ledger: s.ledger, email: digestMail, store: s.digest, staleAfterSeconds: 300 })).rejects.toBeInstanceOf(ClaimBusyError);
    expect([digestMail.sent.length, s.digest.items.size]).toEqual([0, 1]);
    s.ledger.now = 301_000;
    expect(await runDigest({ date: "2026-07-01", language: "zh", ledger: s.ledger, email: digestMail, store: s.digest, staleAfterSeconds: 300 })).toMatchObject({ sent: 1, busy: 0 });
    expect([digestMail.sent.length, s.digest.items.size]).toEqual([1, 0]);
  });
});

describe("partner-ops sandbox --rate", () => {
  it("sets the sandbox's requests per second", () => {
    expect(parseSandboxArgs(["--rate", "200"]).options.ratePerSecond).toBe(200);
    expect(() => parseSandboxArgs(["--rate", "0"])).toThrow(/--rate/);
  });
});
