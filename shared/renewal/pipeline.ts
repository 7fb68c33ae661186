/**
 * The renewal pipeline's steps — orchestration only, over small ports (BSS pages, ledger, queue), so
 * that the handlers are wiring and the steps are tested with in-memory ports.
 *
 * Guarantees (issue 4: never miss an expiry, never remind twice):
 * - scheduler: one scan message per (run date, customer). The ledger record `renewal-scan#date#customer`
 *   is claimed, the message published, the record completed. A publish failure releases the claim (the
 *   schedule's retry claims again); a claim left by a crash is published again on the next run of the
 *   day (the scan consumer deduplicates on the envelope id).
 * - scan: every due reminder is claimed in the ledger (`renewal#<key>`, conditional write) BEFORE it is
 *   published; only "new" claims are published. If publishing fails, the claims of the unpublished
 *   messages are released and the scan fails (SQS redelivers it; the retry claims them again). A claim
 *   still "claimed" by the SAME scan envelope (a crash between claim and publish, or a lost publish
 *   answer) is published again on redelivery. A claim by another scan is left alone while the notify
 *   queue can still bring its message back; older than that (REMINDER_CLAIM_STALE_SECONDS, timing.ts)
 *   and still not completed it is taken over and published again — never counted as sent.
 * - A window is not sent after a more urgent one for the same (main resource, expiry): the few more
 *   urgent keys are read before claiming (they matter only when a time zone or the windows changed).
 */
import { orderInstance, type OrderInstance, type ResourceRecord } from "../bss/schemas.ts";
import type { ClaimOutcome } from "../ledger/index.ts";
import type { Envelope } from "../queue/envelope.ts";
import type { ContactEntry } from "../notify/contacts.ts";
import { type DueReminder, type RenewalDecisionConfig, decideReminders, ledgerKeyString, localDateString, moreUrgentKeys } from "./index.ts";
import {
  type CustomerContext,
  RenewalNotify,
  RenewalScan,
  chunks,
  ledgerKeys,
  notifyEnvelopeId,
  scanEnvelopeId,
} from "./messages.ts";
import { REMINDER_CLAIM_STALE_SECONDS } from "./timing.ts";

/** The subset of shared/ledger's Ledger the pipeline uses. */
export interface LedgerPort {
  claim(key: string, attrs?: Record<string, unknown>, options?: { staleAfterSeconds?: number }): Promise<ClaimOutcome>;
  complete(key: string, result?: Record<string, unknown>): Promise<void>;
  release(key: string): Promise<void>;
  get(key: string): Promise<{ status: "claimed" | "done"; attrs?: Record<string, unknown> } | undefined>;
}

/** Publishes envelopes; on partial failure throws an error with `failed: {id}[]` (shared/queue PublishError). */
export type PublishPort = (envelopes: readonly Envelope[]) => Promise<void>;

/** Envelope ids that did not make it, from a publish error (all of them when the error does not say). */
export function failedIds(err: unknown, all: readonly Envelope[]): Set<string> {
  const failed = (err as { failed?: unknown }).failed;
  if (Array.isArray(failed) && failed.every((f) => typeof (f as { id?: unknown }).id === "string")) {
    return new Set((failed as { id: string }[]).map((f) => f.id));
  }
  return new Set(all.map((e) => e.id));
}

export class PipelineError extends Error {
  override name = "PipelineError";
}

// ---------------------------------------------------------------------------------------------
// Scheduler

/** ListSubCustomers fields the pipeline reads. */
export interface SubCustomer {
  customer_id: string;
  account_name?: string | undefined;
  customer?: string | undefined;
  email?: string | undefined;
  association_type?: string | undefined;
  customer_level?: string | undefined;
}

export interface ScheduleInput {
  customers: AsyncIterable<SubCustomer>;
  /** Association types to scan: "2" reseller (always), "1" advisory only if configured. */
  associationTypes: ReadonlySet<string>;
  directory: ReadonlyMap<string, ContactEntry>;
  runDate: string;
  scheduledAt: string;
  ledger: LedgerPort;
  publish: PublishPort;
  /** Messages per publish call (SQS batch: 10). */
  batchSize?: number;
}

