/**
 * Corpus generator for the invoice-email extraction (issue 13): realistic Huawei-style notices from
 * templates, each template one combination of language, layout, label spellings and MIME shape,
 * with seeded variation inside it (charset, transfer encoding, RFC 2047 subject, value formats,
 * greeting, forwards). The expected schema-v1 fields come from the generator's facts, never from the
 * parser. Templates are split BY TEMPLATE into a tuning part and an unseen part (see TEMPLATES).
 */
import { readFileSync } from "node:fs";
import { simpleParser } from "mailparser";
import { centsToDecimal } from "../../shared/email/amounts.ts";
import * as B from "../unit/email/mime-builder.ts";
import { mulberry32 } from "../../local/sandbox/rng.ts";

/** Seeded PRNG (mulberry32): the same seed gives the same corpus. */
export function rng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
export type Rng = ReturnType<typeof rng>;

export interface Facts {
  site: "cn" | "intl";
  partner: string;
  applicationNo: string;
  currency: "CNY" | "USD";
  exclCents: bigint;
  taxCents: bigint;
  amountCents: bigint;
  ratePercent: number | null;
  period: { from: string; to: string };
  periodKind: "range" | "quarter" | "month";
  deadline: string;
  sent: Date;
  entity: { name: string; taxId: string };
  url: string;
}

/** The schema-v1 fields a correct extraction gives for these facts (null where the template leaves a field out). */
export interface Expected {
  partnerName: string;
  applicationNo: string;
  amount: string;
  amountExclTax: string | null;
  taxAmount: string | null;
  currency: string;
  taxRate: string | null;
  billingPeriod: { from: string; to: string };
  deadline: string;
  invoiceListUrl: string;
  huaweiEntity: { name: string; taxId: string | null } | null;
}

const PARTNERS_ZH = ["杭州样本云计算有限公司", "北京示例数据科技有限公司", "深圳测试信息技术股份有限公司", "成都样例网络有限公司", "上海演示智能科技有限公司", "武汉模拟软件有限公司"];
const PARTNERS_TW = ["台北樣本雲端股份有限公司", "新竹示例資訊有限公司"];
const PARTNERS_EN = ["ACME Cloud Ltd.", "Example Digital Pte. Ltd.", "Sample Systems GmbH", "Test Networks S.A. de C.V.", "Demo Solutions (Thailand) Co., Ltd."];
const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const ym = (y: number, m: number) => `${y}-${pad(m)}`;

export function makeFacts(r: Rng, site: "cn" | "intl", partners: readonly string[], traditional = false): Facts {
  const y = r.int(2024, 2026);
  const m = r.int(1, 12);
  const d = r.int(1, 28);
  const sent = new Date(Date.UTC(y, m - 1, d, r.int(0, 23), r.int(0, 59)));
  const kind = r.pick(["range", "quarter", "month"] as const);
  // the period ends before the message's month
  const endIdx = y * 12 + (m - 1) - r.int(1, 2);
  let from: number;
  let to: number;
  if (kind === "quarter") {
    const q = Math.floor((endIdx % 12) / 3);
    to = Math.floor(endIdx / 12) * 12 + q * 3 + 2;
    if (to > y * 12 + (m - 1)) to -= 3;
    from = to - 2;
  } else if (kind === "month") from = to = endIdx;
  else {
    to = endIdx;
    from = endIdx - r.int(1, 5);
  }
  const p = (i: number) => ym(Math.floor(i / 12), (i % 12) + 1);
  const dl = new Date(sent.getTime() + r.int(10, 60) * 86_400_000);
  const deadline = `${dl.getUTCFullYear()}-${pad(dl.getUTCMonth() + 1)}-${pad(dl.getUTCDate())}`;
  const rate = site === "cn" ? r.pick([6, 6, 6, 3, 9, 13, 1]) : r.pick([null, null, 5, 7]);
  const excl = BigInt(r.int(1_000, 99_999_999)) * (r.next() < 0.3 ? 100n : 1n);
  const tax = rate === null ? 0n : (excl * BigInt(rate) + 50n) / 100n;
  const stamp = `${y}${pad(m)}${pad(d)}`;
  const applicationNo = site === "cn" ? `${r.pick(["SF", "SF", "FH"])}${stamp}${pad(r.int(0, 999_999), 6)}` : `${r.pick(["INT", "PR"])}${stamp}${pad(r.int(0, 99_999), 5)}`;
  const url =
    site === "cn"
      ? `https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=${applicationNo}`
      : `https://account-intl.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingInfo?intouchNo=${applicationNo}`;
  return {
    site,
    partner: r.pick(partners),
    applicationNo,
    currency: site === "cn" ? "CNY" : "USD",
    exclCents: excl,
    taxCents: tax,
    amountCents: excl + tax,
    ratePercent: rate,
    period: { from: p(from), to: p(to) },
    periodKind: kind,
    deadline,
    sent,
    entity: site === "cn" ? { name: traditional ? "華為雲計算技術有限公司" : "华为云计算技术有限公司", taxId: `915209000000${pad(r.int(0, 99_999), 5)}A` } : { name: "Huawei Services (Hong Kong) Co., Limited", taxId: `HK-${pad(r.int(0, 9_999_999), 7)}` },
    url,
  };
}

