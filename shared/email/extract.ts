/**
 * Label-driven extraction of the schema-v1 fields from one body (plain text, or HTML converted to
 * text with its links). Tolerant: a field that cannot be found is null, never an error. Pure.
 */
import { findAmount, parseTaxRate } from "./amounts.ts";
import type { EmailIntakeConfig } from "./config.ts";
import { findDeadline, findQuarter, parseBillingPeriod, statedSlashOrder } from "./dates.ts";
import { compileLabels, LabelIndex, type CompiledLabel, type LabelHit, type LabelValue } from "./labels.ts";
import { findEmails, findUrls } from "./links.ts";
import type { BillingPeriod, HuaweiEntity, MailingAddress } from "./schema.ts";
import { fold, foldWidth, type HtmlLink } from "./text.ts";

/** One body to extract from: text plus (for HTML) its links, offsets relative to `text`. */
export interface BodySource {
  kind: "text" | "html";
  text: string;
  links: HtmlLink[];
}

export interface Extracted {
  partnerName: string | null;
  applicationNo: string | null;
  amount: string | null;
  amountExclTax: string | null;
  taxAmount: string | null;
  currency: string | null;
  taxRate: string | null;
  invoiceType: "vat-special-paper" | "vat-special-electronic" | null;
  invoiceTypeLabel: string | null;
  billingPeriod: BillingPeriod | null;
  mailingAddress: MailingAddress | null;
  publicMailbox: string | null;
  invoiceListUrl: string | null;
  huaweiEntity: HuaweiEntity | null;
  deadline: string | null;
}

export const EXTRACTED_KEYS = [
  "partnerName", "applicationNo", "amount", "amountExclTax", "taxAmount", "currency", "taxRate", "invoiceType",
  "invoiceTypeLabel", "billingPeriod", "mailingAddress", "publicMailbox", "invoiceListUrl", "huaweiEntity", "deadline",
] as const satisfies readonly (keyof Extracted)[];

/** Config pieces prepared once per configuration. */
export interface Compiled {
  cfg: EmailIntakeConfig;
  labels: CompiledLabel[];
  greetings: { raw: string; folded: string }[];
  generic: Set<string>;
  listLabels: string[];
}

const compiledCache = new WeakMap<EmailIntakeConfig, Compiled>();

export function compile(cfg: EmailIntakeConfig): Compiled {
  let c = compiledCache.get(cfg);
  if (!c) {
    c = {
      cfg,
      labels: compileLabels(cfg.labels),
      greetings: cfg.greetings.map((g) => ({ raw: g, folded: fold(g) })).sort((a, b) => b.folded.length - a.folded.length),
      generic: new Set(cfg.genericGreetingNames.map((g) => fold(g).trim())),
      listLabels: cfg.labels.invoiceListUrl.map((l) => fold(l)),
    };
    compiledCache.set(cfg, c);
  }
  return c;
}

const MAX_TEXT_VALUE = 200;

/** A free-text value (name, address, label): needs a clear label (separator, at a boundary). */
function textValue(idx: LabelIndex, v: LabelValue, hit: LabelHit): string | null {
  if (!v.hard || !idx.atBoundary(hit)) return null;
  let s = v.raw;
  const cut = s.search(/[。；;\t]/u);
  if (cut >= 0) s = s.slice(0, cut);
  s = s.trim().replace(/^[:：\-–—\s]+/u, "").replace(/[,，:：\s]+$/u, "").trim();
  if (!s || s.length > MAX_TEXT_VALUE || !/[\p{L}\p{N}]/u.test(s)) return null;
  return s;
}

