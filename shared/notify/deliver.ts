/**
 * Delivery of one renewal.notify message and the daily digest — orchestration over ports (ledger, e-mail
 * sender, HTTP poster, secret-reference resolver, digest store), tested with in-memory ports.
 *
 * Per channel of the customer's entry (`email:0`, `webhook:1`, …) every reminder is claimed in the ledger
 * (`renewal-delivery#<key>#<channel>`) before sending and completed after a 2xx; a failed send releases
 * its claims and the message fails (SQS redelivers it), so a redelivered message resends only the channels
 * that did not succeed. A claim that is not completed never counts as delivered: a claim held by another
 * attempt (or left by a crash) makes the message fail too, so SQS brings it back until the claim is
 * completed (then: already done) or stale (then: taken over and sent) — `staleAfterSeconds` is derived
 * from the queue's visibility timeout (shared/renewal/timing.ts). When every channel succeeded the
 * reminder's own ledger record (`renewal#<key>`, claimed by the scan) is completed.
 *
 * Digest: each reminder is also stored (idempotent put, deterministic key) under
 * `<prefix>pending/<managerKey>/<runDate>/<id>.json`; the digest step sends ONE message per manager per
 * day with everything pending for that manager, then deletes what it sent.
 */
import { createHash } from "node:crypto";
import type { DueReminder } from "../renewal/decision.ts";
import type { LedgerPort } from "../renewal/pipeline.ts";
import { type CustomerContext, ledgerKeys, managerKey } from "../renewal/messages.ts";
import { buildDingTalkRequest, buildCustomerEmail, buildDigestEmail, buildFeishuRequest, buildWeComRequest, buildWebhookRequest, type EmailMessage, type OutboundRequest } from "./channels.ts";
import type { AccountManager, ChannelConfig, ContactEntry, Language } from "./contacts.ts";
import { buildDigests, renderDigest } from "./digest.ts";
import type { TemplateSet } from "./template-engine.ts";
import { type PartnerIdentity, renderCustomerReminder } from "./templates.ts";

export interface EmailSender {
  /**
   * Sends one message; `headers` are extra MIME headers; `runDate` (the scan's run date, China time by
   * default) names the local outbox folder. Returns a message id.
   */
  send(message: EmailMessage & { headers: Record<string, string>; runDate?: string }): Promise<string>;
}

export interface HttpPoster {
  /** Sends the request; resolves with status and body text (never throws for HTTP statuses). */
  post(request: OutboundRequest): Promise<{ status: number; body: string }>;
}

/** Resolves `env:` / `ssm:` / `secretsmanager:` references of the directory. */
export type RefResolver = (ref: string) => Promise<string>;

export interface DigestItem {
  manager: AccountManager;
  customerId: string;
  customerName?: string | undefined;
  reminder: DueReminder;
}

export interface DigestStore {
  put(runDate: string, item: DigestItem): Promise<void>;
  /** Pending items grouped by manager key: item keys (to delete after sending). */
  listPending(): Promise<Map<string, string[]>>;
  get(itemKey: string): Promise<DigestItem>;
  delete(itemKeys: readonly string[]): Promise<void>;
}

export const REMINDER_KEYS_HEADER = "X-Partner-Ops-Reminder-Keys";
export const DIGEST_COUNT_HEADER = "X-Partner-Ops-Reminder-Count";

export interface DeliverOptions {
  /** Customers missing from the directory: e-mail the account's BSS address, or skip them. */
  unlisted: "bss-email" | "skip";
  ccAccountManager: boolean;
  /** Digest recipient for customers without an account manager (optional). */
  digestFallback?: AccountManager | undefined;
  staleAfterSeconds: number;
  /**
   * How long to wait for deliveries claimed by a concurrent attempt (the same reminder in two messages,
   * e.g. after a scan retry) to complete before failing the message for a redelivery. Default 0.
   */
  waitForBusyMs?: number | undefined;
  /** Sleep (tests); default setTimeout. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** The partner's identity in the messages (default: none). */
  partner?: PartnerIdentity | undefined;
  /** The templates in use (default: the shipped ones). */
  templates?: TemplateSet | undefined;
}

