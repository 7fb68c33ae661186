/**
 * Reminder and digest templates, zh-CN and English, rendered from one small document model to plain
 * text, simple HTML (everything escaped) and Markdown (for DingTalk/WeCom robots).
 *
 * A reminder lists, per due group: the master resource (or the id of an absent master) with its
 * attached resources, the region, the expiry in the customer's time zone, the days left, and what
 * happens next — grace (宽限期, still usable) → retention (保留期, frozen, data kept) → release and data
 * deletion — with the estimated dates computed by the decision from the customer level (config.ts).
 */
import { formatLocalDateTime, formatUtcOffset, parseUtcTime } from "../renewal/calendar.ts";
import type { DueReminder, ResourceSummary } from "../renewal/decision.ts";
import type { Language } from "./contacts.ts";

export interface DocLine {
  label?: string;
  value: string;
  /** Nested under the previous line (attached resources). */
  indent?: boolean;
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
  footer: string[];
}
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  markdown: string;
}

// ---------------------------------------------------------------------------------------------
// Wording

interface Words {
  master: string;
  attached: string;
  region: string;
  expiry: string;
  status: string;
  next: string;
  unknownMaster: (id: string) => string;
  daysLeft: (n: number) => string;
  phase: Record<DueReminder["phase"], string>;
  next_: (r: DueReminder, fmt: (iso: string) => string) => string;
  subjectOne: (r: DueReminder, name: string) => string;
  subjectMany: (n: number) => string;
  title: string;
  intro: (customer: string) => string[];
  footer: string[];
  digestSubject: (date: string, n: number, customers: number) => string;
  digestTitle: (manager: string) => string;
  digestIntro: (n: number, customers: number) => string[];
  digestCustomer: (name: string, id: string) => string;
  digestFooter: string[];
  estimate: string;
}

