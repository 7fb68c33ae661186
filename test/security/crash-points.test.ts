/**
 * Crash-point loop (issue 11.1): the notify consumer and the digest are killed at every side effect —
 * each ledger write, each send, each digest-store write — once before the effect and once after it, and
 * the message is redelivered the way SQS does it (one visibility timeout after the receive, at most
 * maxReceiveCount receives) on a fake clock. A killed process does nothing more: every later call of
 * that incarnation throws, so no release or cleanup runs (kill -9, Lambda timeout).
 *
 * The oracle is computed from the input alone: every (reminder, channel) of the customer's entry is
 * delivered, every reminder reaches its manager's digest, every reminder record ends "done".
 * Lost = an expected delivery that never happened (or a message left in the DLQ). Duplicated = a second
 * copy of a delivery, allowed ONLY for what was sent and not yet recorded when the process died (the
 * at-least-once window of a channel that has no transaction with the ledger — the webhook carries an
 * Idempotency-Key for that case); anywhere else a second copy is a duplicate and fails the test.
 */
import { describe, expect, it } from "vitest";
import type { OrderInstance } from "../../shared/bss/schemas.ts";
import type { EmailMessage, OutboundRequest } from "../../shared/notify/channels.ts";
import { DIGEST_COUNT_HEADER, REMINDER_KEYS_HEADER, deliverReminders, runDigest, type DigestItem, type DigestStore, type EmailSender, type HttpPoster } from "../../shared/notify/deliver.ts";
import { DEFAULT_RENEWAL_DECISION_CONFIG, decideReminders, type DueReminder } from "../../shared/renewal/index.ts";
import { type CustomerContext, ledgerKeys, managerKey } from "../../shared/renewal/messages.ts";
import type { LedgerPort } from "../../shared/renewal/pipeline.ts";
import { DIGEST_CLAIM_STALE_SECONDS, NOTIFY_CLAIM_STALE_SECONDS, RENEWAL_QUEUES } from "../../shared/renewal/timing.ts";
import { MemLedger } from "../unit/renewal/pipeline-fakes.ts";
import { mulberry32 as rng } from "../../local/sandbox/rng.ts";

const NOW = Date.parse("2026-07-01T01:00:00Z");
const VT = RENEWAL_QUEUES.notify.visibilityTimeoutSeconds * 1000;
const MAX_RECEIVES = RENEWAL_QUEUES.notify.maxReceiveCount;
const exp = (d: number) => new Date(Date.UTC(2026, 6, 1 + d, 15, 59, 59)).toISOString().replace(".000", "");
const HOOK_A = "http://127.0.0.1:9/a";
const HOOK_B = "http://127.0.0.1:9/b";

/** Three customers, two due reminders each, three channels each; two managers. */
const customers: { customer: CustomerContext; reminders: DueReminder[] }[] = ["c1", "c2", "c3"].map((id, i) => {
  const resources = [
    { resource_id: `${id}-ecs`, resource_name: `web-${id}`, is_main_resource: 1, status: 2, expire_time: exp(7), expire_policy: 0 },
    { resource_id: `${id}-rds`, resource_name: `db-${id}`, is_main_resource: 1, status: 2, expire_time: exp(3), expire_policy: 0 },
  ] as OrderInstance[];
  const reminders = decideReminders({ customer: { customer_id: id }, resources, now: NOW, config: DEFAULT_RENEWAL_DECISION_CONFIG, alreadySent: new Set() }).due;
  const manager = i === 2 ? { name: "AM2", email: "am2@partner.example" } : { name: "AM", email: "am@partner.example" };
  return {
    reminders,
    customer: {
      customerId: id,
      accountName: `acct-${id}`,
      entry: {
        customer_id: id,
        contacts: [{ name: "Ops", email: `ops@${id}.example` }],
        account_manager: manager,
        language: "en",
        channels: [{ type: "email" }, { type: "webhook", url: HOOK_A, secret_ref: "env:HOOK" }, { type: "webhook", url: HOOK_B, secret_ref: "env:HOOK" }],
      },
    },
  };
});
const CHANNELS = ["email:0", "webhook:1", "webhook:2"];