// ---------- value formats ----------

const group = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
export function moneyText(c: bigint, currency: "CNY" | "USD", style: number): string {
  const [i, f] = centsToDecimal(c).split(".");
  const g = `${group(i!)}.${f}`;
  const plain = `${i}.${f}`;
  if (currency === "USD") return [`US$${g}`, `USD ${g}`, `${g} USD`, `$${g}`, `USD${plain}`][style % 5]!;
  return [`¥${g}`, `￥${g}`, `${g}元`, `CNY ${g}`, `RMB ${plain}`, `人民币${g}元`, `${plain} 元`, `¥${g}（大写：${capitalOf(c)}）`][style % 8]!;
}

const CAP_DIGITS = "零壹贰叁肆伍陆柒捌玖";
const CAP_UNITS = ["", "拾", "佰", "仟"];
const CAP_GROUPS = ["", "万", "亿"];
/** The amount in Chinese capitals (大写), written here independently of the parser. */
export function capitalOf(cents: bigint): string {
  let n = Number(cents / 100n);
  const groups: number[] = [];
  while (n > 0) {
    groups.push(n % 10000);
    n = Math.floor(n / 10000);
  }
  let out = "";
  let gap = false;
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const g = groups[gi]!;
    if (g === 0) {
      gap = out !== "";
      continue;
    }
    if (out !== "" && (gap || g < 1000)) out += "零";
    let s = "";
    let zero = false;
    for (let pos = 3; pos >= 0; pos--) {
      const d = Math.floor(g / 10 ** pos) % 10;
      if (d === 0) zero = s !== "";
      else {
        if (zero) s += "零";
        s += CAP_DIGITS[d]! + CAP_UNITS[pos]!;
        zero = false;
      }
    }
    out += s + CAP_GROUPS[gi]!;
    gap = false;
  }
  if (out === "") out = "零";
  const jiao = Number((cents % 100n) / 10n);
  const fen = Number(cents % 10n);
  if (jiao === 0 && fen === 0) return `${out}元整`;
  return `${out}元${jiao ? `${CAP_DIGITS[jiao]}角` : "零"}${fen ? `${CAP_DIGITS[fen]}分` : ""}`;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
export function dateText(iso: string, style: number, lang: "zh" | "en"): string {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  if (lang === "zh") return [`${iso}`, `${y}年${pad(m)}月${pad(d)}日`, `${y}年${m}月${d}日`, `${y}/${m}/${d}`, `${y}.${pad(m)}.${pad(d)}`][style % 5]!;
  return [`${iso}`, `${MONTHS[m - 1]} ${d}, ${y}`, `${d} ${MONTHS[m - 1]} ${y}`, `${pad(d)}/${pad(m)}/${y} (dd/mm/yyyy)`, `${MONTHS[m - 1]!.slice(0, 3)} ${d}, ${y}`][style % 5]!;
}

