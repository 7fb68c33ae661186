/**
 * The console's thin query layer: reads the ledger table (reminders, deliveries, digests, scans,
 * inventory snapshots), the real-name applications table, the inbound-mail bucket's outcome records
 * and the queues, through the project's adapters and the AWS SDK clients of ConsoleSources, and keeps
 * one in-memory snapshot of the two tables (refreshed after `cacheSeconds` or after an action), so a
 * page is a filter over memory. Nothing here renders; nothing here returns a secret, a full ID number
 * or file contents (records are reduced to the fields the views show).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from "@aws-sdk/client-sqs";
import { statSync } from "node:fs";
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { replayDlq, type DlqTarget } from "../local/commands/dlq.ts";
import { REDACTED, redact, redactString } from "../shared/log/redact.ts";
import { operatorMetrics, readMetricsFile, type OperatorMetrics } from "../shared/metrics/index.ts";
import { failureKey, parseFailureAttrs, type FailureAttrs } from "../shared/queue/failures.ts";
import { createRecordStore } from "../shared/realname-io/records.ts";
import { RealnameSubmitRequested, type RealnameRecord } from "../shared/realname/record.ts";
import { redactText } from "../shared/realname/redact.ts";
import type { ApplicationState } from "../shared/realname/state.ts";
import { parseLedgerKeyString, type LedgerKey } from "../shared/renewal/decision.ts";
import { INVENTORY_KEY_PREFIX, inventoryItemSchema, type InventoryItem } from "../shared/renewal/inventory.ts";
import { bucket as storageBucket } from "../shared/storage/index.ts";
import type { ConsoleQueue, ConsoleSources } from "./sources.ts";

export interface LedgerItem {
  pk: string;
  status?: "claimed" | "done";
  claimedAt?: string;
  completedAt?: string;
  attrs?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

export interface CalendarRow {
  customerId: string;
  accountName: string | undefined;
  manager: { name: string; email: string } | undefined;
  resourceId: string;
  name: string | undefined;
  service: string | undefined;
  region: string | undefined;
  expireTime: string;
  /** Local calendar date of the expiry in the customer's time zone. */
  expiryDate: string;
  daysLeft: number;
  status: "in-use" | "grace" | "retention" | "closed";
  autoRenew: boolean;
  main: boolean;
  /** Reminders already claimed/sent for this (main) resource and expiry. */
  reminders: { window: string; status: string; at: string | undefined; channels: { channel: string; status: string; at: string | undefined }[] }[];
  nextDue: { window: string; date: string } | undefined;
  /** Lower-cased customer id and account name, for the customer filter. */
  search: string;
}

export interface DeliveryRow {
  key: string;
  day: string;
  customerId: string;
  resourceId: string;
  window: string;
  channel: string;
  status: "sent" | "pending";
  at: string | undefined;
}

export interface NoticeRow {
  outcomeKey: string;
  sourceKey: string;
  processedAt: string;
  kind: string;
  quarantined: boolean;
  reasons: string[];
  noticeId: string;
  noticeKey: string | null;
  attachmentKeys: string[];
  quarantineKey: string | null;
  duplicateOf: string | null;
  findings: { code: string; detail?: string }[];
  sizeBytes: number;
}

export interface ApplicationRow {
  id: string;
  customerId: string;
  type: string;
  mode: string;
  state: ApplicationState;
  submitAttempts: number;
  isReview: number | undefined;
  opinion: string | undefined;
  failure: { code: string; disposition: string; message: string; operatorAction?: string } | undefined;
  documents: { position: number; role: string; type: string; size: number }[];
  documentsPurged: boolean;
  history: { at: string; actor: string; event: string; from: string | null; to: string; detail?: string }[];
  createdAt: string;
  updatedAt: string;
  work: string | undefined;
  dueAt: number | undefined;
  flagged: string | undefined;
}

export interface QueueRow extends ConsoleQueue {
  visible: number;
  inFlight: number;
  delayed: number;
  oldestAgeSeconds: number | undefined;
}

export interface DlqMessage {
  messageId: string;
  receiveCount: number;
  sentAt: string;
  type: string | undefined;
  envelopeId: string | undefined;
  customerId: string | undefined;
  /** Pretty JSON with personal and secret fields masked. */
  body: string;
  /** The reason the consumer recorded at the message's last failure (shared/queue/failures.ts), if any. */
  failure: FailureAttrs | undefined;
  reason: string;
}

