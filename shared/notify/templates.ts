/**
 * Reminder, digest and auto-renew report messages: the wording comes from the template files
 * (templates/*.yml, LiquidJS, zh and en; see template-engine.ts), the facts from here (dates in the
 * customer's time zone, days left, phase, next step), the layout too: one small document model rendered
 * to plain text, a simple HTML e-mail layout (everything escaped) and Markdown (DingTalk/WeCom robots).
 * A contact whose language is unknown gets both languages (zh then en).
 *
 * A reminder lists, per due group: the master resource (or the id of an absent master) with its
 * attached resources, the region, the expiry in the customer's time zone, the days left, and what
 * happens next — grace (宽限期, still usable) → retention (保留期, frozen, data kept) → release and data
 * deletion — with the estimated dates computed by the decision from the customer level (config.ts).
 */
import { formatLocalDateTime, formatUtcOffset, localDateString, parseUtcTime } from "../renewal/calendar.ts";
import type { OutcomeReport } from "../renewal/autorenew.ts";
import type { DueReminder, ResourceSummary } from "../renewal/decision.ts";
import type { Language } from "./contacts.ts";
import { type CompiledFile, REMINDER_LABELS, type TemplateSet, buildTemplateSet, renderSnippet } from "./template-engine.ts";

export interface DocLine {
  label?: string;
  value: string;
  /** Nested under the previous line (attached resources). */
  indent?: boolean;
  /** A link (https): `value` is its text. */
  href?: string;
}
export interface DocBlock {
  heading: string;
  /** Severity drives HTML/Markdown emphasis only. */
  severity: "info" | "warning" | "critical";
  lines: DocLine[];
}
export interface MessageDoc {
  subject: string;
  title: string;
  intro: string[];
  blocks: DocBlock[];
  /** The partner's signature lines. */
  signature: string[];
  footer: string[];
  /** The partner's name, shown in the e-mail header (empty: none). */
  brand: string;
}
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  markdown: string;
}

// ---------------------------------------------------------------------------------------------
// Partner identity and facts (the wording itself is in templates/*.yml, see template-engine.ts)

/** The partner's identity in every message (params, see settings.ts). Empty strings leave a part out. */
export interface PartnerIdentity {
  /** Partner (company) name, shown in the header of e-mails. */
  name: string;
  /** Display name of the sender address. */
  senderName: string;
  /** Support contact (phone, e-mail or URL) shown in the footer. */
  support: string;
  /** Signature lines ("\n" separates lines). */
  signature: string;
  /**
   * Renewal link per resource: the customer's Huawei Cloud renewal page (or the partner's own sales
   * platform). `{resource_id}`, `{region}`, `{customer_id}` are replaced, URL-encoded. https only.
   */
  renewUrl: string;
}

export const NO_PARTNER: PartnerIdentity = { name: "", senderName: "", support: "", signature: "", renewUrl: "" };

/** A contact's language, or "bilingual" (zh then en) when the contact's language is unknown. */
export type MessageLanguage = Language | "bilingual";
const languagesOf = (l: MessageLanguage): Language[] => (l === "bilingual" ? ["zh", "en"] : [l]);

/** The renewal link of one reminder (empty when none is configured or the template is not https). */
export function renewLink(template: string, r: Pick<DueReminder, "mainResourceId" | "customerId" | "region">): string {
  if (!template.startsWith("https://")) return "";
  return template
    .replaceAll("{resource_id}", encodeURIComponent(r.mainResourceId))
    .replaceAll("{customer_id}", encodeURIComponent(r.customerId))
    .replaceAll("{region}", encodeURIComponent(r.region ?? ""));
}

function resourceLabel(r: ResourceSummary): string {
  const kind = r.resource_type_name ?? r.service_type_name ?? r.resource_type_code ?? r.service_type_code;
  const name = r.resource_name ? `${r.resource_name} (${r.resource_id})` : r.resource_id;
  return [kind, name, r.product_spec_desc].filter(Boolean).join(" · ");
}

function masterName(r: DueReminder): string {
  return r.master?.resource_name ?? r.master?.resource_id ?? r.mainResourceId;
}

/** Local date-time with zone, e.g. `2026-06-30 23:59 (Asia/Shanghai, UTC+08:00)`. */
export function formatInZone(isoUtc: string, timeZone: string): string {
  const ms = parseUtcTime(isoUtc);
  if (Number.isNaN(ms)) return isoUtc;
  return `${formatLocalDateTime(ms, timeZone)} (${timeZone}, ${formatUtcOffset(ms, timeZone)})`;
}

