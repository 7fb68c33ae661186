import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { awsCronToCroner, cronerOptions, parseRate, parseSchedule, ScheduleError } from "../../../local/engine/schedule.ts";

/**
 * Independent oracle: AWS cron semantics evaluated directly on UTC calendar fields, from the AWS
 * documentation's rules (1–7 = SUN–SAT, L/W/#, a/b steps, one of DOM/DOW is "?").
 */
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
function num(t: string, names?: string[], base = 0): number {
  const i = names?.indexOf(t.toUpperCase()) ?? -1;
  return i >= 0 ? i + base : Number(t);
}
function inSet(field: string, v: number, min: number, max: number, names?: string[]): boolean {
  if (field === "*" || field === "?") return true;
  return field.split(",").some((item) => {
    const [range, stepText] = item.split("/");
    const step = stepText ? Number(stepText) : 1;
    let lo: number;
    let hi: number;
    if (range === "*") [lo, hi] = [min, max];
    else if (range!.includes("-")) [lo, hi] = range!.split("-").map((x) => num(x, names, min)) as [number, number];
    else [lo, hi] = [num(range!, names, min), stepText ? max : num(range!, names, min)];
    return v >= lo && v <= hi && (v - lo) % step === 0;
  });
}
function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
function domMatches(f: string, d: Date): boolean {
  const y = d.getUTCFullYear(), m = d.getUTCMonth() + 1, day = d.getUTCDate(), last = daysIn(y, m);
  const wd = (x: number) => new Date(Date.UTC(y, m - 1, x)).getUTCDay();
  const nearestWeekday = (target: number) => {
    const w = wd(target);
    if (w >= 1 && w <= 5) return target;
    if (w === 6) return target === 1 ? 3 : target - 1;
    return target === last ? target - 2 : target + 1;
  };
  if (f === "L") return day === last;
  if (f === "LW") return day === nearestWeekday(last);
  const w = /^(\d+)W$/.exec(f);
  if (w) return Number(w[1]) <= last && day === nearestWeekday(Number(w[1]));
  return inSet(f, day, 1, 31);
}
function dowMatches(f: string, d: Date): boolean {
  const q = d.getUTCDay() + 1; // 1 = SUN
  if (f === "L") return q === 7;
  const l = /^(\w+)L$/.exec(f);
  if (l) return q === num(l[1]!, DAYS, 1) && d.getUTCDate() + 7 > daysIn(d.getUTCFullYear(), d.getUTCMonth() + 1);
  const n = /^(\w+)#(\d)$/.exec(f);
  if (n) return q === num(n[1]!, DAYS, 1) && Math.ceil(d.getUTCDate() / 7) === Number(n[2]);
  return inSet(f, q, 1, 7, DAYS);
}
function oracleNext(expr: string, from: Date, horizonDays: number): Date | undefined {
  const [mi, ho, dom, mo, dow, yr] = expr.slice(5, -1).split(" ") as [string, string, string, string, string, string];
  const start = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (let dayOffset = 0; dayOffset <= horizonDays; dayOffset++) {
    const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + dayOffset));
    if (!inSet(yr, day.getUTCFullYear(), 1970, 2199)) continue;
    if (!inSet(mo, day.getUTCMonth() + 1, 1, 12, MONTHS)) continue;
    if (!(dom === "?" ? dowMatches(dow, day) : domMatches(dom, day))) continue;
    for (let h = 0; h < 24; h++) {
      if (!inSet(ho, h, 0, 23)) continue;
      for (let m = 0; m < 60; m++) {
        if (!inSet(mi, m, 0, 59)) continue;
        const t = new Date(day.getTime() + h * 3_600_000 + m * 60_000);
        if (t >= start) return t;
      }
    }
  }
  return undefined;
}

function cronerNext(expr: string, from: Date): Date | undefined {
  const s = parseSchedule(expr);
  if (s.kind !== "cron") throw new Error("not cron");
  return new Cron(s.pattern, { ...cronerOptions(s), paused: true }).nextRun(from) ?? undefined;
}

const item = (min: number, max: number, names?: string[]) =>
  fc.oneof(
    fc.integer({ min, max }).map(String),
    fc.integer({ min, max }).chain((a) => fc.integer({ min: a, max }).map((b) => `${a}-${b}`)),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: Math.max(1, max - min) })).map(([a, s]) => `${a}/${s}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
    ...(names ? [fc.integer({ min: 0, max: names.length - 1 }).map((i) => names[i]!)] : []),
  );
const list = (min: number, max: number, names?: string[]) =>
  fc.oneof({ weight: 1, arbitrary: fc.constant("*") }, { weight: 4, arbitrary: fc.array(item(min, max, names), { minLength: 1, maxLength: 3 }).map((a) => a.join(",")) });
const domField = fc.oneof(list(1, 31), fc.constantFrom("L", "LW"), fc.integer({ min: 1, max: 31 }).map((d) => `${d}W`));
const dowField = fc.oneof(
  list(1, 7, DAYS),
  fc.constant("L"),
  fc.oneof(fc.integer({ min: 1, max: 7 }).map(String), fc.constantFrom(...DAYS)).map((d) => `${d}L`),
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 7 }).map(String), fc.constantFrom(...DAYS)), fc.integer({ min: 1, max: 4 })).map(([d, n]) => `${d}#${n}`),
);
const yearField = fc.oneof(fc.constant("*"), fc.integer({ min: 2026, max: 2031 }).chain((a) => fc.integer({ min: a, max: 2031 }).map((b) => `${a}-${b}`)));
const awsCron = fc
  .tuple(list(0, 59), list(0, 23), fc.boolean(), domField, list(1, 12, MONTHS), dowField, yearField)
  .map(([mi, ho, useDom, dom, mo, dow, yr]) => `cron(${mi} ${ho} ${useDom ? dom : "?"} ${mo} ${useDom ? "?" : dow} ${yr})`);

