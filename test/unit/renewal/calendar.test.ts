import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InvalidTimeZoneError,
  calendarDaysBetween,
  formatLocalDateTime,
  formatUtcOffset,
  formatUtcTime,
  isValidTimeZone,
  localDateString,
  parseUtcTime,
} from "../../../shared/renewal/calendar.ts";

const ZONES = [
  "Asia/Shanghai",
  "UTC",
  "Etc/GMT+12", // UTC-12 (POSIX sign convention)
  "Pacific/Kiritimati", // UTC+14
  "America/New_York",
  "Europe/London",
  "Asia/Kathmandu", // +05:45
  "Australia/Lord_Howe", // 30-minute DST shift
  "America/St_Johns", // -03:30 / -02:30
];

/** Independent oracle: the en-CA locale formats dates as YYYY-MM-DD. */
function oracleDate(ms: number, tz: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}
const dayIndex = (ymd: string) => Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(5, 7)) - 1, Number(ymd.slice(8, 10))) / 86_400_000;

const T = (s: string) => Date.parse(s);

describe("calendar days in a time zone", () => {
  it("Shanghai: 2026-03-01T15:59:59Z is still 1 March locally, one second later it is 2 March", () => {
    expect(localDateString(T("2026-03-01T15:59:59Z"), "Asia/Shanghai")).toBe("2026-03-01");
    expect(localDateString(T("2026-03-01T16:00:00Z"), "Asia/Shanghai")).toBe("2026-03-02");
    const expiry = T("2026-03-01T15:59:59Z");
    // Run at local midnight of 1 March (16:00Z the day before): expires today.
    expect(calendarDaysBetween(T("2026-02-28T16:00:00Z"), expiry, "Asia/Shanghai")).toBe(0);
    // One second earlier it is still 28 Feb locally: expires tomorrow.
    expect(calendarDaysBetween(T("2026-02-28T15:59:59Z"), expiry, "Asia/Shanghai")).toBe(1);
    // In UTC the same pair is "today" for both runs' dates 28 Feb → 1 Mar = 1 day.
    expect(calendarDaysBetween(T("2026-02-28T16:00:00Z"), expiry, "UTC")).toBe(1);
  });

  it("UTC-12 and UTC+14 see different dates for the same instant", () => {
    const t = T("2026-03-01T11:00:00Z");
    expect(localDateString(t, "Pacific/Kiritimati")).toBe("2026-03-02");
    expect(localDateString(t, "Etc/GMT+12")).toBe("2026-02-28");
    expect(formatUtcOffset(t, "Pacific/Kiritimati")).toBe("UTC+14:00");
    expect(formatUtcOffset(t, "Etc/GMT+12")).toBe("UTC-12:00");
  });

  it("New York DST: calendar days, not 24-hour slices", () => {
    // 2026-03-07 12:00 EST (17:00Z) → 2026-03-09 00:30 EDT (04:30Z): 35.5 hours but two calendar days.
    expect(calendarDaysBetween(T("2026-03-07T17:00:00Z"), T("2026-03-09T04:30:00Z"), "America/New_York")).toBe(2);
    expect(formatUtcOffset(T("2026-03-07T17:00:00Z"), "America/New_York")).toBe("UTC-05:00");
    expect(formatUtcOffset(T("2026-03-09T04:30:00Z"), "America/New_York")).toBe("UTC-04:00");
    expect(formatLocalDateTime(T("2026-03-09T04:30:00Z"), "America/New_York")).toBe("2026-03-09 00:30");
    // Autumn: 2026-11-01 has 25 hours; 23:30 local that day is still 1 November.
    expect(localDateString(T("2026-11-02T04:30:00Z"), "America/New_York")).toBe("2026-11-01");
  });

  it("matches an independent Intl oracle for any instant and zone (incl. offset-cache reuse)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: T("2020-01-01T00:00:00Z"), max: T("2040-01-01T00:00:00Z") }),
        fc.integer({ min: T("2020-01-01T00:00:00Z"), max: T("2040-01-01T00:00:00Z") }),
        fc.constantFrom(...ZONES),
        (a, b, tz) => {
          expect(localDateString(a, tz)).toBe(oracleDate(a, tz));
          expect(calendarDaysBetween(a, b, tz)).toBe(dayIndex(oracleDate(b, tz)) - dayIndex(oracleDate(a, tz)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("is exact around every DST transition second (offset cache boundaries)", () => {
    // Lord Howe moves by 30 minutes at 02:00 local; New York at 02:00 local; check ±1 s and ±1 min.
    const transitions = [
      ["America/New_York", "2026-03-08T07:00:00Z"],
      ["America/New_York", "2026-11-01T06:00:00Z"],
      ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
      ["Australia/Lord_Howe", "2026-10-03T15:30:00Z"],
      ["Europe/London", "2026-03-29T01:00:00Z"],
    ] as const;
    for (const [tz, iso] of transitions) {
      for (const d of [-60_000, -1000, 0, 1000, 60_000]) {
        const t = T(iso) + d;
        expect(localDateString(t, tz), `${tz} ${iso} ${d}`).toBe(oracleDate(t, tz));
        expect(formatLocalDateTime(t, tz)).toBe(
          new Intl.DateTimeFormat("sv-SE", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(t),
        );
      }
    }
  });

  it("validates zones", () => {
    expect(isValidTimeZone("Asia/Shanghai")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(() => localDateString(0, "Mars/Olympus")).toThrow(InvalidTimeZoneError);
  });

  it("parses BSS UTC times strictly and formats them back", () => {
    expect(parseUtcTime("2026-03-01T15:59:59Z")).toBe(T("2026-03-01T15:59:59Z"));
    expect(parseUtcTime("2026-02-30T00:00:00Z")).toBeNaN();
    expect(parseUtcTime("2026-03-01T24:00:00Z")).toBeNaN();
    expect(parseUtcTime("2026-03-01 15:59:59Z")).toBeNaN();
    expect(parseUtcTime("2026-03-01T15:59:59.000Z")).toBeNaN();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: T("2099-12-31T23:59:59Z") / 1000 }), (s) => {
        expect(parseUtcTime(formatUtcTime(s * 1000))).toBe(s * 1000);
      }),
    );
  });
});