const ID_RE = /^[#№:\s]*([A-Za-z0-9][A-Za-z0-9_/-]{3,63})(?![A-Za-z0-9_/-])/;

function idToken(raw: string): string | null {
  const m = ID_RE.exec(foldWidth(raw));
  if (!m || !/\d/.test(m[1]!)) return null;
  return m[1]!;
}

function currencyOf(raw: string, cfg: EmailIntakeConfig): string | null {
  const s = foldWidth(raw);
  for (const m of s.toUpperCase().matchAll(/(?<![A-Z])([A-Z]{3})(?![A-Z])/g)) {
    const code = m[1]!;
    if (cfg.currencyCodes.includes(code)) return code === "RMB" ? "CNY" : code;
  }
  for (const [name, code] of Object.entries(cfg.currencyNames)) if (s.includes(name)) return code;
  return null;
}

function invoiceTypeOf(label: string, cfg: EmailIntakeConfig): Extracted["invoiceType"] {
  const f = fold(label);
  const has = (words: string[]) => words.some((w) => f.includes(fold(w)));
  if (!has(cfg.invoiceTypeMarkers.special)) return null;
  return has(cfg.invoiceTypeMarkers.electronic) ? "vat-special-electronic" : "vat-special-paper";
}

function greetingName(text: string, c: Compiled): string | null {
  const lines = text.split("\n", 60);
  for (const line of lines) {
    const t = line.trim();
    if (!t) continue;
    const f = fold(t);
    const g = c.greetings.find((x) => f.startsWith(x.folded));
    if (!g) continue;
    let rest = t.slice(g.folded.length).trim();
    const fr = foldWidth(rest);
    if (fr.startsWith("(")) {
      const close = fr.indexOf(")");
      rest = close > 0 ? rest.slice(1, close) : "";
    } else {
      rest = rest.replace(/[,，:：!！\s]+$/u, "");
    }
    rest = rest.trim();
    if (!rest || rest.length > MAX_TEXT_VALUE || c.generic.has(fold(rest))) return null;
    return rest;
  }
  return null;
}

function firstEmail(raw: string): string | null {
  return findEmails(foldWidth(raw))[0]?.value ?? null;
}

function firstUrl(raw: string): string | null {
  return findUrls(foldWidth(raw)).find((u) => /^https?:\/\//i.test(u.value))?.value ?? null;
}

/** Extracts every field from one body. */
export function extractFields(src: BodySource, c: Compiled): Extracted {
  const { cfg } = c;
  const idx = new LabelIndex(src.text, c.labels);
  const text = (field: string) => idx.find(field, (v, h) => textValue(idx, v, h));

  const amountHit = idx.find("amount", (v) => findAmount(v.raw));
  const currency = idx.find("currency", (v) => currencyOf(v.raw, cfg)) ?? amountHit?.currency ?? null;

  const invoiceTypeLabel = text("invoiceType");

  // mailing address: the address value anchors the block; the other parts are taken near it
  const addr = idx.find("address", (v, h) => {
    const t = textValue(idx, v, h);
    return t ? { t, line: v.line } : null;
  });
  let mailingAddress: MailingAddress | null = null;
  if (addr) {
    const near = { line: addr.line, maxLines: cfg.mailingBlockLines };
    const digits = (min: number) => (v: LabelValue, h: LabelHit) => {
      const t = textValue(idx, v, h);
      return t && (t.match(/\d/g)?.length ?? 0) >= min ? t : null;
    };
    mailingAddress = {
      recipient: idx.find("recipient", (v, h) => textValue(idx, v, h), near),
      phone: idx.find("phone", digits(5), near),
      address: addr.t,
      postcode: idx.find("postcode", digits(4), near),
    };
  }

  // invoicing-list link: an HTML link whose text names the list, else a URL after the label
  let invoiceListUrl: string | null = null;
  for (const l of src.links) {
    const t = fold(l.text);
    if (t && c.listLabels.some((x) => t.includes(x)) && /^https?:\/\//i.test(l.href.trim())) {
      invoiceListUrl = l.href.trim();
      break;
    }
  }
  invoiceListUrl ??= idx.find("invoiceListUrl", (v) => firstUrl(v.raw));

  // Huawei entity: labelled buyer name, else a known entity name; its tax ID near it
  const nameHit = idx.find("entityName", (v, h) => {
    const t = textValue(idx, v, h);
    return t ? { t, line: v.line } : null;
  });
  let huaweiEntity: HuaweiEntity | null = null;
  let entityLine: number | null = nameHit?.line ?? null;
  let entityName = nameHit?.t ?? null;
  if (!entityName) {
    const f = idx.folded;
    for (const n of cfg.huaweiEntityNames) {
      const at = f.indexOf(fold(n));
      if (at >= 0) {
        entityName = src.text.slice(at, at + n.length);
        entityLine = src.text.slice(0, at).split("\n").length - 1;
        break;
      }
    }
  }
  if (entityName) {
    const taxId =
      idx.find("entityTaxId", (v) => idToken(v.raw), entityLine !== null ? { line: entityLine, maxLines: 6 } : undefined) ?? null;
    huaweiEntity = { name: entityName, taxId };
  }

  const order = statedSlashOrder(src.text) ?? cfg.slashDateOrder;

  return {
    partnerName: text("partnerName") ?? greetingName(src.text, c),
    applicationNo: idx.find("applicationNo", (v) => idToken(v.raw)),
    amount: amountHit?.value ?? null,
    amountExclTax: idx.find("amountExclTax", (v) => findAmount(v.raw)?.value ?? null),
    taxAmount: idx.find("taxAmount", (v) => findAmount(v.raw)?.value ?? null),
    currency,
    taxRate: idx.find("taxRate", (v) => parseTaxRate(v.raw)),
    invoiceType: invoiceTypeLabel ? invoiceTypeOf(invoiceTypeLabel, cfg) : null,
    invoiceTypeLabel,
    billingPeriod: idx.find("billingPeriod", (v) => parseBillingPeriod(v.raw)) ?? findQuarter(src.text),
    mailingAddress,
    publicMailbox: idx.find("publicMailbox", (v) => firstEmail(v.raw)),
    invoiceListUrl,
    huaweiEntity,
    deadline: findDeadline(src.text, cfg.deadlineKeywords, order),
  };
}

/** Application number from the subject line (【华为云】激励开票通知（申付单号：SF…）). */
export function applicationNoFromSubject(subject: string, c: Compiled): string | null {
  const idx = new LabelIndex(subject, c.labels);
  return idx.find("applicationNo", (v) => idToken(v.raw));
}
