/**
 * Calendar-day arithmetic in an IANA time zone, with nothing but `Intl` (no Temporal, no dependency).
 *
 * "Days left" for a reminder is a difference of local calendar dates (the customer's wall calendar), not
 * a number of 24-hour slices: a resource expiring at 2026-03-01T15:59:59Z expires on 2026-03-01 in
 * Asia/Shanghai (23:59:59 local), one second later it would be 2026-03-02.
 *
 * Offsets are cached per UTC day, and per 15-minute bucket on days with a DST transition. That is exact
 * for every zone in use today: all current UTC offsets are whole multiples of 15 minutes and transitions
 * happen on the hour or half hour local time, so a transition instant is always a 15-minute boundary in
 * UTC, and no zone changes offset twice within a day. (Pre-1970 local mean times such as +08:05:43
 * would break this, and they never occur for cloud resources.)
 */

export const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;

export class InvalidTimeZoneError extends RangeError {
  constructor(timeZone: string) {
    super(`unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name such as Asia/Shanghai)`);
    this.name = "InvalidTimeZoneError";
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
        era: "short",
      });
    } catch {
      throw new InvalidTimeZoneError(timeZone);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock fields of `epochMs` in `timeZone` (uncached; use for display). */
export function localParts(epochMs: number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const p of formatter(timeZone).formatToParts(epochMs)) {
    switch (p.type) {
      case "year":
        out.year = Number(p.value);
        break;
      case "month":
        out.month = Number(p.value);
        break;
      case "day":
        out.day = Number(p.value);
        break;
      case "hour":
        out.hour = Number(p.value);
        break;
      case "minute":
        out.minute = Number(p.value);
        break;
      case "second":
        out.second = Number(p.value);
        break;
      case "era":
        bc = p.value === "BC";
        break;
    }
  }
  if (bc) out.year = 1 - out.year;
  return out;
}

function exactOffsetAt(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - epochMs;
}

/** Per zone: UTC day → offset, or NaN when the offset changes during that day (DST transition). */
const dayOffsetCache = new Map<string, Map<number, number>>();
/** Per zone: 15-minute bucket → offset, only for days with a transition. */
const bucketOffsetCache = new Map<string, Map<number, number>>();

function zoneMap(cache: Map<string, Map<number, number>>, timeZone: string): Map<number, number> {
  let m = cache.get(timeZone);
  if (!m) {
    m = new Map();
    cache.set(timeZone, m);
  }
  if (m.size > 100_000) m.clear();
  return m;
}

/**
 * Offset of `timeZone` from UTC at `epochMs`, in milliseconds (local = UTC + offset).
 * A UTC day whose first and last 15-minute buckets have the same offset is treated as constant (zones
 * change offset at most twice a year, months apart); otherwise the day is resolved per 15-minute bucket.
 */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const day = Math.floor(epochMs / DAY_MS);
  const days = zoneMap(dayOffsetCache, timeZone);
  let offset = days.get(day);
  if (offset === undefined) {
    const first = exactOffsetAt(day * DAY_MS, timeZone);
    const last = exactOffsetAt((day + 1) * DAY_MS - BUCKET_MS, timeZone);
    offset = first === last ? first : Number.NaN;
    days.set(day, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  const bucket = Math.floor(epochMs / BUCKET_MS);
  const buckets = zoneMap(bucketOffsetCache, timeZone);
  let o = buckets.get(bucket);
  if (o === undefined) {
    o = exactOffsetAt(bucket * BUCKET_MS, timeZone);
    buckets.set(bucket, o);
  }
  return o;
}

/** Days since 1970-01-01 of the local calendar date of `epochMs` in `timeZone`. */
export function localDayNumber(epochMs: number, timeZone: string): number {
  return Math.floor((epochMs + utcOffsetMs(epochMs, timeZone)) / DAY_MS);
}

/** Calendar days from the local date of `fromMs` to the local date of `toMs` (negative when `toMs` is earlier). */
export function calendarDaysBetween(fromMs: number, toMs: number, timeZone: string): number {
  return localDayNumber(toMs, timeZone) - localDayNumber(fromMs, timeZone);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `YYYY-MM-DD` local date. */
export function localDateString(epochMs: number, timeZone: string): string {
  const d = new Date(localDayNumber(epochMs, timeZone) * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `UTC+08:00`, `UTC-05:00`, `UTC+05:45`. */
export function formatUtcOffset(epochMs: number, timeZone: string): string {
  const minutes = Math.round(utcOffsetMs(epochMs, timeZone) / 60_000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `YYYY-MM-DD HH:mm` local wall time. */
export function formatLocalDateTime(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Reads `len` ASCII digits at `at`, or -1. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Parses BSS's `yyyy-MM-ddTHH:mm:ssZ` strictly (Date.parse would silently roll 2026-02-30 over to
 * March 2). Returns NaN for anything else. Hand-rolled: it runs for every resource of every customer.
 */
export function parseUtcTime(value: string): number {
  if (value.length !== 20 || value[4] !== "-" || value[7] !== "-" || value[10] !== "T" || value[13] !== ":" || value[16] !== ":" || value[19] !== "Z") {
    return Number.NaN;
  }
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  const h = digits(value, 11, 2);
  const mi = digits(value, 14, 2);
  const sec = digits(value, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return Number.NaN;
  const dim = mo === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d > dim) return Number.NaN;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/** Formats an instant as BSS's `yyyy-MM-ddTHH:mm:ssZ` (seconds precision, truncated). */
export function formatUtcTime(epochMs: number): string {
  const t = new Date(Math.floor(epochMs / 1000) * 1000);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}Z`;
}
