/**
 * AWS schedule expressions → something croner (or a timer) can run. Pure.
 *
 * rate(value unit): unit minute|minutes|hour|hours|day|days, singular only for 1 (AWS rule).
 * cron(Minutes Hours Day-of-month Month Day-of-week Year), always UTC unless a timezone is given
 * (EventBridge Scheduler):
 *   - exactly one of Day-of-month / Day-of-week is `?`;
 *   - Day-of-week counts 1–7 = SUN–SAT (Quartz numbering), names SUN–SAT;
 *   - `L` (last day of month; in Day-of-week alone = Saturday, `nL` = last weekday n of the month),
 *     `W` (nearest weekday, `15W`, `LW`), `#` (`6#3` = third Friday), `a/b` start/step, ranges, lists;
 *   - Year 1970–2199.
 * The result is a 7-field croner pattern (seconds … year) with numbers only, run with
 * `alternativeWeekdays: true` (Quartz weekday numbers) and `domAndDow: false`.
 */

export class ScheduleError extends Error {
  override name = "ScheduleError";
}

export type Schedule =
  | { kind: "rate"; everyMs: number; expression: string }
  | { kind: "cron"; pattern: string; timezone: string; expression: string };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[]; // names[i] ↔ min + i
}

const FIELDS: FieldSpec[] = [
  { name: "Minutes", min: 0, max: 59 },
  { name: "Hours", min: 0, max: 23 },
  { name: "Day-of-month", min: 1, max: 31 },
  { name: "Month", min: 1, max: 12, names: MONTHS },
  { name: "Day-of-week", min: 1, max: 7, names: DAYS },
  { name: "Year", min: 1970, max: 2199 },
];

function value(token: string, spec: FieldSpec, expr: string): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  const n = named >= 0 ? spec.min + named : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
    throw new ScheduleError(`${expr}: ${spec.name} value "${token}" is outside ${spec.min}–${spec.max}`);
  }
  return n;
}

/** One comma-separated item of a plain field (no L/W/#): *, n, a-b, a/b, a-b/c, * /c. */
function convertItem(item: string, spec: FieldSpec, expr: string): string {
  const [range, step, extra] = item.split("/");
  if (extra !== undefined || range === undefined || range === "") throw new ScheduleError(`${expr}: bad ${spec.name} item "${item}"`);
  let stepText = "";
  if (step !== undefined) {
    if (!/^\d+$/.test(step) || Number(step) < 1) throw new ScheduleError(`${expr}: ${spec.name} step "${step}" must be a positive integer`);
    stepText = `/${Number(step)}`;
  }
  if (range === "*") return `*${stepText}`;
  const dash = range.split("-");
  if (dash.length === 2) {
    const a = value(dash[0]!, spec, expr);
    const b = value(dash[1]!, spec, expr);
    if (a > b) throw new ScheduleError(`${expr}: ${spec.name} range ${range} runs backwards`);
    return `${a}-${b}${stepText}`;
  }
  if (dash.length !== 1) throw new ScheduleError(`${expr}: bad ${spec.name} range "${range}"`);
  const a = value(range, spec, expr);
  // AWS/Quartz "a/b" means from a to the end, every b.
  return stepText ? `${a}-${spec.max}${stepText}` : String(a);
}

function convertList(field: string, spec: FieldSpec, expr: string): string {
  if (field.includes("?")) throw new ScheduleError(`${expr}: "?" is only allowed in Day-of-month or Day-of-week`);
  return field
    .split(",")
    .map((item) => convertItem(item, spec, expr))
    .join(",");
}

function convertDayOfMonth(field: string, expr: string): string {
  const spec = FIELDS[2]!;
  if (field === "?") return "*";
  if (field === "L" || field === "LW") return field;
  const w = /^(\d{1,2})W$/.exec(field);
  if (w) return `${value(w[1]!, spec, expr)}W`;
  if (/[LW#]/i.test(field)) throw new ScheduleError(`${expr}: Day-of-month "${field}" — L and W are only allowed alone ("L", "LW", "15W")`);
  return convertList(field, spec, expr);
}

function convertDayOfWeek(field: string, expr: string): string {
  const spec = FIELDS[4]!;
  if (field === "?") return "*";
  if (field.toUpperCase() === "L") return "7"; // last day of the week = Saturday
  const last = /^([A-Za-z]{3}|\d)L$/.exec(field);
  if (last) return `${value(last[1]!, spec, expr)}#L`;
  const nth = /^([A-Za-z]{3}|\d)#([1-5])$/.exec(field);
  if (nth) return `${value(nth[1]!, spec, expr)}#${nth[2]}`;
  if (/[L#]/i.test(field)) {
    throw new ScheduleError(`${expr}: Day-of-week "${field}" — use "L", "nL" or "n#k" alone`);
  }
  return convertList(field, spec, expr);
}

export function parseRate(expression: string): number {
  const m = /^rate\(\s*(\d+)\s+([a-z]+)\s*\)$/.exec(expression.trim());
  if (!m) throw new ScheduleError(`${expression}: expected rate(<value> <minute|minutes|hour|hours|day|days>)`);
  const n = Number(m[1]);
  const unit = m[2]!;
  const singular = unit.endsWith("s") ? unit.slice(0, -1) : unit;
  const ms = UNIT_MS[singular];
  if (ms === undefined) throw new ScheduleError(`${expression}: unit must be minute(s), hour(s) or day(s)`);
  if (n < 1) throw new ScheduleError(`${expression}: the value must be a positive integer`);
  if ((n === 1) !== (unit === singular)) throw new ScheduleError(`${expression}: AWS wants "1 ${singular}" but "${n} ${singular}s"`);
  return n * ms;
}

/** cron(...) body → croner 7-field pattern. */
export function awsCronToCroner(expression: string): string {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) throw new ScheduleError(`${expression}: expected cron(Minutes Hours Day-of-month Month Day-of-week Year)`);
  const fields = m[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new ScheduleError(`${expression}: AWS cron has 6 fields, found ${fields.length}`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === "?") === (dow === "?")) {
    throw new ScheduleError(`${expression}: exactly one of Day-of-month and Day-of-week must be "?"`);
  }
  return [
    "0",
    convertList(min, FIELDS[0]!, expression),
    convertList(hour, FIELDS[1]!, expression),
    convertDayOfMonth(dom, expression),
    convertList(month, FIELDS[3]!, expression),
    convertDayOfWeek(dow, expression),
    convertList(year, FIELDS[5]!, expression),
  ].join(" ");
}

export function parseSchedule(expression: string, timezone = "UTC"): Schedule {
  const e = expression.trim();
  if (e.startsWith("rate(")) return { kind: "rate", everyMs: parseRate(e), expression: e };
  if (e.startsWith("cron(")) return { kind: "cron", pattern: awsCronToCroner(e), timezone, expression: e };
  if (e.startsWith("at(")) throw new ScheduleError(`${expression}: one-time at() schedules are not run by the embedded engine`);
  throw new ScheduleError(`${expression}: expected rate(...) or cron(...)`);
}

/** croner options that give the converted pattern AWS semantics. */
export function cronerOptions(schedule: Extract<Schedule, { kind: "cron" }>) {
  return { timezone: schedule.timezone, alternativeWeekdays: true, domAndDow: false, mode: "7-part" as const };
}