const DAY_MS = 86_400_000;
const WINDOWS_DEFAULT = [30, 15, 7, 3, 1];

/** Fields of queue bodies the console never shows (besides shared/log's sensitive keys and ID numbers). */
const PERSONAL_KEY = /^(customerName|name|email|bssEmail|to|cc|contacts|address|callback_?url|url)$/i;

/** A queue body for display: JSON with secrets, ID numbers, names and addresses masked; text bodies masked the same way. */
export function redactBody(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return redactText(redactString(body.slice(0, 4000)));
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) out[k] = PERSONAL_KEY.test(k) && val !== null && typeof val !== "boolean" ? REDACTED : walk(val);
      return out;
    }
    return typeof v === "string" ? redactText(v) : v;
  };
  return JSON.stringify(walk(redact(parsed)), null, 2).slice(0, 20_000);
}

/** `YYYY-MM-DD` of an instant in a time zone. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();
export function localDate(epochMs: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    } catch {
      f = null; // unknown zone: UTC dates
    }
    formatters.set(timeZone, f);
  }
  return f ? f.format(epochMs) : new Date(epochMs).toISOString().slice(0, 10);
}

const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const dateOfDay = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

function statusOf(s: number, daysLeft: number): CalendarRow["status"] {
  if (s === 3) return "closed";
  if (s === 4) return "retention";
  if (s === 5 || daysLeft < 0) return "grace";
  return "in-use";
}

/** The next reminder window after today for an expiry `daysLeft` days away (windows in days, any order). */
export function nextWindow(daysLeft: number, expiryDate: string, sentWindows: ReadonlySet<string>, windows: readonly number[] = WINDOWS_DEFAULT): { window: string; date: string } | undefined {
  const sorted = [...windows].sort((a, b) => b - a);
  for (const w of sorted) {
    if (w < daysLeft && !sentWindows.has(`${w}d`)) return { window: `${w}d`, date: dateOfDay(dayNumber(expiryDate) - w) };
  }
  if (daysLeft >= 0 && !sentWindows.has("grace")) return { window: "grace", date: dateOfDay(dayNumber(expiryDate) + 1) };
  return undefined;
}

export interface Snapshot {
  loadedAt: number;
  ledger: LedgerItem[];
  inventory: InventoryItem[];
  calendar: CalendarRow[];
  deliveries: DeliveryRow[];
  applications: ApplicationRow[];
  health: HealthData;
  loadMs: number;
}

export interface HealthData {
  scheduler: { runDate: string; customers: number; done: number; lastAt: string | undefined } | undefined;
  scans: { item: InventoryItem; reminders: number }[];
  loadMs: number;
}

/** Last scheduler run and last scan per customer, from the ledger (computed once per snapshot). */
export function healthData(ledger: readonly LedgerItem[], inventory: readonly InventoryItem[], loadMs: number): HealthData {
  const runs = new Map<string, { customers: number; done: number; lastAt: string | undefined }>();
  for (const l of ledger) {
    if (l.pk.startsWith("renewal-scan#")) {
      const runDate = l.pk.split("#")[1] ?? "";
      const r = runs.get(runDate) ?? { customers: 0, done: 0, lastAt: undefined };
      r.customers++;
      if (l.status === "done") r.done++;
      const at = l.completedAt ?? l.claimedAt;
      if (at && (!r.lastAt || at > r.lastAt)) r.lastAt = at;
      runs.set(runDate, r);
    }
  }
  const last = [...runs.entries()].sort(([a], [b]) => b.localeCompare(a))[0];
  const scans = [...inventory].sort((a, b) => b.scannedAt.localeCompare(a.scannedAt)).map((item) => ({ item, reminders: 0 }));
  // Reminders claimed by each customer's scan of its run date (scan envelope id = `renewal-scan-<runDate>-<hash>`).
  const perCustomer = new Map<string, number>();
  for (const l of ledger) {
    if (!l.pk.startsWith("renewal#")) continue;
    const c = l.attrs?.["customerId"];
    const scanId = l.attrs?.["scanId"];
    if (typeof c !== "string" || typeof scanId !== "string") continue;
    const key = `${c}|${scanId.slice("renewal-scan-".length, "renewal-scan-".length + 10)}`;
    perCustomer.set(key, (perCustomer.get(key) ?? 0) + 1);
  }
  for (const s of scans) s.reminders = perCustomer.get(`${s.item.customerId}|${s.item.runDate}`) ?? 0;
  return { scheduler: last ? { runDate: last[0], ...last[1] } : undefined, scans, loadMs };
}