/** The oracle, from the input only: customer × reminder × channel, reminders per manager. */
const expectedDeliveries = new Set(customers.flatMap((c) => c.reminders.flatMap((r) => CHANNELS.map((ch) => `${r.keyString}|${ch}`))));
const expectedDigest = new Map<string, number>([
  ["am@partner.example", customers.slice(0, 2).reduce((n, c) => n + c.reminders.length, 0)],
  ["am2@partner.example", customers[2]!.reminders.length],
]);

class Killed extends Error {
  override name = "Killed";
}

type Phase = "before" | "after";
/** Decides, for the i-th side effect of the whole run, whether the process dies before or after it. */
type CrashPlan = (i: number) => Phase | undefined;

/** Everything that survives a crash: the ledger, what the outside world received, the digest items. */
class World {
  readonly ledger = new MemLedger();
  readonly deliveries: string[] = []; // "key|channel" per received copy
  readonly digestMails: { to: string; count: number }[] = [];
  readonly items = new Map<string, DigestItem>();
  /** Sent but not yet recorded in the ledger: the at-least-once window. */
  readonly unconfirmed = new Set<string>();
  /** What may legitimately arrive twice: the unconfirmed sends at the moments of death. */
  readonly mayRepeat = new Set<string>();
  readonly unconfirmedDigest = new Map<string, number>();
  readonly mayRepeatDigest = new Map<string, number>();
  ops = 0;
  crashes = 0;
  hookAFailures = 0;
  readonly plan: CrashPlan;
  constructor(plan: CrashPlan) {
    this.plan = plan;
    this.ledger.now = NOW;
    for (const c of customers) for (const r of c.reminders) void this.ledger.claim(ledgerKeys.reminder(r.keyString)); // the scan's claims
  }

  /** One process lifetime (a Lambda invocation): dies at the planned side effect, then refuses everything. */
  incarnation() {
    let dead = false;
    const die = () => {
      dead = true;
      this.crashes++;
      for (const k of this.unconfirmed) this.mayRepeat.add(k);
      for (const [m, n] of this.unconfirmedDigest) this.mayRepeatDigest.set(m, (this.mayRepeatDigest.get(m) ?? 0) + n);
      return new Killed("killed");
    };
    const effect = async <T>(apply: () => Promise<T> | T): Promise<T> => {
      if (dead) throw new Killed("dead process");
      const phase = this.plan(this.ops++);
      if (phase === "before") throw die();
      const value = await apply();
      if (phase === "after") throw die();
      return value;
    };
    const read = <T>(fn: () => Promise<T> | T): Promise<T> => (dead ? Promise.reject(new Killed("dead process")) : Promise.resolve(fn()));

    const ledger: LedgerPort = {
      claim: (key, attrs, options) => effect(() => this.ledger.claim(key, attrs, options)),
      complete: (key, result) =>
        effect(async () => {
          await this.ledger.complete(key, result);
          const m = /^renewal-delivery#(.+)#([a-z]+:\d+)$/.exec(key);
          if (m) this.unconfirmed.delete(`${m[1]}|${m[2]}`);
        }),
      release: (key) => effect(() => this.ledger.release(key)),
      get: (key) => read(() => this.ledger.get(key)),
    };
    const email: EmailSender = {
      send: (m: EmailMessage & { headers: Record<string, string> }) =>
        effect(() => {
          if (m.headers[DIGEST_COUNT_HEADER]) {
            const count = Number(m.headers[DIGEST_COUNT_HEADER]);
            this.digestMails.push({ to: m.to[0]!, count });
            this.unconfirmedDigest.set(m.to[0]!, (this.unconfirmedDigest.get(m.to[0]!) ?? 0) + count);
          } else {
            for (const k of m.headers[REMINDER_KEYS_HEADER]!.split(" ")) this.received(`${k}|email:0`);
          }
          return "id";
        }),
    };
    const http: HttpPoster = {
      post: (r: OutboundRequest) =>
        effect(() => {
          // Hook A answers 503 to its first request of the run: the release path is crashed too.
          if (r.url === HOOK_A && this.hookAFailures++ === 0) return { status: 503, body: "" };
          const channel = r.url === HOOK_A ? "webhook:1" : "webhook:2";
          for (const rem of (JSON.parse(r.body) as { reminders: { keyString: string }[] }).reminders) this.received(`${rem.keyString}|${channel}`);
          return { status: 200, body: "" };
        }),
    };
    const world = this;
    const digest: DigestStore = {
      put: (runDate, item) => effect(() => void world.items.set(`${managerKey(item.manager.email)}/${runDate}/${item.reminder.keyString}`, item)),
      listPending: () =>
        read(() => {
          const out = new Map<string, string[]>();
          for (const k of world.items.keys()) out.set(k.split("/")[0]!, [...(out.get(k.split("/")[0]!) ?? []), k]);
          return out;
        }),
      get: (k) => read(() => world.items.get(k)!),
      delete: (keys) =>
        effect(() => {
          for (const k of keys) {
            const manager = world.items.get(k)?.manager.email;
            if (manager) world.unconfirmedDigest.delete(manager);
            world.items.delete(k);
          }
        }),
    };
    return { ledger, email, http, digest, resolveRef: async () => "whsec_crash_points_secret_0123456789", died: () => dead };
  }