const urgency = (r: DueReminder) => (r.phase === "retention" ? -2e6 : r.phase === "grace" ? -1e6 : 0) + r.daysLeft;

/** Most urgent first: retention, grace, then fewest days left; ties by expiry and id. */
export function sortByUrgency<T extends DueReminder>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => urgency(a) - urgency(b) || (a.expireTime < b.expireTime ? -1 : a.expireTime > b.expireTime ? 1 : 0) || (a.mainResourceId < b.mainResourceId ? -1 : 1));
}

/** Control characters (line breaks, bidi overrides…) of customer-supplied names become spaces. */
const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, " ");

/** The facts a template sees for one reminder (`r.*`), all computed here in the customer's time zone. */
export function reminderFacts(r: DueReminder, partner: PartnerIdentity): Record<string, string | number | boolean> {
  const local = (iso: string | undefined) => (iso ? formatLocalDateTime(parseUtcTime(iso), r.timeZone) : "");
  const today = localDateString(parseUtcTime(r.decidedAt), r.timeZone);
  const deletionDate = r.lifecycle.deletionAt ? localDateString(parseUtcTime(r.lifecycle.deletionAt), r.timeZone) : "";
  return {
    name: clean(masterName(r)),
    main_id: clean(r.mainResourceId),
    region: r.region ?? "",
    expires: formatInZone(r.expireTime, r.timeZone),
    expiry_date: r.expiryLocalDate,
    days_left: r.daysLeft,
    days_expired: Math.max(0, -r.daysLeft),
    phase: r.phase,
    at_expiry: r.lifecycle.atExpiry,
    auto_renew_failed: r.autoRenewFailed === true,
    grace_days: r.lifecycle.graceDays,
    retention_days: r.lifecycle.retentionDays,
    retention_starts: local(r.lifecycle.retentionStartsAt),
    deletion: local(r.lifecycle.deletionAt),
    deletion_date: deletionDate,
    deleted_today: r.phase === "retention" && deletionDate !== "" && deletionDate <= today,
    renew_url: renewLink(partner.renewUrl, r),
    time_zone: r.timeZone,
  };
}

const partnerFacts = (p: PartnerIdentity) => ({ name: p.name, support: p.support, signature: p.signature, sender_name: p.senderName });
const paragraphs = (s: string) => s.split("\n").map((l) => l.trim()).filter(Boolean);
const signatureLines = (p: PartnerIdentity) => p.signature.split(/\\n|\n/).map((l) => l.trim()).filter(Boolean);

function block(r: DueReminder, f: CompiledFile, partner: PartnerIdentity): DocBlock {
  const facts = reminderFacts(r, partner);
  const ctx = { r: facts };
  const daysLeft = renderSnippet(f, "days_left", ctx);
  const status = renderSnippet(f, "status", ctx);
  const label = (k: (typeof REMINDER_LABELS)[number]) => renderSnippet(f, `labels.${k}`, ctx);
  const lines: DocLine[] = [
    { label: label("master"), value: r.master ? clean(resourceLabel(r.master)) : renderSnippet(f, "unknown_master", ctx) },
    ...r.attached.map((a) => ({ label: label("attached"), value: clean(resourceLabel(a)), indent: true })),
    { label: label("region"), value: r.region ?? "-" },
    { label: label("expiry"), value: `${String(facts["expires"])} — ${daysLeft}` },
    { label: label("status"), value: status },
    { label: label("next"), value: renderSnippet(f, "next_step", ctx) },
  ];
  const href = String(facts["renew_url"]);
  if (href) lines.push({ value: label("renew"), href });
  return {
    heading: renderSnippet(f, "heading", { ...ctx, days_left: daysLeft, status }),
    severity: r.phase === "retention" ? "critical" : r.phase === "grace" || r.daysLeft <= 3 ? "warning" : "info",
    lines,
  };
}

export interface CustomerMessageOptions {
  language: MessageLanguage;
  /** How to address the customer (real-name or account name); default the customer id. */
  customerName?: string | undefined;
  partner?: PartnerIdentity | undefined;
  /** The templates in use (default: the shipped ones). */
  templates?: TemplateSet | undefined;
}

let shipped: TemplateSet | undefined;
/** The shipped templates (no overrides). */
export function shippedTemplates(): TemplateSet {
  shipped ??= buildTemplateSet(new Map(), () => {});
  return shipped;
}

