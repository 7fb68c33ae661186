/**
 * Queue messages of the renewal pipeline (envelopes of shared/queue) — pure.
 *
 *   scheduler ──renewal.scan──▶ RenewalScanQueue ──▶ scan ──renewal.notify──▶ RenewalNotifyQueue ──▶ notify
 *
 * The customer's directory entry (contacts, channels, language, time zone — references only, never
 * secrets) is resolved once by the scheduler and travels with the messages, so the scan and notify
 * functions work on the same snapshot of the directory and need no bucket read of their own.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { defineMessage } from "../queue/envelope.ts";
import { contactEntrySchema } from "../notify/contacts.ts";
import { dueReminderSchema } from "./decision.ts";

const runDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const customerContextSchema = z.strictObject({
  customerId: z.string().min(1).max(64),
  customerLevel: z.string().max(8).optional(),
  /** Main-account login name (ListSubCustomers account_name). */
  accountName: z.string().max(64).optional(),
  /** Real-name name (ListSubCustomers `customer`), used to address the customer. Never logged. */
  customerName: z.string().max(128).optional(),
  /** The account's e-mail in BSS: contact of last resort for customers missing from the directory. */
  bssEmail: z.string().max(256).optional(),
  /** The customer's contacts directory entry, when it has one. */
  entry: contactEntrySchema.optional(),
});
export type CustomerContext = z.output<typeof customerContextSchema>;

export const RenewalScan = defineMessage(
  "renewal.scan",
  1,
  z.strictObject({
    /** Local date of the scheduler run (default time zone): one scan per customer per run date. */
    runDate,
    /** The scheduler's run time (UTC ISO). The scan decides with its own clock. */
    scheduledAt: z.iso.datetime({ offset: true }),
    customer: customerContextSchema,
  }),
);
export type RenewalScanMessage = ReturnType<typeof RenewalScan.parse>;

export const RenewalNotify = defineMessage(
  "renewal.notify",
  1,
  z.strictObject({
    runDate,
    customer: customerContextSchema,
    reminders: z.array(dueReminderSchema).min(1).max(50),
  }),
);
export type RenewalNotifyMessage = ReturnType<typeof RenewalNotify.parse>;

const h = (s: string, n = 40) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** Envelope id of a customer's scan on a run date (the consumer deduplicates on it). */
export function scanEnvelopeId(runDate: string, customerId: string): string {
  return `renewal-scan-${runDate}-${h(customerId, 32)}`;
}

/** Envelope id of a notify message: the same set of reminders always gets the same id. */
export function notifyEnvelopeId(keyStrings: readonly string[]): string {
  return `renewal-notify-${h([...keyStrings].sort().join("\n"))}`;
}

/** Ledger keys of the pipeline (all in the shared ledger table). */
export const ledgerKeys = {
  /** One scan message per (run date, customer). */
  scan: (runDate: string, customerId: string) => `renewal-scan#${runDate}#${customerId}`,
  /** One reminder per (customer, main resource, expiry, window): claimed by the scan, done after delivery. */
  reminder: (keyString: string) => `renewal#${keyString}`,
  /** One delivery per reminder and channel of the customer's entry (`email:0`, `webhook:1`, …). */
  delivery: (keyString: string, channel: string) => `renewal-delivery#${keyString}#${channel}`,
  /** One digest per account manager and day. */
  digest: (managerKey: string, date: string) => `renewal-digest#${managerKey}#${date}`,
} as const;

/** Stable, non-identifying folder name for an account manager (lower-cased e-mail, hashed). */
export function managerKey(email: string): string {
  return h(email.trim().toLowerCase(), 24);
}

/** Splits a list into chunks of at most `size`. */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Per-instance BSS rate so that `concurrency` instances together stay within `total`:
 * floor(total / concurrency), or the exact fraction when that floor is 0 (the client accepts < 1/s).
 */
export function perInstanceRate(total: number, concurrency: number): number {
  if (!(total > 0) || !Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("rate must be > 0 and concurrency a positive integer");
  const floor = Math.floor(total / concurrency);
  return floor >= 1 ? floor : total / concurrency;
}