  private received(item: string) {
    this.deliveries.push(item);
    this.unconfirmed.add(item);
  }

  /** SQS: every notify message until deleted, one visibility timeout between receives, DLQ after the last. */
  async runNotifyQueue(): Promise<{ dlq: number; receives: number }> {
    const queue = customers.map((c, i) => ({ ...c, i, visibleAt: NOW, receives: 0 }));
    let clock = NOW;
    let dlq = 0;
    let receives = 0;
    while (queue.length > 0) {
      queue.sort((a, b) => a.visibleAt - b.visibleAt || a.i - b.i);
      const msg = queue[0]!;
      clock = Math.max(clock, msg.visibleAt);
      this.ledger.now = clock;
      if (++msg.receives > MAX_RECEIVES) {
        dlq++;
        queue.shift();
        continue;
      }
      receives++;
      const { died, ...ports } = this.incarnation();
      try {
        await deliverReminders({
          runDate: "2026-07-01",
          customer: msg.customer,
          reminders: msg.reminders,
          ...ports,
          options: { unlisted: "skip", ccAccountManager: false, staleAfterSeconds: NOTIFY_CLAIM_STALE_SECONDS },
        });
        if (died()) throw new Killed("a killed process acknowledges nothing");
        queue.shift(); // deleted
      } catch {
        msg.visibleAt = clock + VT; // back after the visibility timeout of this receive
      }
      clock += 1000; // the invocation took a second
    }
    return { dlq, receives };
  }

  /** The digest schedule: a run per day, each retried twice (asynchronous invocation: +1 min, +2 min). */
  async runDigestDays(days: string[]): Promise<void> {
    for (const [d, date] of days.entries()) {
      let at = Date.parse(`${date}T03:00:00Z`) + d; // distinct clocks per day
      for (const retryDelay of [0, 60_000, 120_000]) {
        at += retryDelay;
        this.ledger.now = at;
        try {
          const p = this.incarnation();
          await runDigest({ date, language: "en", ledger: p.ledger, email: p.email, store: p.digest, staleAfterSeconds: DIGEST_CLAIM_STALE_SECONDS });
          if (!p.died()) break;
        } catch {
          // retried by the schedule's asynchronous invocation
        }
      }
    }
  }
}

