import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findDates, findDeadline, findQuarter, parseBillingPeriod, parseDate, statedSlashOrder } from "../../../shared/email/dates.ts";
import { resolveEmailConfig } from "../../../shared/email/config.ts";

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const p2 = (n: number) => String(n).padStart(2, "0");
const keywords = resolveEmailConfig().deadlineKeywords;

const ymd = fc.record({ y: fc.integer({ min: 2000, max: 2099 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) });
const iso = ({ y, m, d }: { y: number; m: number; d: number }) => `${y}-${p2(m)}-${p2(d)}`;

const DATE_STYLES: [string, (x: { y: number; m: number; d: number }) => string][] = [
  ["ISO", (x) => iso(x)],
  ["slashes Y/M/D", ({ y, m, d }) => `${y}/${m}/${d}`],
  ["dots", ({ y, m, d }) => `${y}.${p2(m)}.${p2(d)}`],
  ["年月日", ({ y, m, d }) => `${y}年${m}月${d}日`],
  ["年月日 padded, full-width", ({ y, m, d }) => `${y}年${p2(m)}月${p2(d)}日`.replace(/\d/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))],
  ["D Month YYYY", ({ y, m, d }) => `${d} ${MONTH_NAMES[m - 1]} ${y}`],
  ["D Mon YYYY", ({ y, m, d }) => `${d} ${MONTH_NAMES[m - 1]!.slice(0, 3)} ${y}`],
  ["Month D, YYYY", ({ y, m, d }) => `${MONTH_NAMES[m - 1]} ${d}, ${y}`],
  ["DD/MM/YYYY", ({ y, m, d }) => `${p2(d)}/${p2(m)}/${y}`],
];

describe("dates", () => {
  for (const [name, fmt] of DATE_STYLES) {
    it(`${name}: format then parse gives the date`, () => {
      fc.assert(
        fc.property(ymd, (x) => {
          expect(parseDate(`请在${fmt(x)}之前`, "dmy")).toBe(iso(x));
        }),
        { numRuns: 200 },
      );
    });
  }

  it("slash dates: unambiguous either way, ambiguous ones follow the order", () => {
    expect(parseDate("13/04/2025", "mdy")).toBe("2025-04-13");
    expect(parseDate("04/13/2025", "dmy")).toBe("2025-04-13");
    expect(parseDate("03/04/2025", "dmy")).toBe("2025-04-03");
    expect(parseDate("03/04/2025", "mdy")).toBe("2025-03-04");
    expect(statedSlashOrder("Deadline (dd/mm/yyyy): 03/04/2025")).toBe("dmy");
    expect(statedSlashOrder("Due (MM/DD/YYYY)")).toBe("mdy");
    expect(statedSlashOrder("nothing")).toBeNull();
  });

  it("rejects impossible dates", () => {
    expect(parseDate("2025-02-30")).toBeNull();
    expect(parseDate("2024-02-29")).toBe("2024-02-29");
    expect(findDates("2025-13-01 and 31 April 2025")).toEqual([]);
  });
});

describe("billing periods", () => {
  it.each([
    ["2025年01月 至 2025年03月", "2025-01", "2025-03"],
    ["2025年03月", "2025-03", "2025-03"],
    ["2025-03", "2025-03", "2025-03"],
    ["2025年1-3月", "2025-01", "2025-03"],
    ["Jan 2025 - Mar 2025", "2025-01", "2025-03"],
    ["March 2025", "2025-03", "2025-03"],
    ["2025年第一季度", "2025-01", "2025-03"],
    ["2025年第4季度", "2025-10", "2025-12"],
    ["Q2 2025", "2025-04", "2025-06"],
    ["2025Q3", "2025-07", "2025-09"],
    ["202503", "2025-03", "2025-03"],
    ["2025-01-01 ~ 2025-03-31", "2025-01", "2025-03"],
    ["2024年12月 至 2025年02月", "2024-12", "2025-02"],
  ])("%s", (text, from, to) => {
    expect(parseBillingPeriod(text)).toEqual({ from, to });
  });

  it("none in text without a month", () => {
    expect(parseBillingPeriod("按月结算")).toBeNull();
    expect(findQuarter("专职人员激励 2025年第二季度 付款申请")).toEqual({ from: "2025-04", to: "2025-06" });
  });

  it("property: any month range in several styles", () => {
    const range = fc
      .record({ y: fc.integer({ min: 2000, max: 2099 }), a: fc.integer({ min: 1, max: 12 }), b: fc.integer({ min: 1, max: 12 }) })
      .map(({ y, a, b }) => ({ y, a: Math.min(a, b), b: Math.max(a, b) }));
    const styles = [
      ({ y, a, b }: { y: number; a: number; b: number }) => `${y}年${p2(a)}月 至 ${y}年${p2(b)}月`,
      ({ y, a, b }: { y: number; a: number; b: number }) => `${y}-${p2(a)} ~ ${y}-${p2(b)}`,
      ({ y, a, b }: { y: number; a: number; b: number }) => `${MONTH_NAMES[a - 1]!.slice(0, 3)} ${y} - ${MONTH_NAMES[b - 1]!.slice(0, 3)} ${y}`,
      ({ y, a, b }: { y: number; a: number; b: number }) => `${y}年${a}-${b}月`,
      ({ y, a, b }: { y: number; a: number; b: number }) => `${y}/${a} 到 ${y}/${b}`,
    ];
    fc.assert(
      fc.property(range, fc.constantFrom(...styles), (r, fmt) => {
        expect(parseBillingPeriod(fmt(r))).toEqual({ from: `${r.y}-${p2(r.a)}`, to: `${r.y}-${p2(r.b)}` });
      }),
      { numRuns: 500 },
    );
  });
});

describe("deadlines", () => {
  it("takes the date a deadline keyword points at, not other dates", () => {
    const text = "贵司于2025-04-16提交的激励发放申请已完成。\n对账期次：2025年01月\n请在2025-05-18之前完成开票并寄出。";
    expect(findDeadline(text, keywords)).toBe("2025-05-18");
    expect(findDeadline("Please submit them no later than 18 May 2025.", keywords)).toBe("2025-05-18");
    expect(findDeadline("截止日期：2025年6月30日", keywords)).toBe("2025-06-30");
    expect(findDeadline("发票须于 2025/07/01 前寄达", keywords)).toBe("2025-07-01");
    expect(findDeadline("Deadline: 05/06/2025", keywords, "dmy")).toBe("2025-06-05");
    expect(findDeadline("Your request of 2025-04-16 was approved by HUAWEI CLOUD.", keywords)).toBeNull();
    expect(findDeadline("approved by the board on 2025-04-16", keywords)).toBeNull();
  });

  it("property: a keyword before the date finds it wherever it is", () => {
    fc.assert(
      fc.property(ymd, fc.constantFrom(...keywords.before), fc.constantFrom(...DATE_STYLES), (x, kw, [, fmt]) => {
        const text = `贵司于2024-01-02提交。\n${/^[\x20-\x7e]+$/.test(kw) ? `Please send it ${kw} ` : kw}${fmt(x)}。`;
        expect(findDeadline(text, keywords, "dmy")).toBe(iso(x));
      }),
      { numRuns: 400 },
    );
  });
});
