/**
 * Daily digest per account manager: one message listing every due reminder of all the manager's
 * customers (pure). Customers without an account manager in the directory come back as `unassigned`
 * so the caller can route them to a default mailbox and report them.
 */
import type { DueReminder } from "../renewal/decision.ts";
import type { AccountManager, ContactEntry, Language } from "./contacts.ts";
import { type DigestCustomer, type DigestOptions, type RenderedMessage, digestDoc, render, sortByUrgency } from "./templates.ts";

export interface ManagerDigest {
  manager: AccountManager;
  customers: DigestCustomer[];
  reminderCount: number;
}

export interface BuildDigestsInput {
  reminders: readonly DueReminder[];
  /** customer_id → directory entry (see indexDirectory). */
  directory: ReadonlyMap<string, ContactEntry>;
  /** customer_id → display name (e.g. ListSubCustomers `customer` or `account_name`). */
  customerNames?: ReadonlyMap<string, string>;
}

export interface DigestsResult {
  digests: ManagerDigest[];
  unassigned: DigestCustomer[];
}

export function buildDigests(input: BuildDigestsInput): DigestsResult {
  const perCustomer = new Map<string, DueReminder[]>();
  for (const r of input.reminders) {
    const list = perCustomer.get(r.customerId);
    if (list) list.push(r);
    else perCustomer.set(r.customerId, [r]);
  }
  const managers = new Map<string, ManagerDigest>();
  const unassigned: DigestCustomer[] = [];
  for (const [customerId, reminders] of perCustomer) {
    const c: DigestCustomer = { customerId, customerName: input.customerNames?.get(customerId), reminders: sortByUrgency(reminders) };
    const manager = input.directory.get(customerId)?.account_manager;
    if (!manager) {
      unassigned.push(c);
      continue;
    }
    const key = manager.email.toLowerCase();
    const d = managers.get(key) ?? { manager, customers: [], reminderCount: 0 };
    d.customers.push(c);
    d.reminderCount += reminders.length;
    managers.set(key, d);
  }
  // Within a digest: the customer with the most urgent reminder first.
  const head = (c: DigestCustomer) => c.reminders[0] as DueReminder;
  const byUrgency = (a: DigestCustomer, b: DigestCustomer) => {
    const [x] = sortByUrgency([head(a), head(b)]);
    return x === head(a) ? -1 : 1;
  };
  const digests = [...managers.values()].sort((a, b) => (a.manager.email.toLowerCase() < b.manager.email.toLowerCase() ? -1 : 1));
  for (const d of digests) d.customers.sort(byUrgency);
  unassigned.sort(byUrgency);
  return { digests, unassigned };
}

/** Renders one manager's digest. `date` is the run's local date (YYYY-MM-DD) shown in the subject. */
export function renderDigest(digest: ManagerDigest, options: DigestOptions): RenderedMessage {
  return render(digestDoc(digest.manager, digest.customers, options), options.language);
}
