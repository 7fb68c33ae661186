/**
 * Label-driven extraction of the schema-v1 fields from one body (plain text, or HTML converted to
 * text with its links). Tolerant: a field that cannot be found is null, never an error. Pure.
 */
import { findAmount, parseTaxRate } from "./amounts.ts";
import { charge } from "./budget.ts";
import type { EmailIntakeConfig } from "./config.ts";
import { findDeadline, findQuarter, parseBillingPeriod, statedSlashOrder } from "./dates.ts";
import { compileLabels, LabelIndex, type CompiledLabel, type LabelHit, type LabelValue } from "./labels.ts";
import type { ForwardSyntax } from "./forward.ts";
import { findEmails, findUrls } from "./links.ts";
import type { BillingPeriod, HuaweiEntity, MailingAddress } from "./schema.ts";
import { charsIn, fold, foldWidth, lineOf, lineStarts, trimEndWhere, trimStartWhere, type HtmlLink } from "./text.ts";

/** One body to extract from: text plus (for HTML) its links, offsets relative to `text`. */
export interface BodySource {
  kind: "text" | "html";
  text: string;
  links: HtmlLink[];
  /** fold(text), computed once. */
  folded: string;
}

export function bodySource(kind: "text" | "html", text: string, links: HtmlLink[]): BodySource {
  return { kind, text, links, folded: fold(text) };
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
  salutationTails: string[];
  listLabels: string[];
  noticeKeywords: string[];
  fhKeywords: string[];
  incentiveKeywords: string[];
  specialMarkers: string[];
  electronicMarkers: string[];
  entityNames: { raw: string; folded: string }[];
  /** Inline-forward syntax (one object per configuration: forward.ts folds its lists once per object). */
  forward: ForwardSyntax;
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
      salutationTails: cfg.salutationTails.map((t) => fold(t)),
      listLabels: cfg.labels.invoiceListUrl.map((l) => fold(l)),
      noticeKeywords: cfg.noticeKeywords.map((k) => fold(k)),
      fhKeywords: cfg.flowKeywords.fh.map((k) => fold(k)),
      incentiveKeywords: cfg.flowKeywords.incentive.map((k) => fold(k)),
      specialMarkers: cfg.invoiceTypeMarkers.special.map((w) => fold(w)),
      electronicMarkers: cfg.invoiceTypeMarkers.electronic.map((w) => fold(w)),
      entityNames: cfg.huaweiEntityNames.map((n) => ({ raw: n, folded: fold(n) })),
      forward: { markers: cfg.forwardMarkers, fromHeaders: cfg.forwardFromHeaders, otherHeaders: cfg.forwardOtherHeaders, subjectPrefixes: cfg.forwardSubjectPrefixes },
    };
    compiledCache.set(cfg, c);
  }
  return c;
}

const MAX_TEXT_VALUE = 200;
const VALUE_LEAD = charsIn(":：-–—", true);
const VALUE_TRAIL = charsIn(",，:：", true);
const GREETING_TRAIL = charsIn(",，:：!！", true);

