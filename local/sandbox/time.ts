/**
 * Time helpers in the formats BSS and IAM use. Pure.
 *
 * Yearly/monthly resources expire at the end of a China-time day (23:59:59 UTC+8 = 15:59:59Z);
 * the generator and renewals keep that shape.
 */

export const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `yyyy-MM-ddTHH:mm:ssZ` (BSS). */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `yyyy-MM-ddTHH:mm:ss.ffffffZ` (IAM token timestamps carry microseconds). */
export function formatIamTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Parses a BSS UTC timestamp; NaN when malformed. */
export function parseUtc(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) return Number.NaN;
  const t = Date.parse(value);
  return Number.isFinite(t) && formatUtc(t) === value ? t : Number.NaN;
}

/** China calendar day number (days since 1970-01-01 in UTC+8) of an instant. */
export function chinaDay(ms: number): number {
  return Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
}

/** 23:59:59 China time of a China day number, as epoch ms. */
export function chinaDayEnd(day: number): number {
  return (day + 1) * DAY_MS - CHINA_OFFSET_MS - 1000;
}

/** 00:00:00 China time of a China day number, as epoch ms. */
export function chinaDayStart(day: number): number {
  return day * DAY_MS - CHINA_OFFSET_MS;
}

/**
 * Adds calendar months in China time, keeping the time of day; the day of month is clamped to
 * the target month's length (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonthsChina(ms: number, months: number): number {
  const local = new Date(ms + CHINA_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  const shifted = Date.UTC(
    targetYear,
    targetMonth,
    day,
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return shifted - CHINA_OFFSET_MS;
}