const zh: Words = {
  master: "主资源",
  attached: "附属资源",
  region: "区域",
  expiry: "到期时间",
  status: "状态",
  next: "后续",
  unknownMaster: (id) => `${id}（主资源未出现在资源列表中）`,
  daysLeft: (n) => (n > 1 ? `剩余 ${n} 天` : n === 1 ? "明天到期" : n === 0 ? "今天到期" : `已过期 ${-n} 天`),
  phase: { "before-expiry": "使用中", grace: "已过期（宽限期）", retention: "已冻结（保留期）" },
  next_: (r, fmt) => {
    const l = r.lifecycle;
    const del = l.deletionAt ? fmt(l.deletionAt) : "";
    const ret = l.retentionStartsAt ? fmt(l.retentionStartsAt) : "";
    switch (l.atExpiry) {
      case "to-pay-per-use":
        return "到期后将自动转为按需计费，按使用量继续扣费。";
      case "delete":
        return "到期后资源将被直接删除，数据无法恢复。";
      case "freeze":
        return r.phase === "before-expiry"
          ? `到期后资源将被冻结进入保留期（约 ${l.retentionDays} 天，不可使用，数据保留），预计 ${del} 释放资源并删除数据，无法恢复。`
          : `资源已冻结（保留期），不可使用，数据仍保留；预计 ${del} 释放资源并删除数据，无法恢复。请尽快续费。`;
      default: {
        const auto = l.atExpiry === "auto-renew" ? "已开启自动续费：到期前 7 天起每天 03:00 尝试扣款；若扣款失败：" : "";
        const failed = r.autoRenewFailed ? "自动续费未成功（常见原因：账户余额不足），资源没有自动续费。" : "";
        if (r.phase === "before-expiry") {
          return `${auto}到期后进入宽限期（约 ${l.graceDays} 天，资源仍可使用），预计 ${ret} 进入保留期（约 ${l.retentionDays} 天，资源冻结不可使用，数据保留），预计 ${del} 释放资源并删除数据，无法恢复。在宽限期或保留期内续费，新周期从原到期时间起算。`;
        }
        if (r.phase === "grace") {
          return `${failed}资源已过期，处于宽限期，仍可使用；预计 ${ret} 进入保留期（资源冻结），预计 ${del} 释放资源并删除数据。续费从原到期时间起算。`;
        }
        return `${failed}资源已冻结（保留期），不可使用，数据仍保留；预计 ${del} 释放资源并删除数据，无法恢复。请尽快续费。`;
      }
    }
  },
  subjectOne: (r, name) =>
    r.autoRenewFailed
      ? `【自动续费失败】${name} ${r.phase === "retention" ? "已进入保留期，数据有删除风险" : "已过期，请尽快手动续费"}`
      : r.phase === "retention"
      ? `【数据风险】${name} 已进入保留期，请尽快续费`
      : r.phase === "grace"
        ? `【已过期】${name} 已进入宽限期，请及时续费`
        : `【续费提醒】${name} ${r.daysLeft === 0 ? "今天到期" : r.daysLeft === 1 ? "明天到期" : `将在 ${r.daysLeft} 天后到期`}`,
  subjectMany: (n) => `【续费提醒】您有 ${n} 项包年/包月资源即将到期或已到期`,
  title: "包年/包月资源续费提醒",
  intro: (c) => [`尊敬的 ${c}：`, "以下包年/包月资源即将到期或已到期，请及时续费，以免影响业务或造成数据丢失。"],
  footer: ["日期按客户等级对应的宽限期/保留期估算，以华为云实际处理为准。", "如已续费，请忽略本提醒。"],
  digestSubject: (d, n, c) => `【续费日报】${d}：${c} 个客户共 ${n} 项资源需要跟进`,
  digestTitle: (m) => `${m}，今日需跟进的续费提醒`,
  digestIntro: (n, c) => [`您负责的 ${c} 个客户共有 ${n} 项包年/包月资源今天发出了续费提醒，按紧急程度排列：`],
  digestCustomer: (name, id) => `客户：${name}（${id}）`,
  digestFooter: ["本日报由 partner-ops 自动生成。"],
  estimate: "（估算）",
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const en: Words = {
  master: "Main resource",
  attached: "Attached",
  region: "Region",
  expiry: "Expires",
  status: "Status",
  next: "What happens next",
  unknownMaster: (id) => `${id} (main resource not in the resource list)`,
  daysLeft: (n) => (n > 1 ? `${n} days left` : n === 1 ? "expires tomorrow" : n === 0 ? "expires today" : `expired ${-n} day${n === -1 ? "" : "s"} ago`),
  phase: { "before-expiry": "in use", grace: "expired (grace period)", retention: "frozen (retention period)" },
  next_: (r, fmt) => {
    const l = r.lifecycle;
    const del = l.deletionAt ? fmt(l.deletionAt) : "";
    const ret = l.retentionStartsAt ? fmt(l.retentionStartsAt) : "";
    switch (l.atExpiry) {
      case "to-pay-per-use":
        return "At expiry it switches to pay-per-use billing and keeps being charged by usage.";
      case "delete":
        return "At expiry the resource is deleted; its data cannot be recovered.";
      case "freeze":
        return r.phase === "before-expiry"
          ? `At expiry it is frozen (retention period, about ${l.retentionDays} days: unusable, data kept); around ${del} it is released and its data deleted for good.`
          : `The resource is frozen (retention period): unusable, data still kept. Around ${del} it is released and its data deleted for good. Please renew now.`;
      default: {
        const auto = l.atExpiry === "auto-renew" ? "Auto-renew is on: payment is attempted daily at 03:00 from 7 days before expiry. If it fails: " : "";
        const failed = r.autoRenewFailed ? "The automatic renewal did not happen (often: insufficient account balance). " : "";
        if (r.phase === "before-expiry") {
          return `${auto}After expiry comes the grace period (about ${l.graceDays} days, still usable), then around ${ret} the retention period (about ${l.retentionDays} days, frozen, data kept); around ${del} the resource is released and its data deleted for good. A renewal made in grace or retention starts from the original expiry.`;
        }
        if (r.phase === "grace") {
          return `${failed}The resource has expired and is in its grace period (still usable). Around ${ret} it is frozen (retention period); around ${del} it is released and its data deleted. A renewal starts from the original expiry.`;
        }
        return `${failed}The resource is frozen (retention period): unusable, data still kept. Around ${del} it is released and its data deleted for good. Please renew now.`;
      }
    }
  },
  subjectOne: (r, name) =>
    r.autoRenewFailed
      ? `[Auto-renewal failed] ${name} ${r.phase === "retention" ? "is in its retention period — data at risk" : "has expired — please renew manually"}`
      : r.phase === "retention"
      ? `[Data at risk] ${name} is in its retention period — renew now`
      : r.phase === "grace"
        ? `[Expired] ${name} is in its grace period — please renew`
        : `[Renewal reminder] ${name} ${r.daysLeft === 0 ? "expires today" : r.daysLeft === 1 ? "expires tomorrow" : `expires in ${r.daysLeft} days`}`,
  subjectMany: (n) => `[Renewal reminder] ${n} yearly/monthly resources are expiring or have expired`,
  title: "Yearly/monthly resource renewal reminder",
  intro: (c) => [`Dear ${c},`, "The yearly/monthly resources below are expiring or have expired. Please renew them to avoid service interruption or data loss."],
  footer: ["Dates are estimates from the grace/retention periods of the customer level; Huawei Cloud's actual handling prevails.", "If you have already renewed, please ignore this message."],
  digestSubject: (d, n, c) => `[Renewal digest] ${d}: ${plural(n, "resource")} across ${plural(c, "customer")} to follow up`,
  digestTitle: (m) => `${m}, today's renewal reminders`,
  digestIntro: (n, c) => [`Renewal reminders went out today for ${plural(n, "yearly/monthly resource")} of ${plural(c, "customer")} you manage, most urgent first:`],
  digestCustomer: (name, id) => `Customer: ${name} (${id})`,
  digestFooter: ["This digest is generated by partner-ops."],
  estimate: " (estimate)",
};

export const WORDS: Readonly<Record<Language, Words>> = { zh, en };

// ---------------------------------------------------------------------------------------------
// Building documents

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

function block(r: DueReminder, w: Words): DocBlock {
  const fmt = (iso: string) => formatLocalDateTime(parseUtcTime(iso), r.timeZone);
  const lines: DocLine[] = [
    { label: w.master, value: r.master ? resourceLabel(r.master) : w.unknownMaster(r.mainResourceId) },
    ...r.attached.map((a) => ({ label: w.attached, value: resourceLabel(a), indent: true })),
    { label: w.region, value: r.region ?? "-" },
    { label: w.expiry, value: `${formatInZone(r.expireTime, r.timeZone)} — ${w.daysLeft(r.daysLeft)}` },
    { label: w.status, value: w.phase[r.phase] },
    { label: w.next, value: w.next_(r, fmt) },
  ];
  return {
    heading: `${masterName(r)} — ${r.phase === "before-expiry" ? w.daysLeft(r.daysLeft) : w.phase[r.phase]}`,
    severity: r.phase === "retention" ? "critical" : r.phase === "grace" || r.daysLeft <= 3 ? "warning" : "info",
    lines,
  };
}

export interface CustomerMessageOptions {
  language: Language;
  /** How to address the customer (real-name or account name); default the customer id. */
  customerName?: string | undefined;
}

/** One message to one customer listing all of its due reminders (most urgent first). */
export function customerReminderDoc(reminders: readonly DueReminder[], options: CustomerMessageOptions): MessageDoc {
  if (reminders.length === 0) throw new RangeError("customerReminderDoc needs at least one reminder");
  const w = WORDS[options.language];
  const sorted = sortByUrgency(reminders);
  const first = sorted[0] as DueReminder;
  return {
    subject: sorted.length === 1 ? w.subjectOne(first, masterName(first)) : w.subjectMany(sorted.length),
    title: w.title,
    intro: w.intro(options.customerName ?? first.customerId),
    blocks: sorted.map((r) => block(r, w)),
    footer: w.footer,
  };
}

export interface DigestCustomer {
  customerId: string;
  customerName?: string | undefined;
  reminders: DueReminder[];
}

/** One digest for one account manager: every customer's due reminders, most urgent customer first. */
export function digestDoc(manager: { name: string }, customers: readonly DigestCustomer[], options: { language: Language; date: string }): MessageDoc {
  const w = WORDS[options.language];
  const n = customers.reduce((s, c) => s + c.reminders.length, 0);
  const blocks: DocBlock[] = [];
  for (const c of customers) {
    for (const r of sortByUrgency(c.reminders)) {
      const b = block(r, w);
      b.heading = `${w.digestCustomer(c.customerName ?? c.customerId, c.customerId)} — ${b.heading}`;
      blocks.push(b);
    }
  }
  return {
    subject: w.digestSubject(options.date, n, customers.length),
    title: w.digestTitle(manager.name),
    intro: w.digestIntro(n, customers.length),
    blocks,
    footer: w.digestFooter,
  };
}

// ---------------------------------------------------------------------------------------------
// Renderers

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
    for (const l of b.lines) out.push(`${l.indent ? "    - " : "  "}${l.label ? `${l.label}: ` : ""}${l.value}`);
    out.push("");
  }
  out.push(...doc.footer);
  return out.join("\n") + "\n";
}

