/**
 * Dates, months, billing periods and deadlines as written in invoicing notices
 * (2025-05-18, 2025年5月18日, 18 May 2025, May 18, 2025, 18/05/2025, 2025年01月 至 2025年03月,
 * 2025年第一季度, Q1 2025, …). Pure functions, no I/O.
 */
import { charge } from "./budget.ts";
import { charsIn, foldWidth, trimEndWhere } from "./text.ts";

const PRE_TRAIL = charsIn(":：", true);

export type SlashOrder = "dmy" | "mdy";

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH_NAME = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

export function isValidDate(y: number, m: number, d: number): boolean {
  if (!(y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1)) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

const pad = (n: number) => String(n).padStart(2, "0");
export const isoDate = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
export const isoMonth = (y: number, m: number) => `${y}-${pad(m)}`;

export interface FoundDate {
  date: string;
  start: number;
  end: number;
}

// One scanner for every full-date shape; the alternation order decides ties at the same position.
const DATE_RE = new RegExp(
  [
    // 2025-05-18, 2025/5/18, 2025.05.18, 2025年5月18日
    String.raw`(?<![0-9])(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*[日号])?(?![0-9])`,
    // 18 May 2025, 18-May-2025, 18th May, 2025
    String.raw`(?<![0-9])(\d{1,2})(?:st|nd|rd|th)?[\s-]+${MONTH_NAME}\.?,?[\s-]+(\d{4})(?![0-9])`,
    // May 18, 2025 / May 18 2025
    String.raw`(?<![a-z])${MONTH_NAME}\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?![0-9])`,
    // 18/05/2025 or 05/18/2025
    String.raw`(?<![0-9/.-])(\d{1,2})([/.-])(\d{1,2})\11(\d{4})(?![0-9])`,
  ].join("|"),
  "giu",
);

/** Every full calendar date in `text`, in order. Ambiguous dd/mm vs mm/dd follows `order`. */
export function findDates(text: string, order: SlashOrder = "dmy"): FoundDate[] {
  const s = foldWidth(text);
  const found: FoundDate[] = [];
  charge(s.length, "dates");
  DATE_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DATE_RE.exec(s)) !== null) {
    charge(m[0].length, "date");
    let y = 0;
    let mo = 0;
    let d = 0;
    if (m[1] !== undefined) {
      y = +m[1];
      mo = +m[2]!;
      d = +m[3]!;
    } else if (m[4] !== undefined) {
      d = +m[4];
      mo = MONTHS[m[5]!.toLowerCase().slice(0, m[5]!.toLowerCase().startsWith("sept") ? 4 : 3)]!;
      y = +m[6]!;
    } else if (m[7] !== undefined) {
      mo = MONTHS[m[7].toLowerCase().slice(0, m[7].toLowerCase().startsWith("sept") ? 4 : 3)]!;
      d = +m[8]!;
      y = +m[9]!;
    } else {
      const a = +m[10]!;
      const b = +m[12]!;
      y = +m[13]!;
      if (a > 12 && b <= 12) [d, mo] = [a, b];
      else if (b > 12 && a <= 12) [mo, d] = [a, b];
      else if (order === "dmy") [d, mo] = [a, b];
      else [mo, d] = [a, b];
    }
    if (isValidDate(y, mo, d)) found.push({ date: isoDate(y, mo, d), start: m.index, end: m.index + m[0].length });
  }
  return found;
}

/** The first full date in `text`, or null. */
export function parseDate(text: string, order: SlashOrder = "dmy"): string | null {
  return findDates(text, order)[0]?.date ?? null;
}

/** Whether the mail says how to read slash dates ("dd/mm/yyyy" or "mm/dd/yyyy"); null if it does not. */
export function statedSlashOrder(text: string): SlashOrder | null {
  if (/\bdd[/.-]mm[/.-](?:yyyy|yy)\b/i.test(text) || /日\s*\/\s*月\s*\/\s*年/.test(text)) return "dmy";
  if (/\bmm[/.-]dd[/.-](?:yyyy|yy)\b/i.test(text) || /月\s*\/\s*日\s*\/\s*年/.test(text)) return "mdy";
  return null;
}

export interface Period {
  from: string;
  to: string;
}

const CN_QUARTER: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, "1": 1, "2": 2, "3": 3, "4": 4 };