export interface DeliverInput {
  runDate: string;
  customer: CustomerContext;
  reminders: readonly DueReminder[];
  ledger: LedgerPort;
  email: EmailSender;
  http: HttpPoster;
  resolveRef: RefResolver;
  digest: DigestStore;
  options: DeliverOptions;
  /** Called once per channel with its type, the reminders due on it now, and its outcome (metrics, issue 16.2). */
  onChannel?: (type: string, due: number, outcome: ChannelOutcome) => void;
}

export interface ChannelOutcome {
  channel: string;
  sent: number;
  alreadyDone: number;
  /** Reminders whose delivery claim is held by another (or a crashed) attempt: the message comes back. */
  busy?: number;
  error?: string;
}

export interface DeliverResult {
  entry: "directory" | "bss-email" | "none";
  channels: ChannelOutcome[];
  digest: "stored" | "no-manager";
}

export class DeliveryError extends Error {
  override name = "DeliveryError";
}

/** Thrown when a claim is held by an unfinished attempt: nothing is lost, the message must come back later. */
export class ClaimBusyError extends DeliveryError {
  override name = "ClaimBusyError";
}

/** The entry used for a customer: the directory's, or one built from the BSS e-mail (if allowed). */
export function effectiveEntry(customer: CustomerContext, unlisted: DeliverOptions["unlisted"]): { entry: ContactEntry | undefined; source: DeliverResult["entry"] } {
  if (customer.entry) return { entry: customer.entry, source: "directory" };
  if (unlisted === "bss-email" && customer.bssEmail && /^[^\s@]+@[^\s@]+$/.test(customer.bssEmail)) {
    return {
      entry: {
        customer_id: customer.customerId,
        contacts: [{ name: customer.customerName ?? customer.accountName ?? customer.customerId, email: customer.bssEmail }],
        // language unknown: the reminder goes out bilingual
        channels: [{ type: "email" }],
      },
      source: "bss-email",
    };
  }
  return { entry: undefined, source: "none" };
}

/** Checks a robot/webhook answer: 2xx and, for robots, errcode/code 0 in the JSON body. */
export function answerOk(channel: ChannelConfig["type"], status: number, body: string): string | undefined {
  if (status < 200 || status > 299) return `HTTP ${status}`;
  if (channel === "webhook") return undefined;
  try {
    const j = JSON.parse(body) as { errcode?: unknown; code?: unknown; StatusCode?: unknown };
    const code = j.errcode ?? j.code ?? j.StatusCode;
    if (code !== undefined && code !== 0) return `${channel} answered code ${String(code)}`;
  } catch {
    // non-JSON 2xx: accept
  }
  return undefined;
}

async function resolveUrl(c: { url?: string | undefined; url_ref?: string | undefined }, resolveRef: RefResolver): Promise<string> {
  if (c.url) return c.url;
  if (c.url_ref) return resolveRef(c.url_ref);
  throw new DeliveryError("channel has neither url nor url_ref");
}

async function sendChannel(
  channel: ChannelConfig,
  entry: ContactEntry,
  customer: CustomerContext,
  reminders: readonly DueReminder[],
  input: DeliverInput,
): Promise<void> {
  const rendered = renderCustomerReminder(reminders, {
    language: entry.language ?? "bilingual",
    customerName: customer.customerName ?? customer.accountName,
    partner: input.options.partner,
    templates: input.options.templates,
  });
  const keys = reminders.map((r) => r.keyString).join(" ");
  const post = async (req: OutboundRequest) => {
    const res = await input.http.post(req);
    const problem = answerOk(channel.type, res.status, res.body);
    if (problem) throw new DeliveryError(problem);
  };
  switch (channel.type) {
    case "email": {
      const msg = buildCustomerEmail(entry, rendered, { ccAccountManager: input.options.ccAccountManager });
      await input.email.send({ ...msg, headers: { [REMINDER_KEYS_HEADER]: keys }, runDate: input.runDate });
      return;
    }
    case "dingtalk": {
      const secret = channel.secret_ref ? await input.resolveRef(channel.secret_ref) : undefined;
      return post(buildDingTalkRequest({ url: await resolveUrl(channel, input.resolveRef), secret }, { title: rendered.subject, markdown: rendered.markdown }));
    }
    case "feishu": {
      const secret = channel.secret_ref ? await input.resolveRef(channel.secret_ref) : undefined;
      return post(buildFeishuRequest({ url: await resolveUrl(channel, input.resolveRef), secret }, { text: rendered.text }));
    }
    case "wecom":
      return post(buildWeComRequest({ url: await resolveUrl(channel, input.resolveRef) }, { markdown: rendered.markdown }));
    case "webhook":
      return post(
        buildWebhookRequest(
          { url: await resolveUrl(channel, input.resolveRef), secrets: await input.resolveRef(channel.secret_ref) },
          { customerId: customer.customerId, reminders },
        ),
      );
  }
}