/** One message to one customer listing all of its due reminders (most urgent first), in one language. */
export function customerReminderDoc(reminders: readonly DueReminder[], options: CustomerMessageOptions & { language: Language }): MessageDoc {
  if (reminders.length === 0) throw new RangeError("customerReminderDoc needs at least one reminder");
  const partner = options.partner ?? NO_PARTNER;
  const sorted = sortByUrgency(reminders);
  const first = sorted[0] as DueReminder;
  return (options.templates ?? shippedTemplates()).renderWith("reminder", options.language, (f) => {
    const ctx = {
      customer: { name: clean(options.customerName ?? first.customerId), id: first.customerId },
      partner: partnerFacts(partner),
      count: sorted.length,
      first: reminderFacts(first, partner),
      any_deleted_today: sorted.some((r) => reminderFacts(r, partner)["deleted_today"] === true),
    };
    return {
      subject: renderSnippet(f, "subject", ctx),
      title: renderSnippet(f, "title", ctx),
      intro: paragraphs(renderSnippet(f, "intro", ctx)),
      blocks: sorted.map((r) => block(r, f, partner)),
      signature: signatureLines(partner),
      footer: paragraphs(renderSnippet(f, "footer", ctx)),
      brand: partner.name,
    };
  });
}

export interface DigestCustomer {
  customerId: string;
  customerName?: string | undefined;
  reminders: DueReminder[];
}

export interface DigestOptions {
  language: Language;
  /** The run's local date (YYYY-MM-DD) shown in the subject. */
  date: string;
  partner?: PartnerIdentity | undefined;
  templates?: TemplateSet | undefined;
}

/** One digest for one account manager: every customer's due reminders, most urgent customer first. */
export function digestDoc(manager: { name: string }, customers: readonly DigestCustomer[], options: DigestOptions): MessageDoc {
  const partner = options.partner ?? NO_PARTNER;
  const set = options.templates ?? shippedTemplates();
  const n = customers.reduce((s, c) => s + c.reminders.length, 0);
  const all = customers.flatMap((c) => c.reminders);
  const blocks = set.renderWith("reminder", options.language, (rf) =>
    customers.flatMap((c) => sortByUrgency(c.reminders).map((r) => ({ c, b: block(r, rf, partner) }))),
  );
  return set.renderWith("digest", options.language, (f) => {
    const ctx = {
      manager: { name: clean(manager.name) },
      date: options.date,
      count: n,
      customers: customers.length,
      any_deleted_today: all.some((r) => reminderFacts(r, partner)["deleted_today"] === true),
      partner: partnerFacts(partner),
    };
    return {
      subject: renderSnippet(f, "subject", ctx),
      title: renderSnippet(f, "title", ctx),
      intro: paragraphs(renderSnippet(f, "intro", ctx)),
      blocks: blocks.map(({ c, b }) => ({ ...b, heading: `${renderSnippet(f, "customer_heading", { ...ctx, c: { name: clean(c.customerName ?? c.customerId), id: c.customerId } })} — ${b.heading}` })),
      signature: [],
      footer: paragraphs(renderSnippet(f, "footer", ctx)),
      brand: partner.name,
    };
  });
}

/** What an auto-renew outcome report says: the pipeline's OutcomeReport (one definition). */
export type AutoRenewReportFacts = OutcomeReport;

const money = (amount: number | undefined, currency: string | undefined) =>
  amount === undefined ? "?" : `${currency === "USD" ? "$" : currency === "CNY" || currency === undefined ? "¥" : `${currency} `}${amount.toFixed(2)}`;

/** The auto-renew outcome report to the account manager. */
export function autoRenewReportDoc(r: AutoRenewReportFacts, options: { language: Language; timeZone: string; partner?: PartnerIdentity | undefined; templates?: TemplateSet | undefined }): MessageDoc {
  const partner = options.partner ?? NO_PARTNER;
  const report = {
    state: r.state,
    main_id: clean(r.mainResourceId),
    resource: clean(`${r.resourceName ? `${r.resourceName} ` : ""}(${r.mainResourceId}${r.region ? `, ${r.region}` : ""})`),
    customer_id: r.customerId,
    amount: money(r.amount, r.currency),
    period_num: r.period.num,
    period_unit: r.period.type === 2 ? "month" : "year",
    would_renew: r.wouldRenew === true,
    reason: clean(r.reason ?? ""),
    code: r.code ?? "",
    order_ids: (r.orderIds ?? []).join(", "),
    expires: formatInZone(r.expireTime, options.timeZone),
    discount: r.discountName ?? "",
  };
  return (options.templates ?? shippedTemplates()).renderWith("autorenew-report", options.language, (f) => {
    const ctx = { report, partner: partnerFacts(partner) };
    return {
      subject: renderSnippet(f, "subject", ctx),
      title: renderSnippet(f, "title", ctx),
      intro: paragraphs(renderSnippet(f, "body", ctx)),
      blocks: [],
      signature: [],
      footer: paragraphs(renderSnippet(f, "footer", ctx)),
      brand: partner.name,
    };
  });
}