function counts(list: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of list) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

/** Checks one run against the oracle; returns the number of repeated copies (all within the window). */
function check(world: World, dlq: number, label: string): number {
  expect(dlq, `${label}: messages in the DLQ`).toBe(0);
  const got = counts(world.deliveries);
  const lost = [...expectedDeliveries].filter((k) => !got.has(k));
  expect(lost, `${label}: lost deliveries`).toEqual([]);
  expect([...got.keys()].filter((k) => !expectedDeliveries.has(k)), `${label}: unexpected deliveries`).toEqual([]);
  let repeats = 0;
  for (const [k, n] of got) {
    if (n === 1) continue;
    expect(world.mayRepeat.has(k), `${label}: ${k} delivered ${n}× outside the at-least-once window`).toBe(true);
    expect(n, `${label}: ${k}`).toBeLessThanOrEqual(1 + world.crashes);
    repeats += n - 1;
  }
  for (const c of customers) for (const r of c.reminders) expect(world.ledger.records.get(ledgerKeys.reminder(r.keyString))?.status, `${label}: reminder record`).toBe("done");
  for (const [manager, n] of expectedDigest) {
    const sent = world.digestMails.filter((m) => m.to === manager).reduce((s, m) => s + m.count, 0);
    expect(sent, `${label}: digest reminders to ${manager}`).toBeGreaterThanOrEqual(n);
    expect(sent - n, `${label}: digest repeats to ${manager}`).toBeLessThanOrEqual(world.mayRepeatDigest.get(manager) ?? 0);
    repeats += sent - n;
  }
  expect(world.items.size, `${label}: digest items left`).toBe(0);
  return repeats;
}

async function runAll(plan: CrashPlan) {
  const world = new World(plan);
  const { dlq } = await world.runNotifyQueue();
  await world.runDigestDays(["2026-07-01", "2026-07-02", "2026-07-03"]);
  return { world, dlq };
}

describe("crash points: notify consumer and digest killed between claim and complete", () => {
  it("a run without crashes meets the oracle exactly (the baseline the crash runs are measured against)", async () => {
    const { world, dlq } = await runAll(() => undefined);
    expect(check(world, dlq, "no crash")).toBe(0);
    expect(world.deliveries).toHaveLength(expectedDeliveries.size);
    expect(world.ops).toBeGreaterThan(40);
  });

  it("killed before or after every side effect (one crash per run): 0 lost, repeats only in the window", async () => {
    const { world: baseline } = await runAll(() => undefined);
    const points = baseline.ops * 2;
    expect(points).toBeGreaterThanOrEqual(20);
    let repeats = 0;
    let crashed = 0;
    for (let k = 0; k < points; k++) {
      const at = Math.floor(k / 2);
      const phase: Phase = k % 2 === 0 ? "before" : "after";
      const { world, dlq } = await runAll((i) => (i === at ? phase : undefined));
      crashed += world.crashes;
      repeats += check(world, dlq, `crash ${phase} side effect #${at}`);
    }
    expect(crashed).toBe(points); // every planned crash happened
    // Printed for the issue note (lost is asserted 0 above).
    console.info(`crash points: ${points} runs, 0 lost, ${repeats} repeated copies (all sent-but-unrecorded at the kill)`);
  });

  it("two crashes per run at seeded random points (40 seeds): 0 lost, repeats only in the window", async () => {
    const { world: baseline } = await runAll(() => undefined);
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const a = Math.floor(r() * baseline.ops);
      const b = a + 1 + Math.floor(r() * 12);
      const phases = new Map<number, Phase>([
        [a, r() < 0.5 ? "before" : "after"],
        [b, r() < 0.5 ? "before" : "after"],
      ]);
      const { world, dlq } = await runAll((i) => phases.get(i));
      check(world, dlq, `seed ${seed}`);
    }
  });
});