export function periodText(f: Facts, style: number, lang: "zh" | "en"): string {
  const [fy, fm] = f.period.from.split("-").map(Number) as [number, number];
  const [ty, tm] = f.period.to.split("-").map(Number) as [number, number];
  if (f.periodKind === "quarter" && style % 2 === 0) {
    const q = Math.floor((fm - 1) / 3) + 1;
    return lang === "zh" ? `${fy}年第${"一二三四"[q - 1]}季度` : `Q${q} ${fy}`;
  }
  if (f.period.from === f.period.to) return lang === "zh" ? [`${fy}年${pad(fm)}月`, `${fy}-${pad(fm)}`, `${fy}年${fm}月`][style % 3]! : [`${MONTHS[fm - 1]} ${fy}`, `${fy}-${pad(fm)}`, `${MONTHS[fm - 1]!.slice(0, 3)} ${fy}`][style % 3]!;
  if (lang === "zh") return [`${fy}年${pad(fm)}月 至 ${ty}年${pad(tm)}月`, `${fy}-${pad(fm)} ~ ${ty}-${pad(tm)}`, `${fy}.${pad(fm)}-${ty}.${pad(tm)}`][style % 3]!;
  return [`${MONTHS[fm - 1]} ${fy} - ${MONTHS[tm - 1]} ${ty}`, `${fy}-${pad(fm)} to ${ty}-${pad(tm)}`, `${MONTHS[fm - 1]!.slice(0, 3)} ${fy} – ${MONTHS[tm - 1]!.slice(0, 3)} ${ty}`][style % 3]!;
}

// ---------- labels (per template) ----------

export interface LabelSet {
  app: string;
  amount: string;
  excl: string;
  tax: string;
  rate: string;
  period: string;
  entity: string;
  taxId: string;
  currency: string;
}
const ZH_A: LabelSet = { app: "申付单号", amount: "开票金额（含税）", excl: "不含税金额", tax: "税额", rate: "税率", period: "对账期次", entity: "购买方名称", taxId: "纳税人识别号", currency: "币种" };
const ZH_B: LabelSet = { app: "付款申请单号", amount: "价税合计", excl: "未税金额", tax: "增值税额", rate: "增值税税率", period: "结算周期", entity: "发票抬头", taxId: "购方税号", currency: "结算币种" };
const ZH_C: LabelSet = { app: "申请编号", amount: "发票金额", excl: "金额（不含税）", tax: "税金", rate: "税率", period: "所属账期", entity: "购方名称", taxId: "统一社会信用代码", currency: "开票币种" };
const TW: LabelSet = { app: "申付單號", amount: "開票金額", excl: "未稅金額", tax: "稅額", rate: "稅率", period: "對賬期次", entity: "購買方名稱", taxId: "統一編號", currency: "幣別" };
const EN_A: LabelSet = { app: "InTouch No.", amount: "Invoice Amount", excl: "Amount excl. tax", tax: "Tax Amount", rate: "Tax Rate", period: "Settlement Period", entity: "Bill To", taxId: "VAT No.", currency: "Invoice Currency" };
const EN_B: LabelSet = { app: "Payment Requisition No.", amount: "Amount (incl. tax)", excl: "Net Amount", tax: "VAT Amount", rate: "VAT Rate", period: "Billing Period", entity: "Invoice To", taxId: "Tax ID", currency: "Currency" };
const EN_C: LabelSet = { app: "Application No.", amount: "Amount to Invoice", excl: "Amount excluding tax", tax: "Tax Amount", rate: "Tax Rate", period: "Billing Cycle", entity: "Buyer Name", taxId: "TIN", currency: "Currency" };

// ---------- bodies ----------