/** What the Health view shows of the operator metrics (shared/metrics): summed locally, CloudWatch in AWS. */
export type MetricsView =
  | { source: "file"; path: string; metrics: OperatorMetrics }
  | { source: "missing" | "too-large"; path: string }
  | { source: "cloudwatch"; namespace: string; dashboard: string }
  | { source: "none" };

export interface QueryOptions {
  /** How long a snapshot of the tables is reused (default 15 s). */
  cacheSeconds?: number;
  now?: () => number;
  windowsDays?: readonly number[];
}

export class ActionError extends Error {
  override name = "ActionError";
}

async function scanAll<T>(sources: ConsoleSources, table: string): Promise<T[]> {
  const out: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await sources.doc.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }));
    out.push(...((res.Items ?? []) as T[]));
    start = res.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return out;
}

function safeKey(s: string): LedgerKey | undefined {
  try {
    return parseLedgerKeyString(s);
  } catch {
    return undefined;
  }
}

/**
 * Parse results reused across snapshots: inventory items by `pk` while their `scannedAt` is unchanged (a
 * scan rewrites each once a day), and parsed renewal ledger keys (immutable).
 */
export interface IndexCache {
  inventory: Map<string, { scannedAt: unknown; item: InventoryItem | undefined }>;
  keys: Map<string, LedgerKey | undefined>;
}
export const newIndexCache = (): IndexCache => ({ inventory: new Map(), keys: new Map() });

