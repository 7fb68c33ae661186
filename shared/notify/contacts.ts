/**
 * Contacts directory: who hears about a customer's expiring resources, in which language and where.
 * Kept as a JSON or CSV object in the config bucket; parsed here (pure) with zod, returning EVERY error
 * (row number, field, message) together with the valid entries, so one bad row never hides the others
 * and never blocks the rest of the directory.
 *
 * JSON: an array of entries, or `{ "customers": [ … ] }`. "row" in errors = 1-based entry number.
 *   {
 *     "customer_id": "0b3c…",                       // BSS customer_id (= domain id)
 *     "contacts": [{ "name": "Li Lei", "email": "ops@example.cn", "phone": "+86 138 0000 0000" }],
 *     "account_manager": { "name": "Han Meimei", "email": "am@partner.example" },
 *     "language": "zh",                              // zh | en; absent: bilingual (zh + en)
 *     "time_zone": "Asia/Shanghai",                  // optional IANA zone, default from the renewal config
 *     "channels": [                                  // default [{ "type": "email" }]
 *       { "type": "email" },
 *       { "type": "dingtalk", "url_ref": "ssm:/partner-ops/dingtalk/acme", "secret_ref": "ssm:/partner-ops/dingtalk/acme-secret" },
 *       { "type": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/…", "secret_ref": "env:FEISHU_ACME" },
 *       { "type": "wecom", "url_ref": "secretsmanager:wecom/acme" },
 *       { "type": "webhook", "url": "https://hooks.example.cn/renewals", "secret_ref": "ssm:/partner-ops/webhook/acme" }
 *     ]
 *   }
 *
 * CSV: a header row, then one row per contact and/or channel; rows with the same customer_id are merged.
 * Columns (any order, case-insensitive): customer_id (required), contact_name, contact_email,
 * contact_phone, account_manager_name, account_manager_email, language, time_zone, channel, channel_url,
 * channel_url_ref, channel_secret_ref. Customer-level columns (account manager, language, time zone) may
 * be left blank on all but one row; two rows giving different values is an error. "row" in errors = the
 * line number in the file (the header is line 1).
 *
 * Secrets never live in the directory: `secret_ref` / `url_ref` are references (`env:NAME`,
 * `ssm:/path`, `secretsmanager:name`) that the notify function resolves. DingTalk and WeCom robot URLs
 * embed their access token/key, so prefer `url_ref` for them; a literal `url` is accepted. Bot URLs must
 * point at the vendor's host (or loopback for local tests) so that a typo cannot leak reminders to an
 * arbitrary server. Error messages never echo a URL or reference value.
 */
import { z } from "zod";
import { timeZoneSchema } from "../renewal/config.ts";
import { CsvSyntaxError, parseCsv } from "./csv.ts";

export const CHANNEL_TYPES = ["email", "dingtalk", "feishu", "wecom", "webhook"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Official hosts of the robot webhooks (plus loopback for local tests). */
export const CHANNEL_HOSTS: Readonly<Record<Exclude<ChannelType, "email" | "webhook">, readonly string[]>> = {
  dingtalk: ["oapi.dingtalk.com"],
  feishu: ["open.feishu.cn", "open.larksuite.com"],
  wecom: ["qyapi.weixin.qq.com"],
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function checkUrl(value: string, hosts: readonly string[] | undefined): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "is not a valid URL";
  }
  if (u.username || u.password) return "must not contain credentials";
  const loopback = LOOPBACK.has(u.hostname);
  if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) return "must use https (http only for 127.0.0.1/localhost)";
  if (hosts && !loopback && !hosts.includes(u.hostname)) return `host must be ${hosts.join(" or ")}`;
  return undefined;
}

