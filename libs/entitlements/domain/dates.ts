import type { BillingPeriod, LocalDate } from './account.events';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLocalDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function parts(date: LocalDate): [number, number, number] {
  const [, y, m, d] = DATE.exec(date)!;
  return [Number(y), Number(m), Number(d)];
}

function format(y: number, m: number, d: number): LocalDate {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const [y, m, d] = parts(date);
  return format(y, m, d + days);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * The day one billing period after `date`. Months keep the day of the month, clamped to the
 * month's last day (Jan 31 → Feb 28), as studios bill.
 */
export function addPeriod(date: LocalDate, period: BillingPeriod, anchorDay?: number): LocalDate {
  const [y, m, d] = parts(date);
  if (period.unit === 'week') return format(y, m, d + 7 * period.count);
  const months = period.unit === 'month' ? period.count : 12 * period.count;
  const day = anchorDay ?? d;
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  return format(target.getUTCFullYear(), target.getUTCMonth() + 1, Math.min(day, lastDay));
}

export function dayOfMonth(date: LocalDate): number {
  return parts(date)[2];
}

// One formatter per time zone: building one costs far more than using it.
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading of an instant in a time zone. */
function wallClock(instant: number, timeZone: string) {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/** The day an instant falls on in a time zone: "today" at a studio. */
export function localDate(now: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(now.getTime(), timeZone);
  return format(year, month, day);
}

/** Where an instant falls on a studio's wall: its day, ISO weekday (1 is Monday) and HH:MM. */
export function localSlot(instant: Date, timeZone: string) {
  const { year, month, day, hour, minute } = wallClock(instant.getTime(), timeZone);
  const date = format(year, month, day);
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
  const time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
  return { date, weekday, time };
}

/** Minutes a time zone is ahead of UTC at an instant. */
function offsetMinutes(instant: number, timeZone: string): number {
  const c = wallClock(instant, timeZone);
  const local = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return Math.round((local - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The instant a day begins in a time zone: when a period ending that day is over there. */
export function startOfDay(date: LocalDate, timeZone: string): string {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  let instant = midnightUtc;
  // Twice: the offset at the guess may differ from the offset at the answer (a DST change).
  for (let i = 0; i < 2; i++) instant = midnightUtc - offsetMinutes(instant, timeZone) * 60_000;
  return new Date(instant).toISOString();
}