/** Builds calendar and delivery rows from ledger items (pure but for the optional parse cache; exported for the bench and tests). */
export function buildIndex(
  ledger: readonly LedgerItem[],
  now: number,
  windowsDays: readonly number[] = WINDOWS_DEFAULT,
  cache: IndexCache = newIndexCache(),
): Pick<Snapshot, "inventory" | "calendar" | "deliveries"> {
  // Only what this ledger still holds is carried to the next snapshot (TTL-expired items drop out).
  const keys = new Map<string, LedgerKey | undefined>();
  const parsedInventory: IndexCache["inventory"] = new Map();
  const keyOf = (s: string) => {
    const k = cache.keys.has(s) ? cache.keys.get(s) : safeKey(s);
    keys.set(s, k);
    return k;
  };
  const inventory: InventoryItem[] = [];
  // reminders per customer#mainResource#expireTime
  const reminders = new Map<string, CalendarRow["reminders"]>();
  const channelsOf = new Map<string, { channel: string; status: string; at: string | undefined }[]>();
  const deliveries: DeliveryRow[] = [];
  for (const item of ledger) {
    if (item.pk.startsWith("renewal-delivery#")) {
      const rest = item.pk.slice("renewal-delivery#".length);
      const cut = rest.lastIndexOf("#");
      const keyString = rest.slice(0, cut);
      const channel = rest.slice(cut + 1);
      const k = keyOf(keyString);
      if (!k) continue;
      const at = item.completedAt ?? item.claimedAt;
      const list = channelsOf.get(keyString) ?? [];
      list.push({ channel, status: item.status === "done" ? "sent" : "pending", at });
      channelsOf.set(keyString, list);
      deliveries.push({
        key: item.pk,
        day: (at ?? "").slice(0, 10),
        customerId: k.customerId,
        resourceId: k.mainResourceId,
        window: k.window,
        channel: `${String(item.attrs?.["channel"] ?? channel.split(":")[0])} (${channel})`,
        status: item.status === "done" ? "sent" : "pending",
        at,
      });
    }
  }
  for (const item of ledger) {
    if (item.pk.startsWith(INVENTORY_KEY_PREFIX)) {
      const scannedAt = (item as { scannedAt?: unknown }).scannedAt;
      let hit = cache.inventory.get(item.pk);
      if (!hit || hit.scannedAt !== scannedAt) {
        const parsed = inventoryItemSchema.safeParse(item);
        hit = { scannedAt, item: parsed.success ? parsed.data : undefined };
      }
      parsedInventory.set(item.pk, hit);
      if (hit.item) inventory.push(hit.item);
      continue;
    }
    if (!item.pk.startsWith("renewal#")) continue;
    const keyString = item.pk.slice("renewal#".length);
    const k = keyOf(keyString);
    if (!k) continue;
    const id = `${k.customerId}#${k.mainResourceId}#${k.expireTime}`;
    const list = reminders.get(id) ?? [];
    list.push({ window: k.window, status: item.status === "done" ? "sent" : "claimed", at: item.completedAt ?? item.claimedAt, channels: channelsOf.get(keyString) ?? [] });
    reminders.set(id, list);
  }
  cache.keys = keys;
  cache.inventory = parsedInventory;
  const today = (tz: string) => dayNumber(localDate(now, tz));
  // Expiry times repeat (BSS ends periods at the end of a day): one date conversion per (zone, time).
  const dates = new Map<string, { date: string; day: number } | null>();
  const localExpiry = (e: string, tz: string) => {
    const key = `${tz}|${e}`;
    let d = dates.get(key);
    if (d === undefined) {
      const ms = Date.parse(e);
      d = Number.isNaN(ms) ? null : { date: localDate(ms, tz), day: 0 };
      if (d) d.day = dayNumber(d.date);
      dates.set(key, d);
    }
    return d;
  };
  const calendar: CalendarRow[] = [];
  for (const inv of inventory) {
    const t0 = today(inv.timeZone);
    const searchText = `${inv.customerId} ${inv.accountName ?? ""}`.toLowerCase();
    for (const r of inv.resources) {
      const local = localExpiry(r.e, inv.timeZone);
      if (!local) continue;
      const expiryDate = local.date;
      const daysLeft = local.day - t0;
      const status = statusOf(r.s, daysLeft);
      if (daysLeft > 90 || (daysLeft < 0 && status === "in-use") || status === "closed") continue;
      const mainId = r.m === 1 ? r.i : (r.g ?? r.i);
      const sent = reminders.get(`${inv.customerId}#${mainId}#${r.e}`) ?? [];
      calendar.push({
        customerId: inv.customerId,
        accountName: inv.accountName,
        manager: inv.manager,
        resourceId: r.i,
        name: r.n,
        service: r.t,
        region: r.r,
        expireTime: r.e,
        expiryDate,
        daysLeft,
        status,
        autoRenew: r.p === 3,
        main: r.m === 1,
        reminders: sent,
        nextDue: r.p === 3 || status === "retention" ? undefined : nextWindow(daysLeft, expiryDate, new Set(sent.map((s) => s.window)), windowsDays),
        search: searchText,
      });
    }
  }
  calendar.sort((a, b) => (a.expireTime < b.expireTime ? -1 : a.expireTime > b.expireTime ? 1 : a.customerId.localeCompare(b.customerId)));
  deliveries.sort((a, b) => ((b.at ?? "") < (a.at ?? "") ? -1 : 1));
  return { inventory, calendar, deliveries };
}

export function applicationRow(r: RealnameRecord, flagged: string | undefined): ApplicationRow {
  const s = r.status;
  return {
    id: r.id,
    customerId: r.customerId,
    type: r.type,
    mode: r.mode,
    state: s.state,
    submitAttempts: s.submitAttempts,
    isReview: s.isReview,
    opinion: s.opinion === undefined ? undefined : redactText(s.opinion),
    failure: s.failure
      ? {
          code: s.failure.code,
          disposition: s.failure.disposition,
          message: redactText(s.failure.message),
          ...(s.failure.operatorAction ? { operatorAction: redactText(s.failure.operatorAction) } : {}),
        }
      : undefined,
    documents: (r.documents ?? []).map((d) => ({ position: d.position, role: d.role, type: d.type, size: d.size })),
    documentsPurged: s.documentsPurged === true,
    history: r.audit.map((a) => ({ at: a.at, actor: a.actor, event: a.event, from: a.from, to: a.to, ...(a.detail ? { detail: redactText(a.detail) } : {}) })),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    work: r.work,
    dueAt: r.dueAt,
    flagged,
  };
}

export const FLAG_PREFIX = "console-flag#realname#";