const COLORS = { info: "#1f6feb", warning: "#b35900", critical: "#c62828" } as const;

export function renderHtml(doc: MessageDoc, lang: Language): string {
  const e = escapeHtml;
  const parts: string[] = [
    `<!doctype html><html lang="${lang === "zh" ? "zh-CN" : "en"}"><head><meta charset="utf-8"><title>${e(doc.subject)}</title></head>`,
    `<body style="font-family:sans-serif;font-size:14px;line-height:1.5;color:#222">`,
    `<h2 style="margin:0 0 12px">${e(doc.title)}</h2>`,
    ...doc.intro.map((p) => `<p>${e(p)}</p>`),
  ];
  for (const b of doc.blocks) {
    parts.push(`<div style="border-left:4px solid ${COLORS[b.severity]};padding:4px 12px;margin:12px 0">`, `<h3 style="margin:4px 0">${e(b.heading)}</h3>`, `<table style="border-collapse:collapse">`);
    for (const l of b.lines) {
      parts.push(`<tr><td style="padding:2px 12px 2px ${l.indent ? "24px" : "0"};color:#555;white-space:nowrap;vertical-align:top">${e(l.label ?? "")}</td><td style="padding:2px 0">${e(l.value)}</td></tr>`);
    }
    parts.push(`</table></div>`);
  }
  parts.push(...doc.footer.map((p) => `<p style="color:#777;font-size:12px">${e(p)}</p>`), `</body></html>`);
  return parts.join("\n");
}

/** Markdown with paragraph breaks (blank lines) — rendered the same by DingTalk and WeCom robots. */
export function renderMarkdown(doc: MessageDoc): string {
  const m = escapeMarkdown;
  const out: string[] = [`### ${m(doc.title)}`, ...doc.intro.map(m)];
  for (const b of doc.blocks) {
    out.push(`**${m(b.heading)}**`);
    for (const l of b.lines) out.push(`> ${l.indent ? "　" : ""}${l.label ? `${m(l.label)}: ` : ""}${m(l.value)}`);
  }
  out.push(...doc.footer.map(m));
  return out.join("\n\n");
}

export function render(doc: MessageDoc, lang: Language): RenderedMessage {
  return { subject: doc.subject, text: renderText(doc), html: renderHtml(doc, lang), markdown: renderMarkdown(doc) };
}

/** Shorthand: the rendered message for one customer's due reminders. */
export function renderCustomerReminder(reminders: readonly DueReminder[], options: CustomerMessageOptions): RenderedMessage {
  return render(customerReminderDoc(reminders, options), options.language);
}