/** A free-text value (name, address, label): needs a clear label (separator, at a boundary). */
function textValue(idx: LabelIndex, v: LabelValue, hit: LabelHit): string | null {
  if (!v.hard || !idx.atBoundary(hit)) return null;
  let s = v.raw;
  const cut = s.search(/[。；;\t|｜]/u);
  if (cut >= 0) s = s.slice(0, cut);
  s = trimEndWhere(trimStartWhere(s.trim(), VALUE_LEAD), VALUE_TRAIL).trim();
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

function invoiceTypeOf(label: string, c: Compiled): Extracted["invoiceType"] {
  const f = fold(label);
  const has = (words: string[]) => words.some((w) => f.includes(w));
  if (!has(c.specialMarkers)) return null;
  return has(c.electronicMarkers) ? "vat-special-electronic" : "vat-special-paper";
}

/**
 * Drops a salutation word (您好, hello) and the punctuation before it from the end of a greeting
 * name: 尊敬的X您好 → X. A Latin word only after a comma ("Dear ACME, hi" → ACME), so a name that
 * ends in one stays whole ("Dear Hitachi", "Dear Othello Hello Ltd").
 */
function stripSalutation(s: string, c: Compiled): string {
  const f = fold(s);
  for (const t of c.salutationTails) {
    if (!f.endsWith(t) || f.length <= t.length) continue;
    if (/^[a-z0-9]/.test(t) && !/[,，][\s]*$/u.test(f.slice(0, f.length - t.length))) continue;
    return trimEndWhere(s.slice(0, s.length - t.length), GREETING_TRAIL);
  }
  return s;
}

function greetingName(text: string, c: Compiled, at?: (line: number) => void): string | null {
  const lines = text.split("\n", 60);
  for (const [n, line] of lines.entries()) {
    const t = line.trim();
    if (!t) continue;
    // only the line's start can be a greeting (greetings are sorted longest first)
    const f = fold(t.slice(0, c.greetings[0]?.folded.length ?? 0));
    const g = c.greetings.find((x) => f.startsWith(x.folded));
    if (!g) continue;
    let rest = t.slice(g.folded.length).trim();
    const fr = foldWidth(rest);
    if (fr.startsWith("(")) {
      const close = fr.indexOf(")");
      rest = close > 0 ? rest.slice(1, close) : "";
    } else {
      // the name ends at sentence punctuation (company names carry none of it; "Co., Ltd." keeps its ASCII comma)
      const stop = rest.search(/[，！!；;。]/u);
      // 尊敬的X，您好！: the salutation follows the punctuation, so X is whole as it is
      let salutationAfter = false;
      if (stop >= 0) {
        const after = fold(rest.slice(stop + 1, stop + 1 + MAX_TEXT_VALUE)).trimStart();
        salutationAfter = c.salutationTails.some((x) => after.startsWith(x));
        rest = rest.slice(0, stop);
      }
      rest = trimEndWhere(rest, GREETING_TRAIL);
      if (!salutationAfter) rest = stripSalutation(rest, c);
    }
    rest = rest.trim();
    if (!rest || rest.length > MAX_TEXT_VALUE || c.generic.has(fold(rest))) return null;
    at?.(n);
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

/**
 * Extracts the fields of one body; with `want`, only those fields (the others are null). The label
 * index is built only when a wanted field needs it.
 */
/** Label fields of the configuration → the schema field their value fills. */
const FIELD_OF_LABEL: Record<string, keyof Extracted> = {
  partnerName: "partnerName", applicationNo: "applicationNo", amount: "amount", amountExclTax: "amountExclTax", taxAmount: "taxAmount",
  currency: "currency", taxRate: "taxRate", invoiceType: "invoiceTypeLabel", billingPeriod: "billingPeriod", address: "mailingAddress",
  publicMailbox: "publicMailbox", invoiceListUrl: "invoiceListUrl", entityName: "huaweiEntity",
};

/** Where each found field came from: its 0-based line in the body. */
export type FieldLines = Map<keyof Extracted, number>;

export function extractFields(src: BodySource, c: Compiled, want?: ReadonlySet<keyof Extracted>, lines?: FieldLines): Extracted {
  const { cfg } = c;
  charge(src.text.length, "extract");
  const wants = (k: keyof Extracted) => !want || want.has(k);
  let idxCache: LabelIndex | null = null;
  const index = () => (idxCache ??= new LabelIndex(src.text, c.labels, src.folded));
  const text = (field: string) => {
    const idx = index();
    return idx.find(field, (v, h) => textValue(idx, v, h));
  };
  const amountOf = (field: string) => index().find(field, (v) => findAmount(v.raw)?.value ?? null);

  let amountHit: (NonNullable<ReturnType<typeof findAmount>> & { line: number }) | null = null;
  if (wants("amount") || wants("currency")) amountHit = index().find("amount", (v) => {
    const a = findAmount(v.raw);
    return a ? { ...a, line: v.line } : null;
  });
  // currency: its own label, else the amount's sign/unit, else a code on the amount's line ("Invoice Amount (USD): …")
  const currencyOfAmountLine = () => {
    if (!amountHit) return null;
    const idx = index();
    return currencyOf(idx.lineText(amountHit.line), cfg);
  };

  let invoiceTypeLabel: string | null = null;
  if (wants("invoiceTypeLabel") || wants("invoiceType")) invoiceTypeLabel = text("invoiceType");
  const at = (key: keyof Extracted) => (line: number) => lines?.set(key, line);

  const out: Extracted = {
    partnerName: wants("partnerName") ? (text("partnerName") ?? greetingName(src.text, c, at("partnerName"))) : null,
    applicationNo: wants("applicationNo") ? index().find("applicationNo", (v) => idToken(v.raw)) : null,
    amount: wants("amount") ? (amountHit?.value ?? null) : null,
    amountExclTax: wants("amountExclTax") ? amountOf("amountExclTax") : null,
    taxAmount: wants("taxAmount") ? amountOf("taxAmount") : null,
    currency: wants("currency") ? (index().find("currency", (v) => currencyOf(v.raw, cfg)) ?? amountHit?.currency ?? currencyOfAmountLine()) : null,
    taxRate: wants("taxRate") ? index().find("taxRate", (v) => parseTaxRate(v.raw)) : null,
    invoiceType: wants("invoiceType") && invoiceTypeLabel ? invoiceTypeOf(invoiceTypeLabel, c) : null,
    invoiceTypeLabel: wants("invoiceTypeLabel") ? invoiceTypeLabel : null,
    billingPeriod: wants("billingPeriod") ? (index().find("billingPeriod", (v) => parseBillingPeriod(v.raw)) ?? findQuarter(src.text)) : null,
    mailingAddress: wants("mailingAddress") ? mailingAddressOf(index(), cfg) : null,
    publicMailbox: wants("publicMailbox") ? index().find("publicMailbox", (v) => firstEmail(v.raw)) : null,
    invoiceListUrl: wants("invoiceListUrl") ? invoiceListUrlOf(src, c, index, at("invoiceListUrl")) : null,
    huaweiEntity: wants("huaweiEntity") ? huaweiEntityOf(src, index(), c, at("huaweiEntity")) : null,
    deadline: wants("deadline") ? deadlineOf(src, cfg, (pos) => lines?.set("deadline", lineAtOffset(src.text, pos))) : null,
  };
  if (lines && idxCache) {
    const idx: LabelIndex = idxCache;
    for (const [field, line] of idx.accepted) {
      const key = FIELD_OF_LABEL[field];
      if (key && out[key] !== null && !lines.has(key)) lines.set(key, line);
    }
    if (out.invoiceType !== null && lines.has("invoiceTypeLabel")) lines.set("invoiceType", lines.get("invoiceTypeLabel")!);
    if (out.currency !== null && !lines.has("currency") && amountHit) lines.set("currency", amountHit.line);
  }
  return out;
}

/** The mailing address: the address value anchors the block; the other parts are taken near it. */
function mailingAddressOf(idx: LabelIndex, cfg: EmailIntakeConfig): MailingAddress | null {
  const addr = idx.find("address", (v, h) => {
    const t = textValue(idx, v, h);
    return t ? { t, line: v.line } : null;
  });
  if (!addr) return null;
  const near = { line: addr.line, maxLines: cfg.mailingBlockLines };
  const digits = (min: number) => (v: LabelValue, h: LabelHit) => {
    const t = textValue(idx, v, h);
    return t && (t.match(/\d/g)?.length ?? 0) >= min ? t : null;
  };
  return {
    recipient: idx.find("recipient", (v, h) => textValue(idx, v, h), near),
    phone: idx.find("phone", digits(5), near),
    address: addr.t,
    postcode: idx.find("postcode", digits(4), near),
  };
}

/** The invoicing-list link: an HTML link whose text names the list (its href), else a URL after the label. */
function invoiceListUrlOf(src: BodySource, c: Compiled, index: () => LabelIndex, at: (line: number) => void): string | null {
  for (const l of src.links) {
    const t = fold(l.text);
    if (t && c.listLabels.some((x) => t.includes(x)) && /^https?:\/\//i.test(l.href.trim())) {
      at(lineAtOffset(src.text, l.start));
      return l.href.trim();
    }
  }
  return index().find("invoiceListUrl", (v) => firstUrl(v.raw));
}

/** 0-based line of offset `pos` (without building a label index for it). */
const lineAtOffset = (text: string, pos: number): number => lineOf(lineStarts(text), pos);

/** The Huawei entity: labelled buyer name, else a known entity name; its tax ID near it. */
function huaweiEntityOf(src: BodySource, idx: LabelIndex, c: Compiled, at: (line: number) => void): HuaweiEntity | null {
  const nameHit = idx.find("entityName", (v, h) => {
    const t = textValue(idx, v, h);
    return t ? { t, line: v.line } : null;
  });
  let entityLine: number | null = nameHit?.line ?? null;
  let entityName = nameHit?.t ?? null;
  if (!entityName) {
    for (const n of c.entityNames) {
      const at = src.folded.indexOf(n.folded);
      if (at >= 0) {
        entityName = src.text.slice(at, at + n.raw.length);
        entityLine = lineAtOffset(src.text, at);
        break;
      }
    }
  }
  if (!entityName) return null;
  if (entityLine !== null) at(entityLine);
  const taxId = idx.find("entityTaxId", (v) => idToken(v.raw), entityLine !== null ? { line: entityLine, maxLines: 6 } : undefined) ?? null;
  return { name: entityName, taxId };
}

function deadlineOf(src: BodySource, cfg: EmailIntakeConfig, at: (pos: number) => void): string | null {
  const order = /dd|mm|日\s*\/|月\s*\//.test(src.folded) ? (statedSlashOrder(src.text) ?? cfg.slashDateOrder) : cfg.slashDateOrder;
  return findDeadline(src.text, cfg.deadlineKeywords, order, src.folded, at);
}

/** Application number from the subject line (【华为云】激励开票通知（申付单号：SF…）). */
export function applicationNoFromSubject(subject: string, c: Compiled): string | null {
  const idx = new LabelIndex(subject, c.labels);
  return idx.find("applicationNo", (v) => idToken(v.raw));
}