export function createQuery(sources: ConsoleSources, options: QueryOptions = {}) {
  const now = options.now ?? Date.now;
  const cacheMs = (options.cacheSeconds ?? 15) * 1000;
  // The last loaded snapshot, and the load in progress. An expired snapshot is still served while a
  // new one loads in the background (a page never waits for a table scan, except the first one and
  // the first after an action, which must show the action's effect).
  let ready: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;
  const outcomeCache = new Map<string, { etag: string | undefined; row: NoticeRow }>();
  const indexCache = newIndexCache();
  const inbound = sources.buckets.inbound ? storageBucket(sources.s3, sources.buckets.inbound) : undefined;
  const config = sources.buckets.config ? storageBucket(sources.s3, sources.buckets.config) : undefined;
  const records = sources.tables.realname ? createRecordStore({ tableName: sources.tables.realname, client: sources.doc }) : undefined;

  async function load(): Promise<Snapshot> {
    const started = performance.now();
    const loadedAt = now();
    const [ledger, apps] = await Promise.all([
      scanAll<LedgerItem>(sources, sources.tables.ledger),
      sources.tables.realname ? scanAll<RealnameRecord>(sources, sources.tables.realname) : Promise.resolve([]),
    ]);
    const flags = new Map<string, string>();
    for (const l of ledger) if (l.pk.startsWith(FLAG_PREFIX)) flags.set(l.pk.slice(FLAG_PREFIX.length), String(l.attrs?.["note"] ?? "flagged"));
    const index = buildIndex(ledger, now(), options.windowsDays, indexCache);
    const applications = apps
      .filter((a) => typeof a.id === "string" && !a.id.startsWith("request#") && a.status !== undefined)
      .map((a) => applicationRow(a, flags.get(a.id)))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const loadMs = performance.now() - started;
    return { loadedAt, ledger, ...index, applications, health: healthData(ledger, index.inventory, loadMs), loadMs };
  }

  let generation = 0;
  function refresh(): Promise<Snapshot> {
    if (!loading) {
      const gen = generation;
      const p = load().then((snap) => {
        // A load started before an action must not replace what the action invalidated.
        if (gen === generation) ready = snap;
        return snap;
      });
      loading = p;
      void p.catch(() => undefined).finally(() => {
        if (loading === p) loading = undefined;
      });
    }
    return loading;
  }

  function current(): Promise<Snapshot> {
    if (!ready) return refresh();
    if (now() - ready.loadedAt > cacheMs) void refresh().catch(() => undefined);
    return Promise.resolve(ready);
  }

  function invalidate(): void {
    generation++;
    ready = undefined;
    loading = undefined;
  }

  let metricsCache: { key: string; view: MetricsView } | undefined;
  /** The functions' metrics: the local engine's metrics file (re-read when it changes), or where to see them in AWS. */
  function metrics(): MetricsView {
    if (sources.mode === "aws") return { source: "cloudwatch", namespace: "PartnerOps", dashboard: `partner-ops-${sources.stage}` };
    const path = sources.metricsFile;
    if (!path) return { source: "none" };
    let key = "missing";
    try {
      const st = statSync(path);
      key = `${st.size}|${st.mtimeMs}`;
    } catch {
      // not written yet
    }
    if (metricsCache?.key === key) return metricsCache.view;
    const read = readMetricsFile(path);
    const view: MetricsView = "totals" in read ? { source: "file", path, metrics: operatorMetrics(read.totals) } : { source: "missing" in read ? "missing" : "too-large", path };
    metricsCache = { key, view };
    return view;
  }

  async function notices(): Promise<NoticeRow[]> {
    if (!inbound) return [];
    const objects = await inbound.list("outcomes/", { limit: 5000 });
    const rows: NoticeRow[] = [];
    await Promise.all(
      objects.map(async (o) => {
        const cached = outcomeCache.get(o.key);
        if (cached && cached.etag === o.etag) {
          rows.push(cached.row);
          return;
        }
        try {
          const rec = JSON.parse(Buffer.from((await inbound.get(o.key)).body).toString("utf8")) as Record<string, unknown>;
          const row: NoticeRow = {
            outcomeKey: o.key,
            sourceKey: String((rec["source"] as { key?: unknown } | undefined)?.key ?? ""),
            processedAt: String(rec["processedAt"] ?? ""),
            kind: String(rec["kind"] ?? "unknown"),
            quarantined: typeof rec["quarantineKey"] === "string",
            reasons: Array.isArray(rec["rejectReasons"]) ? (rec["rejectReasons"] as unknown[]).map(String) : [],
            noticeId: String(rec["noticeId"] ?? ""),
            noticeKey: typeof rec["noticeKey"] === "string" ? rec["noticeKey"] : null,
            attachmentKeys: Array.isArray(rec["attachmentKeys"]) ? (rec["attachmentKeys"] as unknown[]).map(String) : [],
            quarantineKey: typeof rec["quarantineKey"] === "string" ? rec["quarantineKey"] : null,
            duplicateOf: (rec["duplicateOf"] as { key?: string } | null)?.key ?? null,
            findings: Array.isArray(rec["findings"])
              ? (rec["findings"] as { code?: unknown; detail?: unknown }[]).map((f) => ({ code: String(f.code), ...(f.detail ? { detail: redactText(String(f.detail)) } : {}) }))
              : [],
            sizeBytes: Number(rec["sizeBytes"] ?? 0),
          };
          outcomeCache.set(o.key, { etag: o.etag, row });
          rows.push(row);
        } catch {
          // an unreadable outcome record is left out
        }
      }),
    );
    return rows.sort((a, b) => b.processedAt.localeCompare(a.processedAt));
  }

  /** The extracted fields of a stored notice (notice.json), with free text redacted. */
  async function noticeFields(noticeKey: string): Promise<Record<string, unknown> | undefined> {
    if (!inbound || !noticeKey.startsWith("notices/")) return undefined;
    const obj = await inbound.get(noticeKey);
    return redact(JSON.parse(Buffer.from(obj.body).toString("utf8"))) as Record<string, unknown>;
  }

  /** An object of the inbound bucket for download (originals, attachments, quarantine copies only). */
  async function inboundObject(key: string) {
    if (!inbound) throw new ActionError("no inbound bucket");
    if (!/^(inbound\/|notices\/[0-9a-f]{32}\/attachments\/|quarantine\/[0-9a-f]{32}\/message\.eml$)/.test(key) || key.includes("..")) throw new ActionError("not a downloadable key");
    return inbound.get(key);
  }

  /** Outbox e-mails (stage local: the config bucket's outbox/ prefix), newest first. */
  async function outbox(limit = 500) {
    if (!config) return [];
    const list = await config.list("outbox/", { limit: 20_000 });
    return list
      .filter((o) => o.key.endsWith(".eml"))
      .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))
      .slice(0, limit);
  }

  async function outboxMessage(key: string): Promise<{ subject: string; date: string; text: string; html: string | undefined; reminderKeys: string[] }> {
    if (!config || !/^outbox\/[\w./-]+\.eml$/.test(key) || key.includes("..")) throw new ActionError("not an outbox message");
    const { simpleParser } = await import("mailparser");
    const mail = await simpleParser(Buffer.from((await config.get(key)).body));
    const keys = mail.headers.get("x-partner-ops-reminder-keys");
    return {
      subject: mail.subject ?? "",
      date: mail.date?.toISOString() ?? "",
      text: redactText(redactString(mail.text ?? "")).slice(0, 100_000),
      html: typeof mail.html === "string" ? mail.html : undefined,
      reminderKeys: typeof keys === "string" ? keys.split(/\s+/).filter(Boolean) : [],
    };
  }

  async function queueRows(): Promise<QueueRow[]> {
    return Promise.all(
      sources.queues.map(async (q) => {
        const a = await sources.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: q.url,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
          }),
        );
        let oldest: number | undefined;
        if (sources.fauxqs) {
          const msgs = await inspect(q).catch(() => []);
          const first = msgs.reduce((m, x) => Math.min(m, x.sentTimestamp), Number.POSITIVE_INFINITY);
          if (Number.isFinite(first)) oldest = Math.max(0, Math.round((now() - first) / 1000));
        }
        const n = (k: string) => Number(a.Attributes?.[k as "ApproximateNumberOfMessages"] ?? 0);
        return { ...q, visible: n("ApproximateNumberOfMessages"), inFlight: n("ApproximateNumberOfMessagesNotVisible"), delayed: n("ApproximateNumberOfMessagesDelayed"), oldestAgeSeconds: oldest };
      }),
    );
  }

  type Raw = { messageId: string; body: string; sentTimestamp: number; approximateReceiveCount: number };
  async function inspect(q: ConsoleQueue): Promise<Raw[]> {
    const res = await fetch(`${sources.fauxqs}/_fauxqs/queues/${encodeURIComponent(q.name)}`);
    if (!res.ok) throw new Error(`cannot inspect ${q.name}: HTTP ${res.status}`);
    const state = (await res.json()) as { messages: { ready: Raw[]; delayed: Raw[]; inflight: { message: Raw }[] } };
    return [...state.messages.ready, ...state.messages.delayed, ...state.messages.inflight.map((i) => i.message)];
  }

  function queueByLogicalId(id: string): ConsoleQueue {
    const q = sources.queues.find((x) => x.logicalId === id);
    if (!q) throw new ActionError(`no queue ${id}`);
    return q;
  }

  function describe(m: { messageId: string; body: string; receiveCount: number; sentAt: number }): DlqMessage {
    let type: string | undefined;
    let envelopeId: string | undefined;
    let customerId: string | undefined;
    try {
      const p = JSON.parse(m.body) as { type?: unknown; id?: unknown; data?: { customer?: { customerId?: unknown }; customerId?: unknown } };
      if (typeof p.type === "string") type = p.type;
      if (typeof p.id === "string") envelopeId = p.id;
      const c = p.data?.customer?.customerId ?? p.data?.customerId;
      if (typeof c === "string") customerId = c;
    } catch {
      // not an envelope
    }
    return {
      messageId: m.messageId,
      receiveCount: m.receiveCount,
      sentAt: new Date(m.sentAt).toISOString(),
      type,
      envelopeId,
      customerId,
      body: redactBody(m.body),
      failure: undefined,
      reason: `failed ${m.receiveCount} time(s); no reason recorded (the consumer's log line names the error)`,
    };
  }

  /** Joins each DLQ message to the failure its source queue's consumer recorded (same SQS message id). */
  async function withFailures(dlq: ConsoleQueue, messages: DlqMessage[]): Promise<DlqMessage[]> {
    const sourceNames = sources.queues.filter((q) => q.dlqOf === dlq.logicalId).map((q) => q.name);
    if (sourceNames.length === 0) return messages;
    return Promise.all(
      messages.map(async (m) => {
        for (const name of sourceNames) {
          const res = await sources.doc.send(new GetCommand({ TableName: sources.tables.ledger, Key: { pk: failureKey(name, m.messageId) } })).catch(() => undefined);
          const failure = parseFailureAttrs((res?.Item as LedgerItem | undefined)?.attrs);
          if (failure) return { ...m, failure, reason: redactText(failure.reason) };
        }
        return m;
      }),
    );
  }

  /**
   * The messages waiting in a DLQ. Locally through fauxqs's inspection endpoint (no receive); in AWS by
   * receiving up to 10 with visibility timeout 0 (they stay visible; their receive count goes up by one).
   */
  async function dlqMessages(logicalId: string): Promise<DlqMessage[]> {
    const q = queueByLogicalId(logicalId);
    if (sources.fauxqs) {
      return withFailures(q, (await inspect(q)).map((m) => describe({ messageId: m.messageId, body: m.body, receiveCount: m.approximateReceiveCount, sentAt: m.sentTimestamp })));
    }
    const res = await sources.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ["All"] }));
    return withFailures(q, (res.Messages ?? []).map((m) =>
      describe({
        messageId: m.MessageId ?? "",
        body: m.Body ?? "",
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        sentAt: Number(m.Attributes?.SentTimestamp ?? 0),
      }),
    ));
  }

  function dlqTarget(dlq: ConsoleQueue): DlqTarget {
    const sourcesOf = sources.queues.filter((q) => q.dlqOf === dlq.logicalId);
    const info = (q: ConsoleQueue) => ({ name: q.name, url: q.url, arn: q.logicalId, dlqArn: q.dlqOf });
    return { dlq: info(dlq), sources: sourcesOf.map(info) };
  }

  /** Moves every message of a DLQ back to its source queue (local/commands/dlq.ts's replay). */
  async function replayAll(logicalId: string): Promise<number> {
    const q = queueByLogicalId(logicalId);
    if (!q.isDlq) throw new ActionError(`${q.logicalId} is not a dead-letter queue`);
    const moved = await replayDlq(sources.sqs, dlqTarget(q));
    invalidate();
    return moved;
  }

  /** Moves one message (by SQS message id) of a DLQ back to its source queue. */
  async function replayOne(logicalId: string, messageId: string): Promise<boolean> {
    const q = queueByLogicalId(logicalId);
    const target = dlqTarget(q);
    if (!q.isDlq || target.sources.length !== 1) throw new ActionError(`${q.logicalId} is not the DLQ of exactly one queue`);
    const source = target.sources[0]!;
    const fifo = source.name.endsWith(".fifo");
    const others: Message[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const res = await sources.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: q.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }),
        );
        const batch = res.Messages ?? [];
        if (batch.length === 0) return false;
        const match = batch.find((m) => m.MessageId === messageId);
        others.push(...batch.filter((m) => m !== match));
        if (match) {
          const m = match;
          await sources.sqs.send(
            new SendMessageCommand({
              QueueUrl: source.url,
              MessageBody: m.Body ?? "",
              ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length ? { MessageAttributes: m.MessageAttributes } : {}),
              ...(fifo ? { MessageGroupId: m.Attributes?.MessageGroupId ?? "replay", MessageDeduplicationId: `replay-${m.MessageId}` } : {}),
            }),
          );
          await sources.sqs.send(new DeleteMessageCommand({ QueueUrl: q.url, ReceiptHandle: m.ReceiptHandle! }));
          return true;
        }
      }
      return false;
    } finally {
      // Everything else received on the way becomes visible again at once.
      await Promise.all(others.map((m) => sources.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.url, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })).catch(() => undefined)));
      invalidate();
    }
  }

  /**
   * Reprocesses a quarantined invoice message: forgets the intake's ledger record and stores the
   * quarantined copy under `inbound/reprocess/`, which triggers invoice-email again (S3 notification).
   */
  async function reprocessQuarantined(noticeId: string): Promise<string> {
    if (!inbound) throw new ActionError("no inbound bucket");
    if (!/^[0-9a-f]{32}$/.test(noticeId)) throw new ActionError("not a notice id");
    const from = `quarantine/${noticeId}/message.eml`;
    if (!(await inbound.head(from))) throw new ActionError("no quarantined message with this id");
    await sources.doc.send(new DeleteCommand({ TableName: sources.tables.ledger, Key: { pk: `invoice-email#${noticeId}` } }));
    const to = `inbound/reprocess/${noticeId}-${now()}`;
    await inbound.copy(from, to, { contentType: "message/rfc822" });
    outcomeCache.clear();
    invalidate();
    return to;
  }

  /**
   * Retries a stuck real-name submission: a `validated` or `submitting` one gets a new submit request on
   * the submit queue (realname-submit resolves an earlier ambiguous attempt before submitting again).
   * Final states (`failed_config`, `needs_operator`, …) are not retried: BSS gave a final answer or the
   * outcome needs a person in Partner Center (issue 11.3, 12.5).
   */
  async function retryApplication(id: string): Promise<ApplicationState> {
    if (!records) throw new ActionError("no real-name table");
    const submitQueue = sources.queues.find((q) => q.logicalId === "RealnameSubmitQueue");
    if (!submitQueue) throw new ActionError("no RealnameSubmitQueue");
    const rec = await records.get(id);
    if (!rec) throw new ActionError("no such application");
    if (rec.status.state !== "validated" && rec.status.state !== "submitting") {
      throw new ActionError(`an application in state ${rec.status.state} cannot be retried`);
    }
    await sources.sqs.send(new SendMessageCommand({ QueueUrl: submitQueue.url, MessageBody: JSON.stringify(RealnameSubmitRequested.create({ applicationId: id })) }));
    invalidate();
    return rec.status.state;
  }

  /** Marks an application for an operator (a console note in the ledger table; shown in the list). */
  async function flagApplication(id: string, note: string): Promise<void> {
    if (!records || !(await records.get(id))) throw new ActionError("no such application");
    await sources.doc.send(
      new PutCommand({
        TableName: sources.tables.ledger,
        Item: { pk: `${FLAG_PREFIX}${id}`, status: "done", claimedAt: new Date(now()).toISOString(), attrs: { note: redactText(note.slice(0, 200)) }, expiresAt: Math.floor(now() / 1000) + 90 * 86_400 },
      }),
    );
    invalidate();
  }

  return {
    snapshot: current,
    invalidate,
    metrics,
    notices,
    noticeFields,
    inboundObject,
    outbox,
    outboxMessage,
    queueRows,
    dlqMessages,
    replayAll,
    replayOne,
    reprocessQuarantined,
    retryApplication,
    flagApplication,
  };
}

export type Query = ReturnType<typeof createQuery>;