/** Sample data for validating a template file at load: every key rendered for every phase. */
export function validateTemplateFile(file: CompiledFile): void {
  const lang: Language = file.file.includes(".zh.") ? "zh" : "en";
  const set: TemplateSet = { overridden: [], file: () => file, renderWith: (_n, _l, fn) => fn(file) };
  const partner: PartnerIdentity = { name: "Partner", senderName: "Partner", support: "support@partner.example", signature: "Partner", renewUrl: "https://renew.example/{resource_id}" };
  const samples = templateSamples();
  if (file.file.startsWith("reminder.")) {
    for (const r of samples.reminders) customerReminderDoc([r], { language: lang, partner, templates: set });
    customerReminderDoc(samples.reminders, { language: lang, partner, templates: set });
  } else if (file.file.startsWith("digest.")) {
    const shippedReminder = shippedTemplates();
    const mixed: TemplateSet = { overridden: [], file: (n, l) => (n === "digest" ? file : shippedReminder.file(n, l)), renderWith: (n, l, fn) => fn(n === "digest" ? file : shippedReminder.file(n, l)) };
    digestDoc({ name: "AM" }, [{ customerId: "c1", reminders: samples.reminders }], { language: lang, date: "2026-07-01", partner, templates: mixed });
    digestDoc({ name: "AM" }, [{ customerId: "c1", reminders: samples.reminders.slice(0, 1) }], { language: lang, date: "2026-07-01", partner, templates: mixed });
  } else {
    for (const state of ["dry-run", "paid", "skipped", "failed"] as const) {
      for (const wouldRenew of [true, false]) {
        autoRenewReportDoc(
          { state, wouldRenew, customerId: "c1", mainResourceId: "r1", expireTime: "2026-07-08T15:59:59Z", period: { type: 2, num: 1 }, ...(wouldRenew ? { amount: 1, currency: "CNY", orderIds: ["o1"], discountName: "d" } : { reason: "x", code: "E" }) },
          { language: lang, timeZone: "Asia/Shanghai", partner, templates: set },
        );
      }
    }
  }
}