type Layout = "kv" | "table" | "list" | "sentence" | "columns";
interface BodySpec {
  lang: "zh" | "en";
  tw?: boolean;
  labels: LabelSet;
  layout: Layout;
  html: boolean;
  greeting: (f: Facts, r: Rng) => string;
  breakdown: boolean;
  colon: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function rows(f: Facts, s: BodySpec, r: Rng): [string, string][] {
  const ms = r.int(0, 7);
  const out: [string, string][] = [
    [s.labels.app, f.applicationNo],
    [s.labels.period, periodText(f, r.int(0, 5), s.lang)],
    [s.labels.amount, moneyText(f.amountCents, f.currency, ms)],
  ];
  if (s.breakdown && f.ratePercent !== null) {
    out.push([s.labels.excl, moneyText(f.exclCents, f.currency, ms)], [s.labels.tax, moneyText(f.taxCents, f.currency, ms)], [s.labels.rate, `${f.ratePercent}%`]);
  }
  out.push([s.labels.currency, f.currency === "CNY" ? r.pick(["人民币（CNY）", "CNY", "人民币"]) : r.pick(["USD", "US Dollar (USD)"])]);
  out.push([s.labels.entity, f.entity.name], [s.labels.taxId, f.entity.taxId]);
  return out;
}

function deadlineSentence(f: Facts, s: BodySpec, r: Rng): string {
  const d = dateText(f.deadline, r.int(0, 4), s.lang);
  if (s.lang === "en") return r.pick([`Please submit the invoice no later than ${d}.`, `Deadline: ${d}`, `Kindly send it before ${d}.`]);
  if (s.tw) return `請於${d}之前完成開票。`;
  return r.pick([`请在${d}之前完成开票。`, `请于${d}前开具发票并寄出。`, `开票截止日期：${d}`]);
}

function listLink(f: Facts, s: BodySpec): { text: string; html: string } {
  const label = s.lang === "en" ? "View Invoicing Information" : s.tw ? "查看開票清單" : "查看开票清单";
  return { text: `${label}${s.lang === "en" ? ":" : "："}\n${f.url}`, html: `<p><a href="${esc(f.url)}">${label}</a></p>` };
}

export function body(f: Facts, s: BodySpec, r: Rng): string {
  const out = bodyOf(f, s, r);
  return s.tw ? out.replace(/人民币/g, "人民幣") : out;
}

function bodyOf(f: Facts, s: BodySpec, r: Rng): string {
  const greet = s.greeting(f, r);
  const intro =
    s.lang === "en" ? "Your incentive payment request has been approved. Please issue an invoice as follows." : s.tw ? "您好！貴司提交的激勵發放申請已完成申付處理，請按以下資訊開具發票。" : "您好！贵司提交的激励发放申请已完成申付处理，请按以下信息开具发票。";
  const rs = rows(f, s, r);
  const link = listLink(f, s);
  const dl = deadlineSentence(f, s, r);
  const sign = s.lang === "en" ? "HUAWEI CLOUD Partner Center" : s.tw ? "華為雲夥伴中心" : "华为云伙伴中心";
  if (!s.html) {
    let info: string;
    if (s.layout === "sentence") info = sentence(f, s, r);
    else info = rs.map(([k, v]) => `${k}${s.colon}${v}`).join("\n");
    return [greet, "", intro, "", info, "", link.text, "", dl, "", sign].join("\n");
  }
  let info: string;
  if (s.layout === "table") info = `<table border="1">${rs.map(([k, v]) => `<tr><td>${esc(k)}</td><td><b>${esc(v)}</b></td></tr>`).join("\n")}</table>`;
  else if (s.layout === "list") info = `<ul>${rs.map(([k, v]) => `<li>${esc(k)}${s.colon}<span>${esc(v)}</span></li>`).join("")}</ul>`;
  else if (s.layout === "columns") info = `<table><tr>${rs.map(([k]) => `<th>${esc(k)}</th>`).join("")}</tr><tr>${rs.map(([, v]) => `<td>${esc(v)}</td>`).join("")}</tr></table>`;
  else if (s.layout === "sentence") info = `<p>${esc(sentence(f, s, r))}</p>`;
  else info = rs.map(([k, v]) => `<p><strong>${esc(k)}${s.colon}</strong>${esc(v)}</p>`).join("\n");
  return `<html><head><meta charset="utf-8"><style>p{margin:0}</style></head><body><img src="cid:logo@huaweicloud" alt="logo"><p>${esc(greet)}</p><p>${esc(intro)}</p>${info}${link.html}<p>${esc(dl)}</p><p>${esc(sign)}</p></body></html>`;
}

/** One sentence carrying several values. */
function sentence(f: Facts, s: BodySpec, r: Rng): string {
  const ms = r.int(0, 7);
  const a = moneyText(f.amountCents, f.currency, ms);
  const p = periodText(f, r.int(0, 5), s.lang);
  const bd = s.breakdown && f.ratePercent !== null;
  if (s.lang === "en") {
    const parts = bd ? ` (${s.labels.excl}: ${moneyText(f.exclCents, f.currency, ms)}, ${s.labels.tax}: ${moneyText(f.taxCents, f.currency, ms)}, ${s.labels.rate}: ${f.ratePercent}%)` : "";
    return `${s.labels.app}: ${f.applicationNo}. ${s.labels.period}: ${p}. ${s.labels.amount}: ${a}${parts}.\n${s.labels.currency}: ${f.currency}\n${s.labels.entity}: ${f.entity.name}\n${s.labels.taxId}: ${f.entity.taxId}`;
  }
  const parts = bd ? `（${s.labels.excl}：${moneyText(f.exclCents, f.currency, ms)}，${s.labels.tax}：${moneyText(f.taxCents, f.currency, ms)}，${s.labels.rate}：${f.ratePercent}%）` : "";
  return `${s.labels.app}：${f.applicationNo}；${s.labels.period}：${p}；${s.labels.amount}：${a}${parts}。\n${s.labels.currency}：${f.currency === "CNY" ? "人民币" : "USD"}\n${s.labels.entity}：${f.entity.name}\n${s.labels.taxId}：${f.entity.taxId}`;
}

// ---------- greetings ----------

const gZh = (f: Facts, r: Rng) => r.pick([`尊敬的华为云合作伙伴（${f.partner}）：`, `尊敬的${f.partner}：`, `尊敬的合作伙伴 ${f.partner}：`]);
const gZhPunct = (f: Facts, r: Rng) => r.pick([`尊敬的${f.partner}，您好！`, `尊敬的华为云合作伙伴（${f.partner}），您好：`]);
const gTw = (f: Facts) => `尊敬的${f.partner}：`;
const gEn = (f: Facts, r: Rng) => r.pick([`Dear ${f.partner},`, `Dear ${f.partner}:`]);

// ---------- MIME shapes ----------

type Shape = "text" | "html" | "alternative" | "related" | "pdf" | "fwd-inline" | "fwd-attached" | "fwd-nested";

const SUBJECTS = { zh: "【华为云】激励开票通知", tw: "【華為雲】激勵開票通知", en: "HUAWEI CLOUD Billing Notification" };

function wrapShape(shape: Shape, content: string, html: boolean, cs: string, cte: B.TransferEncoding, f: Facts, subject: string, r: Rng): Buffer {
  const date = f.sent.toUTCString().replace("GMT", "+0000");
  const sender = f.site === "cn" ? "system@info.huaweicloud.com" : "noreply@mail01.huawei.com";
  const sw = r.pick(["B", "Q"] as const);
  const headers = [
    `From: ${B.encodedWord(f.site === "cn" ? "华为云" : "HUAWEI CLOUD", cs === "windows-1252" ? "utf-8" : cs, sw)} <${sender}>`,
    "To: finance@shilicloud.example",
    `Subject: ${B.encodedWord(subject, cs === "windows-1252" ? "utf-8" : cs, sw)}`,
    `Message-ID: <${f.applicationNo}.${r.int(0, 1e9)}@${sender.split("@")[1]}>`,
    `Date: ${date}`,
  ];
  const main = B.textPart(content, html ? "html" : "plain", cs, cte);
  const alt = () => B.multipart("alternative", [B.textPart(html ? "请使用支持HTML的邮件客户端查看。" : content, "plain", html ? "utf-8" : cs, html ? "8bit" : cte), main]);
  const logo = B.binaryPart(Buffer.from("89504e470d0a1a0a", "hex"), "image/png", ["Content-ID: <logo@huaweicloud>", "Content-Disposition: inline; filename=logo.png"]);
  const pdf = B.binaryPart(Buffer.from("%PDF-1.4\n% list\n%%EOF\n"), "application/pdf", [`Content-Disposition: attachment;\r\n ${B.rfc2231Filename(`开票清单_${f.applicationNo}.pdf`)}`]);
  const original = (): Buffer => {
    if (shape === "text" || shape === "html" || shape === "fwd-inline" || shape === "fwd-attached" || shape === "fwd-nested") return B.message(headers, main);
    if (shape === "alternative") return B.message(headers, alt());
    if (shape === "related") return B.message(headers, B.multipart("alternative", [B.textPart("请使用支持HTML的邮件客户端查看。", "plain", "utf-8", "8bit"), B.multipart("related", [main, logo])]));
    return B.message(headers, B.multipart("mixed", [html ? B.multipart("related", [main, logo]) : main, pdf]));
  };
  const fwdHeaders = (n: number) => [
    `From: ${B.encodedWord("财务部", "utf-8")} <ap${n}@shilicloud.example>`,
    "To: invoices@shilicloud.example",
    `Subject: ${B.encodedWord(`${r.pick(["Fwd: ", "FW: ", "转发: "])}${subject}`, "utf-8")}`,
    `Message-ID: <fwd${n}.${r.int(0, 1e9)}@shilicloud.example>`,
    `Date: ${date}`,
  ];
  if (shape === "fwd-inline") {
    const client = r.pick(["outlook", "gmail", "foxmail", "exchange"] as const);
    const marker =
      client === "outlook"
        ? `-----Original Message-----\nFrom: 华为云 <${sender}>\nSent: ${date}\nTo: finance@shilicloud.example\nSubject: ${subject}`
        : client === "gmail"
          ? `---------- Forwarded message ---------\nFrom: 华为云 <${sender}>\nDate: ${date}\nSubject: ${subject}\nTo: <finance@shilicloud.example>`
          : client === "exchange"
            ? `________________________________\n发件人: 华为云 <${sender}>\n发送时间: ${date}\n收件人: finance@shilicloud.example\n主题: ${subject}`
            : `------------------ 原始邮件 ------------------\n发件人: "华为云"<${sender}>;\n发送时间: ${date}\n收件人: "finance"<finance@shilicloud.example>;\n主题: ${subject}`;
    const text = html ? content.replace("<body>", `<body><div>请处理，谢谢。</div><div>${esc(marker).replace(/\n/g, "<br>")}</div>`) : `请处理，谢谢。\n\n${marker}\n\n${content}`;
    return B.message(fwdHeaders(1), B.textPart(text, html ? "html" : "plain", "utf-8", r.pick(["base64", "quoted-printable"] as const)));
  }
  if (shape === "fwd-attached" || shape === "fwd-nested") {
    let inner = original();
    const levels = shape === "fwd-nested" ? 2 : 1;
    for (let n = 1; n <= levels; n++) inner = B.message(fwdHeaders(n), B.multipart("mixed", [B.textPart("请见附件原邮件。", "plain", "utf-8", "8bit"), B.rfc822Part(inner, "attachment")]));
    return inner;
  }
  return original();
}

// ---------- templates ----------

export interface Template {
  id: string;
  split: "tune" | "unseen";
  site: "cn" | "intl";
  spec: BodySpec;
  shapes: Shape[];
  charsets: string[];
}

const cteAll: B.TransferEncoding[] = ["base64", "quoted-printable"];
export const TEMPLATES: Template[] = [
  // --- tuning part ---
  { id: "T01-zh-kv-text", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_A, layout: "kv", html: false, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["text", "pdf"], charsets: ["utf-8", "gbk", "gb18030"] },
  { id: "T02-zh-table-html", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_A, layout: "table", html: true, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["html", "related", "pdf"], charsets: ["utf-8", "gb2312", "gb18030"] },
  { id: "T03-zh-list-html", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_B, layout: "list", html: true, greeting: gZhPunct, breakdown: true, colon: ":" }, shapes: ["html", "alternative"], charsets: ["utf-8", "gbk"] },
  { id: "T04-zh-sentence-text", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_A, layout: "sentence", html: false, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["text", "alternative"], charsets: ["utf-8", "gb18030"] },
  { id: "T05-en-kv-text", split: "tune", site: "intl", spec: { lang: "en", labels: EN_A, layout: "kv", html: false, greeting: gEn, breakdown: false, colon: ": " }, shapes: ["text", "pdf"], charsets: ["utf-8", "windows-1252", "iso-8859-1"] },
  { id: "T06-en-table-html", split: "tune", site: "intl", spec: { lang: "en", labels: EN_B, layout: "table", html: true, greeting: gEn, breakdown: true, colon: ": " }, shapes: ["html", "related"], charsets: ["utf-8", "windows-1252"] },
  { id: "T07-zh-fwd-inline", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_A, layout: "kv", html: false, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["fwd-inline"], charsets: ["utf-8"] },
  { id: "T08-zh-fwd-attached", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_B, layout: "table", html: true, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["fwd-attached", "fwd-nested"], charsets: ["utf-8", "gbk"] },
  { id: "T09-tw-kv-big5", split: "tune", site: "cn", spec: { lang: "zh", tw: true, labels: TW, layout: "kv", html: false, greeting: gTw, breakdown: true, colon: "：" }, shapes: ["text", "alternative"], charsets: ["big5"] },
  { id: "T10-zh-columns-html", split: "tune", site: "cn", spec: { lang: "zh", labels: ZH_C, layout: "columns", html: true, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["html", "pdf"], charsets: ["utf-8", "gb18030"] },
  // --- unseen part (not looked at while tuning) ---
  { id: "U01-zh-list-text-ZH_C", split: "unseen", site: "cn", spec: { lang: "zh", labels: ZH_C, layout: "kv", html: false, greeting: gZhPunct, breakdown: true, colon: ":" }, shapes: ["text", "fwd-attached"], charsets: ["gb2312", "utf-8"] },
  { id: "U02-zh-sentence-html", split: "unseen", site: "cn", spec: { lang: "zh", labels: ZH_B, layout: "sentence", html: true, greeting: gZh, breakdown: true, colon: "：" }, shapes: ["html", "related", "fwd-inline"], charsets: ["utf-8", "gb18030"] },
  { id: "U03-en-list-html", split: "unseen", site: "intl", spec: { lang: "en", labels: EN_C, layout: "list", html: true, greeting: gEn, breakdown: true, colon: ": " }, shapes: ["html", "alternative", "fwd-attached"], charsets: ["utf-8", "windows-1252"] },
  { id: "U04-en-sentence-text", split: "unseen", site: "intl", spec: { lang: "en", labels: EN_B, layout: "sentence", html: false, greeting: gEn, breakdown: true, colon: ": " }, shapes: ["text", "fwd-inline"], charsets: ["utf-8", "iso-8859-1"] },
  { id: "U05-zh-table-fwd-nested", split: "unseen", site: "cn", spec: { lang: "zh", labels: ZH_C, layout: "table", html: true, greeting: gZhPunct, breakdown: true, colon: "：" }, shapes: ["fwd-nested", "pdf"], charsets: ["gbk", "utf-8"] },
  { id: "U06-tw-table-big5", split: "unseen", site: "cn", spec: { lang: "zh", tw: true, labels: TW, layout: "table", html: true, greeting: gTw, breakdown: true, colon: "：" }, shapes: ["html", "related"], charsets: ["big5"] },
];

export interface CorpusMessage {
  template: string;
  split: "tune" | "unseen";
  index: number;
  raw: Buffer;
  expected: Expected;
}

/** `perTemplate` messages of every template (or of `only`), deterministic for a seed. */
export function* corpus(perTemplate: number, seed = 1, only?: (t: Template) => boolean): Generator<CorpusMessage> {
  for (const [ti, t] of TEMPLATES.entries()) {
    if (only && !only(t)) continue;
    const r = rng(seed * 1000 + ti);
    for (let i = 0; i < perTemplate; i++) {
      const f = makeFacts(r, t.site, t.spec.tw ? PARTNERS_TW : t.site === "cn" ? PARTNERS_ZH : PARTNERS_EN, t.spec.tw);
      const cs = r.pick(t.charsets);
      const cte = r.pick(cteAll);
      const content = body(f, t.spec, r);
      const subject = `${t.spec.lang === "en" ? SUBJECTS.en : t.spec.tw ? SUBJECTS.tw : SUBJECTS.zh}${r.next() < 0.5 ? `（${t.spec.labels.app}：${f.applicationNo}）` : ""}`;
      const raw = wrapShape(r.pick(t.shapes), content, t.spec.html, cs, cte, f, subject, r);
      const bd = t.spec.breakdown && f.ratePercent !== null;
      yield {
        template: t.id,
        split: t.split,
        index: i,
        raw,
        expected: {
          partnerName: f.partner,
          applicationNo: f.applicationNo,
          amount: centsToDecimal(f.amountCents),
          amountExclTax: bd ? centsToDecimal(f.exclCents) : null,
          taxAmount: bd ? centsToDecimal(f.taxCents) : null,
          currency: f.currency,
          taxRate: bd ? String(f.ratePercent! / 100) : null,
          billingPeriod: f.period,
          deadline: f.deadline,
          invoiceListUrl: f.url,
          huaweiEntity: { name: f.entity.name, taxId: f.entity.taxId },
        },
      };
    }
  }
}

export type Verdict = "exact" | "needs-review" | "wrong-but-clean" | "missed";

/** Compares a parse result with the expectation: exact, flagged for review, wrong but clean, or not recognised. */
export function judge(notice: Record<string, unknown>, e: Expected): { verdict: Verdict; diff: string[] } {
  const kind = notice["kind"];
  const diff: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (JSON.stringify(notice[k]) !== JSON.stringify(v)) diff.push(`${k}: got ${JSON.stringify(notice[k])}, want ${JSON.stringify(v)}`);
  }
  if (kind === "needs-review") return { verdict: "needs-review", diff };
  if (kind !== "invoice-notice") return { verdict: "missed", diff: [`kind ${String(kind)}`, ...diff] };
  return { verdict: diff.length === 0 ? "exact" : "wrong-but-clean", diff };
}

