/**
 * Calendar-day arithmetic in an IANA time zone, with nothing but `Intl` (no Temporal, no dependency).
 *
 * "Days left" for a reminder is a difference of local calendar dates (the customer's wall calendar), not
 * a number of 24-hour slices: a resource expiring at 2026-03-01T15:59:59Z expires on 2026-03-01 in
 * Asia/Shanghai (23:59:59 local), one second later it would be 2026-03-02.
 *
 * Offsets are cached per 15-minute bucket of UTC time. That is exact for every zone in use today: all
 * current UTC offsets are whole multiples of 15 minutes and transitions happen on the hour or half hour
 * local time, so a transition instant is always a 15-minute boundary in UTC. (Pre-1970 local mean times
 * such as +08:05:43 would break this, and they never occur for cloud resources.)
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

const offsetCache = new Map<string, Map<number, number>>();

/** Offset of `timeZone` from UTC at `epochMs`, in milliseconds (local = UTC + offset). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const bucket = Math.floor(epochMs / BUCKET_MS);
  let perZone = offsetCache.get(timeZone);
  if (!perZone) {
    perZone = new Map();
    offsetCache.set(timeZone, perZone);
  }
  const cached = perZone.get(bucket);
  if (cached !== undefined) return cached;
  const start = bucket * BUCKET_MS;
  const p = localParts(start, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  // Date.UTC maps years 0-99 to 1900-1999; irrelevant for our dates but keep it exact.
  const offset = wallAsUtc - start;
  if (perZone.size > 200_000) perZone.clear();
  perZone.set(bucket, offset);
  return offset;
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

const UTC_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * Parses BSS's `yyyy-MM-ddTHH:mm:ssZ` strictly (Date.parse would silently roll 2026-02-30 over to
 * March 2). Returns NaN for anything else.
 */
export function parseUtcTime(value: string): number {
  const m = UTC_RE.exec(value);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return Number.NaN;
  }
  return ms;
}

/** Formats an instant as BSS's `yyyy-MM-ddTHH:mm:ssZ` (seconds precision). */
export function formatUtcTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