describe("AWS cron → croner", () => {
  it("agrees with an independent evaluation of AWS semantics on the next run (property)", () => {
    fc.assert(
      fc.property(awsCron, fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }), (expr, from) => {
        const expected = oracleNext(expr, from, 366 * 6);
        const actual = cronerNext(expr, from);
        expect(actual?.toISOString(), expr).toBe(expected?.toISOString());
      }),
      { numRuns: 300 },
    );
  });

  it("converts documented examples", () => {
    expect(awsCronToCroner("cron(0 10 * * ? *)")).toBe("0 0 10 * * * *");
    expect(awsCronToCroner("cron(15 12 * * ? *)")).toBe("0 15 12 * * * *");
    expect(awsCronToCroner("cron(0 18 ? * MON-FRI *)")).toBe("0 0 18 * * 2-6 *");
    expect(awsCronToCroner("cron(0 8 1 * ? *)")).toBe("0 0 8 1 * * *");
    expect(awsCronToCroner("cron(0/15 * * * ? *)")).toBe("0 0-59/15 * * * * *");
    expect(awsCronToCroner("cron(0/10 * ? * MON-FRI *)")).toBe("0 0-59/10 * * * 2-6 *");
    expect(awsCronToCroner("cron(0/5 8-17 ? * MON-FRI *)")).toBe("0 0-59/5 8-17 * * 2-6 *");
    expect(awsCronToCroner("cron(0 9 ? * 2#1 *)")).toBe("0 0 9 * * 2#1 *");
    expect(awsCronToCroner("cron(0 12 ? * 6L 2027-2029)")).toBe("0 0 12 * * 6#L 2027-2029");
    expect(awsCronToCroner("cron(0 1 ? JAN,JUL SUN 2026)")).toBe("0 0 1 * 1,7 1 2026");
  });

  it("runs weekday 1 on Sundays and weekday 7 on Saturdays (Quartz numbering)", () => {
    const sun = cronerNext("cron(0 8 ? * 1 *)", new Date("2026-11-24T00:00:00Z"))!;
    const sat = cronerNext("cron(0 8 ? * 7 *)", new Date("2026-11-24T00:00:00Z"))!;
    expect(sun.getUTCDay()).toBe(0);
    expect(sat.getUTCDay()).toBe(6);
  });

  it("honours the year field (no run after the last year)", () => {
    expect(cronerNext("cron(0 0 1 1 ? 2027)", new Date("2027-06-01T00:00:00Z"))).toBeUndefined();
    expect(cronerNext("cron(0 0 1 1 ? 2027)", new Date("2026-06-01T00:00:00Z"))?.toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("rejects what AWS rejects", () => {
    for (const bad of [
      "cron(0 10 * * * *)", // both DOM and DOW given
      "cron(0 10 ? * ? *)", // neither
      "cron(0 10 * * ?)", // 5 fields
      "cron(60 10 * * ? *)",
      "cron(0 24 * * ? *)",
      "cron(0 0 32 * ? *)",
      "cron(0 0 ? * 8 *)",
      "cron(0 0 ? * 0 *)",
      "cron(0 0 ? 13 * *)",
      "cron(0 0 * * ? 1969)",
      "cron(0 0 5-1 * ? *)",
      "cron(0 0 L-2 * ? *)",
      "cron(0 0 ? * 2#6 *)",
      "cron(? 0 * * ? *)",
      "cron(0/0 0 * * ? *)",
      "cron(0 0 * FOO ? *)",
    ]) {
      expect(() => awsCronToCroner(bad), bad).toThrow(ScheduleError);
    }
  });
});

describe("AWS rate()", () => {
  it("converts units and enforces singular/plural like AWS", () => {
    expect(parseRate("rate(1 minute)")).toBe(60_000);
    expect(parseRate("rate(5 minutes)")).toBe(300_000);
    expect(parseRate("rate(1 hour)")).toBe(3_600_000);
    expect(parseRate("rate(2 days)")).toBe(172_800_000);
    for (const bad of ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 seconds)", "rate(-1 minutes)", "rate(1.5 hours)", "rate(minutes)"]) {
      expect(() => parseRate(bad), bad).toThrow(ScheduleError);
    }
  });

  it("property: rate(n unit) is n times the unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(["minute", 60_000], ["hour", 3_600_000], ["day", 86_400_000]), (n, [unit, ms]) => {
        const expr = `rate(${n} ${n === 1 ? unit : `${unit}s`})`;
        const s = parseSchedule(expr);
        expect(s).toEqual({ kind: "rate", everyMs: n * (ms as number), expression: expr });
      }),
    );
  });

  it("refuses at() and unknown forms", () => {
    expect(() => parseSchedule("at(2026-01-01T00:00:00)")).toThrow(/not run/);
    expect(() => parseSchedule("every 5 minutes")).toThrow(ScheduleError);
  });
});