// ---------- mutations of the shared fixtures' text ----------


/** Label spellings the fixture text may be rewritten to (each a spelling the notices use). */
const FIXTURE_SYNONYMS: [RegExp, string[]][] = [
  [/申付单号/g, ["申付单编号", "付款申请单号", "申请单号"]],
  [/不含税金额/g, ["未税金额", "金额（不含税）"]],
  [/(?<!增值)税额(?=[:：])/g, ["增值税额", "税金"]],
  [/对账期次/g, ["结算周期", "账期", "对账周期"]],
  [/购买方名称/g, ["发票抬头", "购方名称"]],
  [/纳税人识别号/g, ["购方税号", "统一社会信用代码"]],
];

/** Rewrites one amount as written (¥10,600.00 / 10,600.00元 …) into another style with the same value. */
function restyleAmounts(text: string, r: Rng): string {
  return text.replace(/[¥￥]\s?([\d,]+\.\d{2})/g, (_m, n: string) => {
    const cents = BigInt(n.replace(/,/g, "").replace(".", ""));
    return moneyText(cents, "CNY", r.int(0, 7));
  });
}

export interface FixtureMutantSource {
  name: string;
  split: "tune" | "unseen";
}
/** Fixtures whose text is mutated, split by fixture (the template of a mutant is its fixture). */
export const FIXTURE_TEMPLATES: FixtureMutantSource[] = [
  { name: "01-cn-incentive-alt-utf8-qp", split: "tune" },
  { name: "03-cn-incentive-plain-gbk-qp-gb2312-subject", split: "tune" },
  { name: "05-cn-incentive-pdf-attachment", split: "unseen" },
  { name: "06-cn-incentive-forwarded-inline", split: "unseen" },
];

