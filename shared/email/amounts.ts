/**
 * Money amounts as written in invoicing notices: ¥ ￥ US$ USD 元 prefixes/suffixes, thousands
 * separators, full-width digits, 万 multipliers and Chinese capital numerals (大写, e.g.
 * 壹万零陆佰元整). Values are exact (BigInt cents), output as plain decimals with two decimals.
 * Pure functions, no I/O.
 */
import { foldWidth, trimEndWhere } from "./text.ts";

export interface FoundAmount {
  /** Plain decimal, exactly two decimals, no sign other than a leading "-" ("10600.00"). */
  value: string;
  /** ISO 4217 code when the amount itself says (¥/元/人民币 → CNY, US$/USD/美元 → USD), else null. */
  currency: string | null;
  /** Offsets of the match in the searched string. */
  start: number;
  end: number;
}

/** Formats integer cents as a plain decimal string with two decimals. */
export function centsToDecimal(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const s = abs.toString().padStart(3, "0");
  return `${neg ? "-" : ""}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** Parses a plain decimal ("10600", "10600.5", "-3.20") into cents; null if it has sub-cent digits. */
export function decimalToCents(s: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  let frac = m[3] ?? "";
  if (frac.length > 2) {
    if (/[^0]/.test(frac.slice(2))) return null;
    frac = frac.slice(0, 2);
  }
  const v = BigInt(m[2]!) * 100n + BigInt(frac.padEnd(2, "0") || "0");
  return m[1] ? -v : v;
}

const CURRENCY_TOKENS: Record<string, string | null> = {
  "us$": "USD", usd: "USD", "美元": "USD", "hk$": "HKD", hkd: "HKD", "港币": "HKD", "港元": "HKD",
  "s$": "SGD", sgd: "SGD", eur: "EUR", "€": "EUR", "欧元": "EUR", cny: "CNY", rmb: "CNY", "人民币": "CNY", "人民幣": "CNY",
  "¥": "CNY", "元": "CNY", "圆": "CNY", "$": null,
};

// Prefix currency, number (thousands separators "," only in groups of three), optional 万/亿, suffix currency.
const NUMBER_RE =
  /((?<![0-9a-z])[-−])?(?:(?<![a-z])(us\$|hk\$|s\$|usd|hkd|sgd|eur|cny|rmb|人民币|人民幣|美元|港币|港元|欧元|[¥€$])\s*([-−])?|(?<![0-9a-z.]))(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![0-9]|,\d{3})(?:\s*(万|亿))?(?:\s*(元|圆|美元|港元|港币|欧元|usd|cny|rmb|hkd|eur|sgd))?/giu;

const CAPITAL_RUN = /(人民币|美元)?[ \t]{0,4}([零〇壹贰貳叁參肆伍陆陸柒捌玖一二两兩三四五六七八九拾十佰百仟千万萬亿億元圆圓角分整正]+)/gu;

/**
 * Finds the first amount in `text` (digits, with or without currency, or Chinese capital numerals).
 * Returns null when there is none or the first candidate is malformed beyond use.
 */
export function findAmount(text: string): FoundAmount | null {
  const s = foldWidth(text);
  const digits = findDigitAmount(s);
  const capital = findCapitalAmount(s);
  if (digits && capital) return capital.start < digits.start ? capital : digits;
  return digits ?? capital;
}

/** Parses a whole string as one amount (surrounding spaces allowed). */
export function parseAmount(text: string): FoundAmount | null {
  const a = findAmount(text);
  if (!a) return null;
  const s = foldWidth(text);
  return s.slice(0, a.start).trim() === "" && s.slice(a.end).trim() === "" ? a : null;
}

function findDigitAmount(s: string): FoundAmount | null {
  NUMBER_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = NUMBER_RE.exec(s)) !== null) {
    const [, minusA, pre, minusB, int, frac, mult, suf] = m;
    const minus = minusA ?? minusB;
    let cents = decimalToCents(`${int!.replace(/,/g, "")}${frac !== undefined ? "." + frac : ""}`);
    if (mult) {
      // 1.06万 = 10600: scale exactly, refusing sub-cent results
      const scale = mult === "万" ? 4 : 8;
      const digitsOnly = `${int!.replace(/,/g, "")}${frac ?? ""}`;
      const shifted = scale - (frac?.length ?? 0);
      if (shifted < -2) continue;
      const whole = shifted >= 0 ? BigInt(digitsOnly) * 10n ** BigInt(shifted) * 100n : BigInt(digitsOnly) * 10n ** BigInt(shifted + 2);
      cents = whole;
    }
    if (cents === null) continue;
    if (minus) cents = -cents;
    const currency = tokenCurrency(pre) ?? tokenCurrency(suf);
    return { value: centsToDecimal(cents), currency, start: m.index, end: m.index + m[0].trimEnd().length };
  }
  return null;
}

function tokenCurrency(t: string | undefined): string | null {
  if (!t) return null;
  return CURRENCY_TOKENS[t.toLowerCase()] ?? null;
}

function findCapitalAmount(s: string): FoundAmount | null {
  CAPITAL_RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CAPITAL_RUN.exec(s)) !== null) {
    const run = m[2]!;
    // plain lower-case numerals appear in prose (一张发票); demand a real 大写 digit/unit or 元
    if (!/[壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億元圆圓]/u.test(run)) continue;
    const cents = parseChineseCapital(run);
    if (cents === null) continue;
    const currency = m[1] === "美元" ? "USD" : m[1] === "人民币" || /[元圆圓]/u.test(run) ? "CNY" : null;
    return { value: centsToDecimal(cents), currency, start: m.index, end: m.index + m[0].length };
  }
  return null;
}

const DIGIT: Record<string, number> = {
  零: 0, 〇: 0, 壹: 1, 一: 1, 贰: 2, 貳: 2, 二: 2, 两: 2, 兩: 2, 叁: 3, 參: 3, 三: 3, 肆: 4, 四: 4, 伍: 5, 五: 5,
  陆: 6, 陸: 6, 六: 6, 柒: 7, 七: 7, 捌: 8, 八: 8, 玖: 9, 九: 9,
};
const SMALL_UNIT: Record<string, bigint> = { 拾: 10n, 十: 10n, 佰: 100n, 百: 100n, 仟: 1000n, 千: 1000n };

/**
 * Parses Chinese capital numerals for money (壹万零陆佰元整, 贰拾壹万贰仟元伍角陆分, 叁仟元) into cents.
 * Returns null for anything malformed (units out of order, two digits in a row, nothing after 元 that
 * is a 角/分, …).
 */
export function parseChineseCapital(input: string): bigint | null {
  const s = input.replace(/\s+/g, "");
  if (!s) return null;
  const yuanAt = s.search(/[元圆圓]/u);
  let intPart = yuanAt >= 0 ? s.slice(0, yuanAt) : s;
  let fracPart = yuanAt >= 0 ? s.slice(yuanAt + 1) : "";
  // "伍角" alone (no 元): the whole thing is the fraction
  if (yuanAt < 0 && /[角分]/u.test(s)) {
    intPart = "";
    fracPart = s;
  }
  // an empty integer part is only fine for a bare fraction (伍角); "元整" alone is no amount
  const int = intPart === "" ? (yuanAt < 0 ? 0n : null) : parseChineseInteger(intPart);
  if (int === null) return null;
  const frac = parseFraction(fracPart);
  if (frac === null) return null;
  if (intPart === "" && frac === 0n) return null;
  return int * 100n + frac;
}

/** lastUnit after 万/亿: any small unit may follow, but a lone digit needs a 零 (壹万伍 is ambiguous). */
const AFTER_BIG_UNIT = 10001n;

function parseChineseInteger(s: string): bigint | null {
  let total = 0n; // completed 亿 groups
  let wan = 0n; // completed 万 group inside the current 亿 group
  let section = 0n; // below 10,000
  let digit: number | null = null;
  let lastUnit = 10000n; // units within a section must decrease
  let sawWan = false;
  let sawYi = false;
  let any = false;
  let zeroPending = false;
  // A digit left over after 佰/仟 without a 零 in between (壹佰伍) is colloquial shorthand for 150,
  // not 105: refuse it rather than guess.
  const trailingOk = () => digit === null || lastUnit === 10000n || lastUnit === 10n || zeroPending;
  for (const ch of s) {
    if (ch in DIGIT) {
      const d = DIGIT[ch]!;
      if (d === 0) {
        if (digit !== null) return null; // "壹零" is not a capital amount
        zeroPending = true;
        continue;
      }
      if (digit !== null) return null;
      digit = d;
      any = true;
      continue;
    }
    const unit = SMALL_UNIT[ch];
    if (unit !== undefined) {
      if (unit >= lastUnit) return null;
      let d = digit;
      if (d === null) {
        // 拾 at the very start means ten (拾万, 拾元)
        if (unit === 10n && section === 0n && !zeroPending) d = 1;
        else return null;
      }
      section += BigInt(d) * unit;
      digit = null;
      lastUnit = unit;
      zeroPending = false;
      any = true;
      continue;
    }
    if (ch === "万" || ch === "萬") {
      if (sawWan || !trailingOk()) return null;
      section += BigInt(digit ?? 0);
      if (section === 0n) return null;
      wan = section * 10000n;
      section = 0n;
      digit = null;
      lastUnit = AFTER_BIG_UNIT;
      sawWan = true;
      zeroPending = false;
      continue;
    }
    if (ch === "亿" || ch === "億") {
      if (sawYi || !trailingOk()) return null;
      const v = wan + section + BigInt(digit ?? 0);
      if (v === 0n) return null;
      total = v * 100000000n;
      wan = 0n;
      section = 0n;
      digit = null;
      lastUnit = AFTER_BIG_UNIT;
      sawWan = false;
      sawYi = true;
      zeroPending = false;
      continue;
    }
    return null;
  }
  if (!any && !zeroPending) return null;
  if (!trailingOk()) return null;
  return total + wan + section + BigInt(digit ?? 0);
}

function parseFraction(s: string): bigint | null {
  let rest = s.replace(/^[零〇]/u, "");
  if (rest === "" || rest === "整" || rest === "正") return 0n;
  let cents = 0n;
  const jiao = /^([零〇壹贰貳叁參肆伍陆陸柒捌玖一二两兩三四五六七八九])角/u.exec(rest);
  if (jiao) {
    cents += BigInt(DIGIT[jiao[1]!]!) * 10n;
    rest = rest.slice(jiao[0].length).replace(/^[零〇]/u, "");
  }
  const fen = /^([零〇壹贰貳叁參肆伍陆陸柒捌玖一二两兩三四五六七八九])分/u.exec(rest);
  if (fen) {
    cents += BigInt(DIGIT[fen[1]!]!);
    rest = rest.slice(fen[0].length);
  }
  return rest === "" || rest === "整" || rest === "正" ? cents : null;
}

/**
 * Parses a tax rate ("6%", "6 %", "６％", "0.06", "13.5%") into a decimal fraction string ("0.06").
 */
export function parseTaxRate(text: string): string | null {
  const s = foldWidth(text);
  const pct = /(?<![0-9.])(\d{1,2}(?:\.\d{1,4})?)\s*%/.exec(s);
  if (pct) return percentToFraction(pct[1]!);
  const frac = /(?<![0-9.])(0\.\d{1,6})(?![0-9])/.exec(s);
  if (frac) return trimZeros(frac[1]!);
  return null;
}

function percentToFraction(p: string): string {
  const [i, f = ""] = p.split(".");
  const digits = (i! + f).replace(/^0+/, "");
  const scale = f.length + 2;
  if (digits === "") return "0";
  const padded = digits.padStart(scale + 1, "0");
  return trimZeros(`${padded.slice(0, -scale)}.${padded.slice(-scale)}`);
}

function trimZeros(d: string): string {
  if (!d.includes(".")) return d;
  const t = trimEndWhere(d, (c) => c === "0").replace(/\.$/, "");
  return t === "" ? "0" : t;
}