const urlFor = (hosts?: readonly string[]) =>
  z.string().superRefine((v, ctx) => {
    const problem = checkUrl(v, hosts);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const secretRefSchema = z
  .string()
  .regex(/^(env|ssm|secretsmanager):[A-Za-z0-9_./+=@-]{1,512}$/, "must be a secret reference such as env:NAME, ssm:/path or secretsmanager:name (never the secret itself)");

const nonBlank = (max: number) => z.string().trim().min(1, "must not be empty").max(max);

export const contactSchema = z.strictObject({
  name: nonBlank(128),
  email: z.email("is not a valid email address"),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{4,30}$/, "is not a valid phone number")
    .optional(),
});
export type Contact = z.infer<typeof contactSchema>;

export const accountManagerSchema = z.strictObject({ name: nonBlank(128), email: z.email("is not a valid email address") });
export type AccountManager = z.infer<typeof accountManagerSchema>;

export const languageSchema = z.enum(["zh", "en"], "must be zh or en");
export type Language = z.infer<typeof languageSchema>;

const exactlyOneUrl = {
  check: (c: { url?: string | undefined; url_ref?: string | undefined }) => (c.url === undefined) !== (c.url_ref === undefined),
  params: { message: "give exactly one of url and url_ref", path: ["url"] },
};

export const emailChannelSchema = z.strictObject({ type: z.literal("email") });
export const dingtalkChannelSchema = z
  .strictObject({ type: z.literal("dingtalk"), url: urlFor(CHANNEL_HOSTS.dingtalk).optional(), url_ref: secretRefSchema.optional(), secret_ref: secretRefSchema.optional() })
  .refine(exactlyOneUrl.check, exactlyOneUrl.params);
export const feishuChannelSchema = z
  .strictObject({ type: z.literal("feishu"), url: urlFor(CHANNEL_HOSTS.feishu).optional(), url_ref: secretRefSchema.optional(), secret_ref: secretRefSchema.optional() })
  .refine(exactlyOneUrl.check, exactlyOneUrl.params);
export const wecomChannelSchema = z
  .strictObject({ type: z.literal("wecom"), url: urlFor(CHANNEL_HOSTS.wecom).optional(), url_ref: secretRefSchema.optional() })
  .refine(exactlyOneUrl.check, exactlyOneUrl.params);
export const webhookChannelSchema = z
  .strictObject({ type: z.literal("webhook"), url: urlFor().optional(), url_ref: secretRefSchema.optional(), secret_ref: secretRefSchema })
  .refine(exactlyOneUrl.check, exactlyOneUrl.params);

export const channelSchema = z.discriminatedUnion("type", [emailChannelSchema, dingtalkChannelSchema, feishuChannelSchema, wecomChannelSchema, webhookChannelSchema]);
export type ChannelConfig = z.infer<typeof channelSchema>;

export const contactEntrySchema = z
  .strictObject({
    customer_id: nonBlank(64),
    contacts: z.array(contactSchema).max(50).default([]),
    account_manager: accountManagerSchema.optional(),
    /** zh or en; absent = unknown: the customer's reminders go out bilingual (zh then en). */
    language: languageSchema.optional(),
    time_zone: timeZoneSchema.optional(),
    channels: z.array(channelSchema).min(1, "needs at least one channel").max(20).default([{ type: "email" }]),
  })
  .superRefine((e, ctx) => {
    if (e.channels.some((c) => c.type === "email") && e.contacts.length === 0) {
      ctx.addIssue({ code: "custom", path: ["contacts"], message: "the email channel needs at least one contact with an email address" });
    }
  });
export type ContactEntry = z.output<typeof contactEntrySchema>;

export interface DirectoryError {
  /** JSON: 1-based entry number; CSV: line number in the file (header = 1); 0 = the file as a whole. */
  row: number;
  customerId?: string;
  /** Field path, e.g. `contacts[0].email`, `channel_url`; `(file)` or `(row)` for whole-file/row problems. */
  field: string;
  message: string;
}

export interface ContactsDirectory {
  entries: ContactEntry[];
  errors: DirectoryError[];
}

export function formatDirectoryError(e: DirectoryError): string {
  const where = e.row === 0 ? "file" : `row ${e.row}`;
  return `${where}${e.customerId ? ` (customer ${e.customerId})` : ""}, ${e.field}: ${e.message}`;
}

function pathString(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(entry)";
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[], row: number, customerId: string | undefined, prefix = ""): DirectoryError[] {
  return issues.map((i) => {
    const e: DirectoryError = { row, field: prefix + pathString(i.path), message: i.message };
    if (customerId) e.customerId = customerId;
    return e;
  });
}

const idOf = (raw: unknown): string | undefined =>
  raw && typeof raw === "object" && typeof (raw as { customer_id?: unknown }).customer_id === "string"
    ? ((raw as { customer_id: string }).customer_id.trim() || undefined)
    : undefined;

// ---------------------------------------------------------------------------------------------
// JSON

export function parseContactsJson(text: string): ContactsDirectory {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { entries: [], errors: [{ row: 0, field: "(file)", message: `not valid JSON (${(e as Error).message})` }] };
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === "object" && Array.isArray((doc as { customers?: unknown }).customers) ? (doc as { customers: unknown[] }).customers : undefined;
  if (!list) return { entries: [], errors: [{ row: 0, field: "(file)", message: 'expected an array of entries or {"customers": [...]}' }] };
  const entries: ContactEntry[] = [];
  const errors: DirectoryError[] = [];
  const firstRow = new Map<string, number>();
  list.forEach((raw, index) => {
    const row = index + 1;
    const r = contactEntrySchema.safeParse(raw);
    if (!r.success) {
      errors.push(...issuesToErrors(r.error.issues, row, idOf(raw)));
      return;
    }
    const seen = firstRow.get(r.data.customer_id);
    if (seen !== undefined) {
      errors.push({ row, customerId: r.data.customer_id, field: "customer_id", message: `duplicate customer_id (first at row ${seen}); this entry is ignored` });
      return;
    }
    firstRow.set(r.data.customer_id, row);
    entries.push(r.data);
  });
  return { entries, errors };
}

// ---------------------------------------------------------------------------------------------
// CSV

export const CSV_COLUMNS = [
  "customer_id",
  "contact_name",
  "contact_email",
  "contact_phone",
  "account_manager_name",
  "account_manager_email",
  "language",
  "time_zone",
  "channel",
  "channel_url",
  "channel_url_ref",
  "channel_secret_ref",
] as const;
type Column = (typeof CSV_COLUMNS)[number];

interface Draft {
  customerId: string;
  rows: number[];
  contacts: unknown[];
  channels: unknown[];
  shared: Partial<Record<"account_manager_name" | "account_manager_email" | "language" | "time_zone", { value: string; row: number }>>;
}

const SHARED = ["account_manager_name", "account_manager_email", "language", "time_zone"] as const;

export function parseContactsCsv(text: string): ContactsDirectory {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { entries: [], errors: [{ row: e.line, field: "(file)", message: `CSV syntax: ${e.message.replace(/^line \d+: /, "")}` }] };
    throw e;
  }
  const [header, ...rows] = records;
  if (!header) return { entries: [], errors: [{ row: 0, field: "(file)", message: "empty file: expected a header row" }] };
  const errors: DirectoryError[] = [];
  const columns: (Column | undefined)[] = header.fields.map((h) => {
    const name = h.trim().toLowerCase();
    if ((CSV_COLUMNS as readonly string[]).includes(name)) return name as Column;
    errors.push({ row: header.line, field: h.trim() || "(blank)", message: `unknown column (known: ${CSV_COLUMNS.join(", ")})` });
    return undefined;
  });
  const dup = columns.filter((c, i) => c && columns.indexOf(c) !== i);
  for (const c of new Set(dup)) errors.push({ row: header.line, field: c as string, message: "column appears twice" });
  if (!columns.includes("customer_id")) {
    errors.push({ row: header.line, field: "customer_id", message: "required column is missing" });
    return { entries: [], errors };
  }
  if (dup.length) return { entries: [], errors };

  const drafts = new Map<string, Draft>();
  for (const rec of rows) {
    const row = rec.line;
    const cell: Partial<Record<Column, string>> = {};
    columns.forEach((c, i) => {
      const v = rec.fields[i]?.trim();
      if (c && v) cell[c] = v;
    });
    if (rec.fields.length > header.fields.length && rec.fields.slice(header.fields.length).some((f) => f.trim() !== "")) {
      errors.push({ row, field: "(row)", message: `has ${rec.fields.length} fields but the header has ${header.fields.length}` });
      continue;
    }
    const customerId = cell.customer_id;
    if (!customerId) {
      errors.push({ row, field: "customer_id", message: "must not be empty" });
      continue;
    }
    const rowErrors: DirectoryError[] = [];
    const at = (field: string, message: string) => rowErrors.push({ row, customerId, field, message });

    let contact: unknown;
    if (cell.contact_name || cell.contact_email || cell.contact_phone) {
      const raw = { name: cell.contact_name ?? "", email: cell.contact_email ?? "", ...(cell.contact_phone ? { phone: cell.contact_phone } : {}) };
      const r = contactSchema.safeParse(raw);
      if (r.success) contact = r.data;
      else for (const i of r.error.issues) at(`contact_${String(i.path[0] ?? "name")}`, i.message);
    }
    let channel: unknown;
    if (cell.channel || cell.channel_url || cell.channel_url_ref || cell.channel_secret_ref) {
      const type = cell.channel?.toLowerCase();
      if (!type) at("channel", `is required when channel_url/channel_url_ref/channel_secret_ref is given (one of ${CHANNEL_TYPES.join(", ")})`);
      else if (!(CHANNEL_TYPES as readonly string[]).includes(type)) at("channel", `must be one of ${CHANNEL_TYPES.join(", ")}`);
      else {
        const raw: Record<string, string> = { type };
        if (cell.channel_url) raw.url = cell.channel_url;
        if (cell.channel_url_ref) raw.url_ref = cell.channel_url_ref;
        if (cell.channel_secret_ref) raw.secret_ref = cell.channel_secret_ref;
        const r = channelSchema.safeParse(raw);
        if (r.success) channel = r.data;
        else {
          for (const i of r.error.issues) {
            const key = String(i.path[0] ?? "url");
            at(i.code === "unrecognized_keys" ? "(row)" : key === "type" ? "channel" : `channel_${key}`, i.code === "unrecognized_keys" ? `column not used by the ${type} channel: ${i.keys.map((k) => `channel_${k}`).join(", ")}` : i.message);
          }
        }
      }
    }
    const draft = drafts.get(customerId);
    for (const k of SHARED) {
      const v = cell[k];
      const prev = draft?.shared[k];
      if (v !== undefined && prev !== undefined && prev.value !== v) at(k, `conflicts with row ${prev.row} for the same customer`);
    }
    if (cell.language !== undefined && !languageSchema.safeParse(cell.language).success) at("language", "must be zh or en");
    if (cell.time_zone !== undefined && !timeZoneSchema.safeParse(cell.time_zone).success) at("time_zone", "unknown IANA time zone");
    if (rowErrors.length) {
      errors.push(...rowErrors);
      continue;
    }
    const d: Draft = draft ?? { customerId, rows: [], contacts: [], channels: [], shared: {} };
    d.rows.push(row);
    if (contact) d.contacts.push(contact);
    if (channel) d.channels.push(channel);
    for (const k of SHARED) {
      const v = cell[k];
      if (v !== undefined && d.shared[k] === undefined) d.shared[k] = { value: v, row };
    }
    drafts.set(customerId, d);
  }

  const entries: ContactEntry[] = [];
  for (const d of drafts.values()) {
    const s = d.shared;
    const raw: Record<string, unknown> = { customer_id: d.customerId, contacts: d.contacts };
    if (d.channels.length) raw.channels = d.channels;
    if (s.language) raw.language = s.language.value;
    if (s.time_zone) raw.time_zone = s.time_zone.value;
    if (s.account_manager_name || s.account_manager_email) {
      raw.account_manager = { name: s.account_manager_name?.value ?? "", email: s.account_manager_email?.value ?? "" };
    }
    const r = contactEntrySchema.safeParse(raw);
    if (r.success) {
      entries.push(r.data);
      continue;
    }
    for (const i of r.error.issues) {
      const top = String(i.path[0] ?? "");
      const field = top === "account_manager" ? `account_manager_${String(i.path[1] ?? "name")}` : top === "contacts" ? "contact_email" : top || "(customer)";
      const row = top === "account_manager" ? (s[field as "account_manager_name"]?.row ?? s.account_manager_name?.row ?? s.account_manager_email?.row ?? d.rows[0]) : d.rows[0];
      errors.push({ row: row ?? 0, customerId: d.customerId, field, message: `${i.message} (customer ignored; rows ${d.rows.join(", ")})` });
    }
  }
  errors.sort((a, b) => a.row - b.row);
  return { entries, errors };
}

/** Picks the parser from the object key's extension or, failing that, from the content. */
export function parseContactsDirectory(text: string, nameOrFormat?: string): ContactsDirectory {
  const hint = nameOrFormat?.toLowerCase();
  const isJson = hint ? hint === "json" || hint.endsWith(".json") : /^\s*[[{]/.test(text.replace(/^\ufeff/, ""));
  if (hint && !isJson && !(hint === "csv" || hint.endsWith(".csv"))) {
    return { entries: [], errors: [{ row: 0, field: "(file)", message: "unsupported directory format (use .json or .csv)" }] };
  }
  return isJson ? parseContactsJson(text) : parseContactsCsv(text);
}

/** customer_id → entry. */
export function indexDirectory(entries: readonly ContactEntry[]): Map<string, ContactEntry> {
  return new Map(entries.map((e) => [e.customer_id, e]));
}
