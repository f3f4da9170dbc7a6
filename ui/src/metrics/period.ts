/** The stretch of days the metrics screen shows. `null` days ask for this week, which the
 * backend works out in the business's time zone and compares with the week before. */

export interface PeriodChoice {
  from: string | null;
  to: string | null;
}

export const THIS_WEEK: PeriodChoice = { from: null, to: null };

function parseDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative for earlier). */
export function addDays(day: string, days: number): string {
  const date = parseDay(day);
  date.setUTCDate(date.getUTCDate() + days);
  return formatDay(date);
}

/** The number of days from `from` to `to`, both counted. */
export function dayCount(from: string, to: string): number {
  return Math.round((parseDay(to).getTime() - parseDay(from).getTime()) / 86_400_000) + 1;
}

/** The period of the same length just before `first..last`, to compare with. */
export function periodBefore(first: string, last: string): PeriodChoice {
  const length = dayCount(first, last);
  return { from: addDays(first, -length), to: addDays(last, -length) };
}

/** The period `first..last` moved by whole weeks. */
export function shiftWeeks(first: string, last: string, weeks: number): PeriodChoice {
  return { from: addDays(first, 7 * weeks), to: addDays(last, 7 * weeks) };
}