const QUARTER_RE = new RegExp(
  [
    // (no two whitespace quantifiers side by side: that would backtrack quadratically on long blanks)
    String.raw`(?<![0-9])(\d{4})(?:\s*年)?\s*(?:第\s*)?([一二三四1-4])\s*季度`,
    String.raw`(?<![0-9])(\d{4})(?:\s*-)?\s*Q([1-4])(?![0-9])`,
    String.raw`(?<![a-z])Q([1-4])(?:\s*[-,/])?\s*(\d{4})(?![0-9])`,
  ].join("|"),
  "iu",
);

// Month tokens of a billing period, in order of appearance.
const MONTH_TOKEN_RE = new RegExp(
  [
    // full date → its month
    String.raw`(?<![0-9])(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*[日号])?(?![0-9])`,
    // 2025-03, 2025/3, 2025.03, 2025年3月, 2025年03
    String.raw`(?<![0-9])(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})(?:\s*月份?)?(?![0-9])`,
    // March 2025, Mar. 2025, Mar-2025
    String.raw`(?<![a-z])${MONTH_NAME}\.?[\s,-]{0,8}(\d{4})(?![0-9])`,
    // 03/2025
    String.raw`(?<![0-9])(\d{1,2})\s*[/.-]\s*(\d{4})(?![0-9])`,
    // 202503
    String.raw`(?<![0-9])(20\d{2})(0[1-9]|1[0-2])(?![0-9])`,
    // 3月 (year carried over from an earlier token)
    String.raw`(?<![0-9])(\d{1,2})\s*月`,
  ].join("|"),
  "giu",
);

/**
 * A billing period from a value such as "2025年01月 至 2025年03月", "2025-03", "2025年1-3月",
 * "Jan 2025 - Mar 2025", "2025年第一季度", "Q1 2025". Single month → from == to.
 */
export function parseBillingPeriod(text: string): Period | null {
  const s = foldWidth(text);
  const q = QUARTER_RE.exec(s);
  const months: { y: number; m: number; at: number }[] = [];
  let lastYear: number | null = null;
  charge(s.length, "billing period");
  MONTH_TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = MONTH_TOKEN_RE.exec(s)) !== null) {
    charge(m[0].length, "month");
    let y: number | null = null;
    let mo = 0;
    if (m[1] !== undefined) [y, mo] = [+m[1], +m[2]!];
    else if (m[4] !== undefined) [y, mo] = [+m[4], +m[5]!];
    else if (m[6] !== undefined) [y, mo] = [+m[7]!, MONTHS[m[6].toLowerCase().slice(0, m[6].toLowerCase().startsWith("sept") ? 4 : 3)]!];
    else if (m[8] !== undefined) [y, mo] = [+m[9]!, +m[8]];
    else if (m[10] !== undefined) [y, mo] = [+m[10], +m[11]!];
    else if (m[12] !== undefined) [y, mo] = [lastYear, +m[12]];
    if (y === null || !(y >= 1900 && y <= 2199 && mo >= 1 && mo <= 12)) continue;
    lastYear = y;
    months.push({ y, m: mo, at: m.index });
  }
  // "2025年1-3月": the bare "1" before "-3月" is a month of the same year
  const short = /(?<![0-9])(\d{4})\s*年\s*(\d{1,2})\s*[-~～至到]\s*(\d{1,2})\s*月/u.exec(s);
  if (short) {
    const y = +short[1]!;
    const a = +short[2]!;
    const b = +short[3]!;
    if (a >= 1 && a <= 12 && b >= 1 && b <= 12) return order({ y, m: a }, { y, m: b });
  }
  if (q && (months.length === 0 || q.index <= months[0]!.at)) {
    const y = +(q[1] ?? q[3] ?? q[6])!;
    const n = CN_QUARTER[(q[2] ?? q[4] ?? q[5])!]!;
    if (y >= 1900 && y <= 2199) return { from: isoMonth(y, n * 3 - 2), to: isoMonth(y, n * 3) };
  }
  if (months.length === 0) return null;
  const first = months[0]!;
  const last = months.length > 1 ? months[months.length - 1]! : first;
  return order(first, last);
}