export interface ScheduleResult {
  customers: number;
  published: number;
  alreadyScheduled: number;
  skippedAssociation: number;
  failed: number;
}

export function customerContext(c: SubCustomer, entry: ContactEntry | undefined): CustomerContext {
  const ctx: CustomerContext = { customerId: c.customer_id };
  if (c.customer_level) ctx.customerLevel = c.customer_level;
  if (c.account_name) ctx.accountName = c.account_name;
  if (c.customer) ctx.customerName = c.customer;
  if (c.email) ctx.bssEmail = c.email;
  if (entry) ctx.entry = entry;
  return ctx;
}

export async function scheduleScans(input: ScheduleInput): Promise<ScheduleResult> {
  const result: ScheduleResult = { customers: 0, published: 0, alreadyScheduled: 0, skippedAssociation: 0, failed: 0 };
  const batchSize = input.batchSize ?? 10;
  const seen = new Set<string>();
  let batch: { key: string; envelope: Envelope }[] = [];

  const flush = async () => {
    const current = batch;
    batch = [];
    if (current.length === 0) return;
    const envelopes = current.map((b) => b.envelope);
    let failed = new Set<string>();
    try {
      await input.publish(envelopes);
    } catch (err) {
      failed = failedIds(err, envelopes);
    }
    for (const b of current) {
      if (failed.has(b.envelope.id)) {
        result.failed++;
        await input.ledger.release(b.key);
      } else {
        result.published++;
        await input.ledger.complete(b.key, { envelopeId: b.envelope.id });
      }
    }
  };

  for await (const c of input.customers) {
    if (seen.has(c.customer_id)) continue; // paging drift: a customer seen twice
    seen.add(c.customer_id);
    result.customers++;
    if (c.association_type !== undefined && !input.associationTypes.has(c.association_type)) {
      result.skippedAssociation++;
      continue;
    }
    const key = ledgerKeys.scan(input.runDate, c.customer_id);
    const claim = await input.ledger.claim(key, { runDate: input.runDate });
    if (claim === "done") {
      result.alreadyScheduled++;
      continue;
    }
    // "busy": claimed by a run that did not finish — publish again (the consumer deduplicates on the id).
    const envelope = RenewalScan.create(
      { runDate: input.runDate, scheduledAt: input.scheduledAt, customer: customerContext(c, input.directory.get(c.customer_id)) },
      { id: scanEnvelopeId(input.runDate, c.customer_id) },
    );
    batch.push({ key, envelope });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Scan

export interface ScanInput {
  message: { id: string; data: ReturnType<typeof RenewalScan.parse>["data"] };
  /** The customer's resources as BSS sent them; records lacking what the decision needs are skipped (see ScanResult.skippedRecords). */
  resources: AsyncIterable<ResourceRecord>;
  /** Called once per skipped record (the handler logs it as a warning for the operator). */
  onSkippedRecord?: (skipped: SkippedRecord) => void;
  config: RenewalDecisionConfig;
  now: number;
  ledger: LedgerPort;
  publish: PublishPort;
  /** Reminders per notify message (default 20). */
  remindersPerMessage?: number;
  /**
   * Called with every due reminder (claimed now or earlier) after the new ones were published, e.g. to
   * enqueue auto-renew requests (autorenew-pipeline.ts). If it throws, the scan fails and is redelivered.
   */
  afterPublish?: (due: readonly DueReminder[]) => Promise<void>;
}

/** A resource record the scan could not decide on: which record (resource_id, else id, else its position) and which fields. */
export interface SkippedRecord {
  record: string;
  fields: string[];
}

/** The fields the renewal decision needs that a record lacks or carries in an unusable form. Pure. */
export function unusableFields(r: ResourceRecord): string[] {
  const parsed = orderInstance.safeParse(r);
  if (parsed.success) return [];
  return [...new Set(parsed.error.issues.map((i) => (i.path.length > 0 ? i.path.map(String).join(".") : "(record)")))];
}

export interface ScanResult {
  /** Resource records received (usable or not). */
  resources: number;
  /** Records skipped because they lack a field the decision needs (each one reported through onSkippedRecord). */
  skippedRecords: number;
  due: number;
  published: number;
  alreadyClaimed: number;
  moreUrgentSent: number;
}

export async function scanCustomer(input: ScanInput): Promise<ScanResult> {
  const { data } = input.message;
  const customer = data.customer;
  const resources: OrderInstance[] = [];
  let received = 0;
  let skippedRecords = 0;
  for await (const r of input.resources) {
    received++;
    const fields = unusableFields(r);
    if (fields.length === 0) {
      resources.push(r as OrderInstance);
      continue;
    }
    skippedRecords++;
    input.onSkippedRecord?.({ record: r.resource_id ?? (r.id !== undefined ? `id ${r.id}` : `#${received}`), fields });
  }
  const timeZone = customer.entry?.time_zone ?? input.config.defaultTimeZone;
  const decision = decideReminders({
    customer: { customer_id: customer.customerId, customer_level: customer.customerLevel },
    resources,
    now: input.now,
    timeZone,
    config: input.config,
    alreadySent: new Set(),
  });
  const result: ScanResult = { resources: received, skippedRecords, due: decision.due.length, published: 0, alreadyClaimed: 0, moreUrgentSent: 0 };

  const toPublish: DueReminder[] = [];
  for (const reminder of decision.due) {
    const urgent = moreUrgentKeys(reminder.key, input.config);
    if (urgent.length > 0) {
      const recs = await Promise.all(urgent.map((k) => input.ledger.get(ledgerKeys.reminder(ledgerKeyString(k)))));
      if (recs.some((r) => r !== undefined)) {
        result.moreUrgentSent++;
        continue;
      }
    }
    const key = ledgerKeys.reminder(reminder.keyString);
    // A claim of another scan that was never completed and is older than the notify queue can still bring
    // its message back is taken over (its message is in the DLQ or lost): published again, the delivery
    // records keep what was already sent from being sent twice.
    const claim = await input.ledger.claim(
      key,
      { scanId: input.message.id, customerId: customer.customerId, window: reminder.window },
      { staleAfterSeconds: REMINDER_CLAIM_STALE_SECONDS },
    );
    if (claim === "new") {
      toPublish.push(reminder);
      continue;
    }
    if (claim === "done") {
      result.alreadyClaimed++;
      continue;
    }
    const rec = await input.ledger.get(key);
    if (rec?.status === "claimed" && rec.attrs?.["scanId"] === input.message.id) toPublish.push(reminder); // our own earlier attempt
    else result.alreadyClaimed++;
  }
  if (toPublish.length === 0) {
    await input.afterPublish?.(decision.due);
    return result;
  }

  const groups = chunks(toPublish, input.remindersPerMessage ?? 20);
  const envelopes = groups.map((reminders) =>
    RenewalNotify.create({ runDate: data.runDate, customer, reminders }, { id: notifyEnvelopeId(reminders.map((r) => r.keyString)) }),
  );
  try {
    await input.publish(envelopes);
  } catch (err) {
    const failed = failedIds(err, envelopes);
    let released = 0;
    for (const [i, env] of envelopes.entries()) {
      if (!failed.has(env.id)) {
        result.published += groups[i]!.length;
        continue;
      }
      for (const r of groups[i]!) {
        await input.ledger.release(ledgerKeys.reminder(r.keyString));
        released++;
      }
    }
    throw new PipelineError(`${released} reminder(s) not published; their claims were released and the scan will be retried (${(err as Error).message})`);
  }
  result.published = toPublish.length;
  await input.afterPublish?.(decision.due);
  return result;
}

/** Local date of `now` in `timeZone` (the scheduler's run date). */
export function runDateOf(now: number, timeZone: string): string {
  return localDateString(now, timeZone);
}