/** Reminders of every phase and renewal setting (built by hand, not by the decision: no import cycle). */
function templateSamples(): { reminders: DueReminder[] } {
  const base = (over: Partial<DueReminder> & Pick<DueReminder, "phase" | "daysLeft" | "window">): DueReminder => ({
    key: { customerId: "c1", mainResourceId: "ecs-1", expireTime: "2026-07-01T15:59:59Z", window: over.window },
    keyString: `c1#ecs-1#2026-07-01T15:59:59Z#${over.window}`,
    customerId: "c1",
    expireTime: "2026-07-01T15:59:59Z",
    expiryLocalDate: "2026-07-01",
    timeZone: "Asia/Shanghai",
    decidedAt: "2026-06-28T01:00:00Z",
    mainResourceId: "ecs-1",
    master: { resource_id: "ecs-1", resource_name: "web", status: 2, expire_time: "2026-07-01T15:59:59Z" },
    synthetic: null,
    attached: [{ resource_id: "evs-1", status: 2, expire_time: "2026-07-01T15:59:59Z" }],
    lifecycle: { atExpiry: "grace", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-08T15:59:59Z", deletionAt: "2026-07-15T15:59:59Z" },
    region: "cn-north-4",
    ...over,
  });
  const reminders: DueReminder[] = [
    base({ phase: "before-expiry", daysLeft: 3, window: "3d" }),
    base({ phase: "before-expiry", daysLeft: 1, window: "1d", lifecycle: { atExpiry: "to-pay-per-use", graceDays: 7, retentionDays: 7 } }),
    base({ phase: "before-expiry", daysLeft: 0, window: "1d", lifecycle: { atExpiry: "delete", graceDays: 7, retentionDays: 7 } }),
    base({ phase: "before-expiry", daysLeft: 7, window: "7d", lifecycle: { atExpiry: "freeze", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-01T15:59:59Z", deletionAt: "2026-07-08T15:59:59Z" } }),
    base({ phase: "before-expiry", daysLeft: 7, window: "7d", lifecycle: { atExpiry: "auto-renew", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-08T15:59:59Z", deletionAt: "2026-07-15T15:59:59Z" } }),
    base({ phase: "grace", daysLeft: -1, window: "grace", decidedAt: "2026-07-02T01:00:00Z" }),
    base({ phase: "grace", daysLeft: -2, window: "grace", decidedAt: "2026-07-03T01:00:00Z", autoRenewFailed: true, lifecycle: { atExpiry: "auto-renew", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-08T15:59:59Z", deletionAt: "2026-07-15T15:59:59Z" } }),
    base({ phase: "grace", daysLeft: -1, window: "grace", decidedAt: "2026-07-02T01:00:00Z", lifecycle: { atExpiry: "to-pay-per-use", graceDays: 7, retentionDays: 7 } }),
    base({ phase: "retention", daysLeft: -9, window: "retention", decidedAt: "2026-07-10T01:00:00Z" }),
    base({ phase: "retention", daysLeft: -14, window: "retention", decidedAt: "2026-07-15T01:00:00Z", autoRenewFailed: true, lifecycle: { atExpiry: "auto-renew", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-08T15:59:59Z", deletionAt: "2026-07-15T15:59:59Z" } }),
    base({ phase: "retention", daysLeft: -2, window: "retention", decidedAt: "2026-07-03T01:00:00Z", master: null, synthetic: "master-absent", lifecycle: { atExpiry: "freeze", graceDays: 7, retentionDays: 7, retentionStartsAt: "2026-07-01T15:59:59Z", deletionAt: "2026-07-08T15:59:59Z" } }),
  ];
  return { reminders };
}

// ---------------------------------------------------------------------------------------------
// Renderers (layout: ours, tested; wording: the templates)

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

const MD_LOOKALIKE: Readonly<Record<string, string>> = { "*": "＊", "`": "ˋ", "<": "‹", ">": "›", "[": "［", "]": "］", "#": "＃", "|": "｜", "~": "～", "\\": "＼" };

/**
 * Neutralises Markdown syntax inside values (resource names come from customers). Robot Markdown
 * dialects do not reliably honour backslash escapes, so syntax characters become look-alikes; this also
 * stops `<@userid>` mentions and `<font>` tags from being injected through a resource name.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[*`<>[\]#|~\\]/g, (c) => MD_LOOKALIKE[c] ?? c);
}

export function renderText(doc: MessageDoc): string {
  const out: string[] = [doc.title, "", ...doc.intro, ""];
  for (const b of doc.blocks) {
    out.push(`■ ${b.heading}`);
    for (const l of b.lines) {
      if (l.href) out.push(`  ${l.value}: ${l.href}`);
      else out.push(`${l.indent ? "    - " : "  "}${l.label ? `${l.label}: ` : ""}${l.value}`);
    }
    out.push("");
  }
  if (doc.signature.length) out.push(...doc.signature, "");
  out.push(...doc.footer);
  return out.join("\n") + "\n";
}

const COLORS = { info: "#1f6feb", warning: "#b35900", critical: "#c62828" } as const;
const htmlLang = (l: Language) => (l === "zh" ? "zh-CN" : "en");

/** One language section of the HTML layout (a table row of the 600px card). */
function htmlSection(doc: MessageDoc, lang: Language): string {
  const e = escapeHtml;
  const parts: string[] = [
    `<tr><td lang="${htmlLang(lang)}" style="padding:24px 28px;font-family:Arial,'Microsoft YaHei',sans-serif;font-size:14px;line-height:1.6;color:#222222">`,
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;color:#111111">${e(doc.title)}</h1>`,
    ...doc.intro.map((p) => `<p style="margin:0 0 12px">${e(p)}</p>`),
  ];
  for (const b of doc.blocks) {
    parts.push(
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0;border-left:4px solid ${COLORS[b.severity]}"><tr><td style="padding:4px 0 4px 12px">`,
      `<h2 style="margin:4px 0 8px;font-size:16px;color:${b.severity === "critical" ? COLORS.critical : "#111111"}">${e(b.heading)}</h2>`,
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:14px">`,
    );
    for (const l of b.lines) {
      if (l.href) {
        parts.push(
          `<tr><td colspan="2" style="padding:10px 0 2px"><a href="${e(l.href)}" style="display:inline-block;padding:8px 16px;background:#c62828;color:#ffffff;text-decoration:none;border-radius:4px">${e(l.value)}</a></td></tr>`,
        );
        continue;
      }
      parts.push(
        `<tr><td valign="top" style="padding:2px 12px 2px ${l.indent ? "16px" : "0"};color:#555555;white-space:nowrap">${e(l.label ?? "")}</td><td valign="top" style="padding:2px 0">${e(l.value)}</td></tr>`,
      );
    }
    parts.push(`</table></td></tr></table>`);
  }
  if (doc.signature.length) parts.push(`<p style="margin:16px 0 12px">${doc.signature.map(e).join("<br>")}</p>`);
  parts.push(...doc.footer.map((p) => `<p style="margin:0 0 6px;color:#777777;font-size:12px">${e(p)}</p>`), `</td></tr>`);
  return parts.join("\n");
}

/**
 * A simple, widely supported e-mail layout: one 600px table card (no external CSS, images or scripts;
 * inline styles only), a header with the partner's name, one section per language. Every text is escaped.
 */
export function renderHtml(docs: readonly MessageDoc[], langs: readonly Language[]): string {
  const e = escapeHtml;
  const first = docs[0]!;
  const lang = langs.length === 1 ? htmlLang(langs[0]!) : "zh-CN";
  const brand = first.brand ? `<tr><td style="padding:16px 28px;background:#1f2937;color:#ffffff;font-family:Arial,'Microsoft YaHei',sans-serif;font-size:16px;font-weight:bold">${e(first.brand)}</td></tr>` : "";
  const sections = docs.map((d, i) => htmlSection(d, langs[i]!)).join(`\n<tr><td style="padding:0 28px"><hr style="border:0;border-top:1px solid #dddddd;margin:0"></td></tr>\n`);
  return [
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(docs.map((d) => d.subject).join(" / "))}</title></head>`,
    `<body style="margin:0;padding:0;background:#f3f4f6">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6"><tr><td align="center" style="padding:16px 8px">`,
    `<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border:1px solid #e5e7eb">`,
    brand,
    sections,
    `</table></td></tr></table></body></html>`,
  ].join("\n");
}

/** Markdown with paragraph breaks (blank lines) — rendered the same by DingTalk and WeCom robots. */
export function renderMarkdown(doc: MessageDoc): string {
  const m = escapeMarkdown;
  const out: string[] = [`### ${m(doc.title)}`, ...doc.intro.map(m)];
  for (const b of doc.blocks) {
    out.push(`**${m(b.heading)}**`);
    for (const l of b.lines) {
      if (l.href) out.push(`> [${m(l.value)}](${l.href.replace(/[()\s]/g, encodeURIComponent)})`);
      else out.push(`> ${l.indent ? "　" : ""}${l.label ? `${m(l.label)}: ` : ""}${m(l.value)}`);
    }
  }
  out.push(...doc.signature.map(m), ...doc.footer.map(m));
  return out.join("\n\n");
}

/** Renders one or more language versions of a message (bilingual: zh then en) in every format. */
export function render(docs: MessageDoc | readonly MessageDoc[], langs: Language | readonly Language[]): RenderedMessage {
  const list = Array.isArray(docs) ? (docs as readonly MessageDoc[]) : [docs as MessageDoc];
  const ls = Array.isArray(langs) ? (langs as readonly Language[]) : [langs as Language];
  return {
    subject: list.map((d) => d.subject).join(" / "),
    text: list.map(renderText).join(`\n${"-".repeat(40)}\n\n`),
    html: renderHtml(list, ls),
    markdown: list.map(renderMarkdown).join("\n\n---\n\n"),
  };
}

/** The rendered message for one customer's due reminders, in the contact's language or bilingual. */
export function renderCustomerReminder(reminders: readonly DueReminder[], options: CustomerMessageOptions): RenderedMessage {
  const langs = languagesOf(options.language);
  return render(
    langs.map((language) => customerReminderDoc(reminders, { ...options, language })),
    langs,
  );
}

/** The auto-renew outcome report, rendered. */
export function renderAutoRenewReport(r: AutoRenewReportFacts, options: Parameters<typeof autoRenewReportDoc>[1]): RenderedMessage {
  return render(autoRenewReportDoc(r, options), options.language);
}