function order(a: { y: number; m: number }, b: { y: number; m: number }): Period {
  const x = isoMonth(a.y, a.m);
  const y = isoMonth(b.y, b.m);
  return x <= y ? { from: x, to: y } : { from: y, to: x };
}

/** Finds a quarter expression anywhere (FH payments: 2025年第一季度). */
export function findQuarter(text: string): Period | null {
  const q = QUARTER_RE.exec(foldWidth(text));
  if (!q) return null;
  return parseBillingPeriod(q[0]);
}

export interface DeadlineKeywords {
  before: string[];
  after: string[];
}

const keywordCache = new WeakMap<DeadlineKeywords, DeadlineKeywords>();
/** The keywords as compared (width-folded, lower case), once per keyword set. */
function foldedKeywords(k: DeadlineKeywords): DeadlineKeywords {
  let f = keywordCache.get(k);
  if (!f) keywordCache.set(k, (f = { before: k.before.map((w) => foldWidth(w).toLowerCase()), after: k.after.map((w) => foldWidth(w).toLowerCase()) }));
  return f;
}

/**
 * The date by which the invoice must be sent: the first full date that a deadline keyword precedes
 * (请在 …, no later than …, deadline: …) or follows (… 之前, … 前) on the same line.
 */
export function findDeadline(text: string, keywords: DeadlineKeywords, order: SlashOrder = "dmy", folded?: string, at?: (start: number) => void): string | null {
  const lower = folded ?? foldWidth(text).toLowerCase();
  const { before, after } = foldedKeywords(keywords);
  // only lines that hold a keyword can hold the deadline: scan just those for dates
  const lines: [number, number][] = [];
  for (const k of [...before, ...after]) {
    let i = lower.indexOf(k);
    let n = 0;
    while (i >= 0 && n++ < 200) {
      // the keyword's line, at most 200 characters either side (bounded: bodies may be one huge line)
      let s = i;
      while (s > 0 && i - s < 200 && lower.charCodeAt(s - 1) !== 10) s--;
      let e = i;
      while (e < lower.length && e - i < 200 && lower.charCodeAt(e) !== 10) e++;
      lines.push([s, e]);
      i = lower.indexOf(k, Math.max(e, i + 1));
    }
  }
  if (lines.length === 0) return null;
  lines.sort((a, b) => a[0] - b[0]);
  const spans: [number, number][] = [];
  for (const l of lines) {
    const last = spans[spans.length - 1];
    if (last && l[0] <= last[1]) last[1] = Math.max(last[1], l[1]);
    else spans.push([l[0], l[1]]);
  }
  const dates: FoundDate[] = [];
  for (const [s, e] of spans) for (const d of findDates(text.slice(s, e), order)) dates.push({ ...d, start: d.start + s, end: d.end + s });
  for (const d of dates.slice(0, 1000)) {
    // bounded windows on the date's own line (no unbounded scans: bodies may be one huge line)
    let pre = lower.slice(Math.max(0, d.start - 24), d.start);
    pre = trimEndWhere(pre.slice(pre.lastIndexOf("\n") + 1), PRE_TRAIL);
    let post = lower.slice(d.end, d.end + 8);
    const nl = post.indexOf("\n");
    if (nl >= 0) post = post.slice(0, nl);
    post = post.trimStart();
    if (before.some((k) => endsWithWord(pre, k)) || after.some((k) => post.startsWith(k))) {
      at?.(d.start);
      return d.date;
    }
  }
  return null;
}

/** `s` ends with keyword `k` (for ASCII keywords: as a whole word, allowing up to one word after it). */
function endsWithWord(s: string, k: string): boolean {
  if (!/^[\x20-\x7e]+$/.test(k)) {
    // CJK keyword: it may be followed by a few characters (请在本月2025-…, 截止日期为 …)
    const i = s.lastIndexOf(k);
    return i >= 0 && s.length - (i + k.length) <= 3;
  }
  const i = s.lastIndexOf(k);
  if (i < 0) return false;
  if (i > 0 && /[a-z0-9]/.test(s[i - 1]!)) return false;
  const rest = s.slice(i + k.length);
  if (rest !== "" && /^[a-z0-9]/.test(rest)) return false;
  return rest.trim() === "" || /^[\s:]*(?:the|on|of|is|date)?[\s:]*$/.test(rest);
}