export async function deliverReminders(input: DeliverInput): Promise<DeliverResult> {
  const { customer, reminders, ledger, options } = input;
  const { entry, source } = effectiveEntry(customer, options.unlisted);

  // Digest first (idempotent): the manager hears about it even if a customer channel keeps failing.
  const manager = entry?.account_manager ?? options.digestFallback;
  if (manager) {
    for (const reminder of reminders) await input.digest.put(input.runDate, { manager, customerId: customer.customerId, customerName: customer.customerName ?? customer.accountName, reminder });
  }
  const result: DeliverResult = { entry: source, channels: [], digest: manager ? "stored" : "no-manager" };

  const errors: string[] = [];
  const busyKeys: { outcome: ChannelOutcome; keys: string[] }[] = [];
  for (const [i, channel] of (entry?.channels ?? []).entries()) {
    const name = `${channel.type}:${i}`;
    const pending: DueReminder[] = [];
    let alreadyDone = 0;
    const busy: string[] = [];
    for (const r of reminders) {
      const key = ledgerKeys.delivery(r.keyString, name);
      const claim = await ledger.claim(key, { channel: channel.type }, { staleAfterSeconds: options.staleAfterSeconds });
      if (claim === "new") pending.push(r);
      else if (claim === "done") alreadyDone++;
      else busy.push(key);
    }
    const outcome: ChannelOutcome = { channel: name, sent: 0, alreadyDone };
    result.channels.push(outcome);
    if (busy.length > 0) busyKeys.push({ outcome, keys: busy });
    if (pending.length === 0) continue;
    try {
      await sendChannel(channel, entry!, customer, pending, input);
    } catch (err) {
      outcome.error = (err as Error).message;
      errors.push(`${name}: ${outcome.error}`);
      for (const r of pending) await ledger.release(ledgerKeys.delivery(r.keyString, name));
      continue;
    }
    for (const r of pending) await ledger.complete(ledgerKeys.delivery(r.keyString, name), { at: new Date().toISOString() });
    outcome.sent = pending.length;
  }
  for (const [i, outcome] of result.channels.entries()) {
    const type = entry?.channels[i]?.type ?? "email";
    input.onChannel?.(type, outcome.sent + (outcome.error !== undefined ? reminders.length - outcome.alreadyDone - (outcome.busy ?? 0) : 0), outcome);
  }
  if (errors.length > 0) throw new DeliveryError(`delivery failed on ${errors.length} channel(s): ${errors.join("; ")}`);
  // Claims held by another attempt: a concurrent one usually completes within seconds — wait a little;
  // what is still not done fails the message (SQS brings it back until completed or stale).
  const stillBusy = await waitUntilDone(ledger, busyKeys, options);
  if (stillBusy.length > 0) {
    throw new ClaimBusyError(`delivery claimed by an unfinished attempt (${stillBusy.join("; ")}); retried until it is completed or stale`);
  }

  for (const r of reminders) {
    const key = ledgerKeys.reminder(r.keyString);
    try {
      await ledger.complete(key, { channels: result.channels.map((c) => c.channel), entry: source });
    } catch (err) {
      // The scan's claim may have been released after a failed publish (and not claimed again yet):
      // nothing to complete, the deliveries are recorded per channel. Any other failure fails the message
      // (retried: every channel is then "done" and only this write is repeated).
      if ((await ledger.get(key)) === undefined) continue;
      throw err;
    }
  }
  return result;
}