const FIELDS: (keyof Expected)[] = ["partnerName", "applicationNo", "amount", "amountExclTax", "taxAmount", "currency", "taxRate", "billingPeriod", "deadline", "invoiceListUrl", "huaweiEntity"];

/** `perFixture` mutants of each fixture's plain text: label synonyms, amount styles, colons, spacing, charset. */
export async function fixtureMutants(perFixture: number, seed = 1): Promise<CorpusMessage[]> {
  const dir = new URL("../fixtures/invoice-emails/", import.meta.url);
  const out: CorpusMessage[] = [];
  for (const [fi, fx] of FIXTURE_TEMPLATES.entries()) {
    const raw = readFileSync(new URL(`${fx.name}.eml`, dir));
    const exp = JSON.parse(readFileSync(new URL(`${fx.name}.expected.json`, dir), "utf8")) as Record<string, unknown>;
    const parsed = await simpleParser(raw);
    const text = parsed.text ?? "";
    const head = raw.toString("latin1").split(/\r?\n\r?\n/)[0]!.split(/\r?\n(?![ \t])/).filter((h) => /^(from|to|subject|date|message-id):/i.test(h));
    const r = rng(seed * 7919 + fi);
    const expected = Object.fromEntries(FIELDS.map((k) => [k, exp[k]])) as unknown as Expected;
    for (let i = 0; i < perFixture; i++) {
      let t = text;
      for (const [re, alts] of FIXTURE_SYNONYMS) if (r.next() < 0.6) t = t.replace(re, r.pick(alts));
      t = restyleAmounts(t, r);
      if (r.next() < 0.5) t = t.replace(/：/g, ": ");
      if (r.next() < 0.3) t = t.replace(/\n/g, "\n\n");
      const cs = r.pick(["utf-8", "gb18030", "gbk"]);
      const msg = B.message(head, B.textPart(t, "plain", cs, r.pick(cteAll)));
      out.push({ template: `F-${fx.name.slice(0, 2)}`, split: fx.split, index: i, raw: msg, expected });
    }
  }
  return out;
}