/** Polls busy delivery claims for up to `waitForBusyMs`; returns "<channel>: <n>" for those still not done. */
async function waitUntilDone(ledger: LedgerPort, busy: { outcome: ChannelOutcome; keys: string[] }[], options: DeliverOptions): Promise<string[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  const budget = options.waitForBusyMs ?? 0;
  for (;;) {
    for (const b of busy) {
      const left: string[] = [];
      for (const key of b.keys) {
        if ((await ledger.get(key))?.status === "done") b.outcome.alreadyDone++;
        else left.push(key);
      }
      b.keys = left;
    }
    const open = busy.filter((b) => b.keys.length > 0);
    if (open.length === 0 || waited >= budget) {
      for (const b of open) b.outcome.busy = b.keys.length;
      return open.map((b) => `${b.outcome.channel}: ${b.keys.length}`);
    }
    const step = Math.min(250, budget - waited);
    await sleep(step);
    waited += step;
  }
}

// ---------------------------------------------------------------------------------------------
// Digest

export interface DigestInput {
  /** The day the digest is for (local date of the run). */
  date: string;
  language: Language;
  ledger: LedgerPort;
  email: EmailSender;
  store: DigestStore;
  staleAfterSeconds: number;
  partner?: PartnerIdentity | undefined;
  templates?: TemplateSet | undefined;
}

export interface DigestRunResult {
  managers: number;
  sent: number;
  alreadySentToday: number;
  /** Managers whose digest of the day is claimed by an unfinished run: the run fails (retried). */
  busy: number;
  reminders: number;
}

export function digestItemId(runDate: string, keyString: string): string {
  return createHash("sha256").update(`${runDate}\n${keyString}`).digest("hex").slice(0, 40);
}

export async function runDigest(input: DigestInput): Promise<DigestRunResult> {
  const pending = await input.store.listPending();
  const result: DigestRunResult = { managers: pending.size, sent: 0, alreadySentToday: 0, busy: 0, reminders: 0 };
  const errors: string[] = [];
  for (const [mKey, itemKeys] of pending) {
    const key = ledgerKeys.digest(mKey, input.date);
    const claim = await input.ledger.claim(key, { items: itemKeys.length }, { staleAfterSeconds: input.staleAfterSeconds });
    if (claim === "done") {
      result.alreadySentToday++; // what arrived after today's digest waits for tomorrow's
      continue;
    }
    if (claim === "busy") {
      // Another run holds it (or crashed holding it): not sent as far as we know — the items stay pending.
      result.busy++;
      continue;
    }
    try {
      const items = await Promise.all(itemKeys.map((k) => input.store.get(k)));
      const manager = items[0]!.manager;
      // One reminder once per digest, even if stored under two run dates.
      const byKey = new Map(items.map((it) => [it.reminder.keyString, it]));
      const directory = new Map<string, ContactEntry>();
      const names = new Map<string, string>();
      for (const it of byKey.values()) {
        const cid = it.reminder.customerId; // buildDigests groups by the reminder's customer
        directory.set(cid, { customer_id: cid, contacts: [], language: input.language, channels: [{ type: "email" }], account_manager: manager });
        if (it.customerName) names.set(cid, it.customerName);
      }
      const { digests } = buildDigests({ reminders: [...byKey.values()].map((it) => it.reminder), directory, customerNames: names });
      for (const d of digests) {
        const rendered = renderDigest(d, { language: input.language, date: input.date, partner: input.partner, templates: input.templates });
        await input.email.send({ ...buildDigestEmail(d.manager, rendered), headers: { [DIGEST_COUNT_HEADER]: String(d.reminderCount) }, runDate: input.date });
      }
      result.reminders += byKey.size;
    } catch (err) {
      await input.ledger.release(key);
      errors.push((err as Error).message);
      continue;
    }
    // Sent: record it first, then drop the items (if the delete fails they reappear tomorrow).
    await input.ledger.complete(key, { reminders: itemKeys.length });
    result.sent++;
    await input.store.delete(itemKeys);
  }
  if (errors.length > 0) throw new DeliveryError(`${errors.length} digest(s) failed: ${errors.join("; ")}`);
  if (result.busy > 0) throw new ClaimBusyError(`${result.busy} digest(s) claimed by an unfinished run; retried until completed or stale`);
  return result;
}

export { managerKey };
