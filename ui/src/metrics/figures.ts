/** The headline figures of a period and how each moved since the period before. */

import { duration } from '../lib/time';
import type { Metrics } from '../lib/types';

export type Better = 'higher' | 'lower';

export interface Figure {
  label: string;
  value: string;
  /** The change since the previous period in words, or null when there is nothing to compare. */
  change: string | null;
  /** Whether the change is good news, bad news, or neither. */
  trend: 'good' | 'bad' | 'flat' | null;
}

/** A rate as a percentage with one decimal; a dash when there is no rate. */
export function percent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`;
}

function trend(delta: number, better: Better): Figure['trend'] {
  if (delta === 0) return 'flat';
  return (delta > 0) === (better === 'higher') ? 'good' : 'bad';
}

function signed(n: number, unit = ''): string {
  const rounded = Math.round(n * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${Math.abs(rounded)}${unit}`;
}

function count(label: string, key: keyof Metrics, m: Metrics, prev: Metrics | undefined, better: Better = 'higher'): Figure {
  const now = m[key] as number;
  if (!prev) return { label, value: String(now), change: null, trend: null };
  const before = prev[key] as number;
  const delta = now - before;
  if (delta === 0) return { label, value: String(now), change: 'same as before', trend: 'flat' };
  const relative = before > 0 ? ` (${signed((delta / before) * 100, '%')})` : '';
  return { label, value: String(now), change: `${signed(delta)}${relative} vs ${before}`, trend: trend(delta, better) };
}

function rate(label: string, key: 'reply_rate' | 'conversion_rate', m: Metrics, prev: Metrics | undefined): Figure {
  const now = m[key];
  const before = prev?.[key] ?? null;
  if (now === null || before === null) return { label, value: percent(now), change: null, trend: null };
  const points = (now - before) * 100;
  if (Math.abs(points) < 0.05) return { label, value: percent(now), change: 'same as before', trend: 'flat' };
  return { label, value: percent(now), change: `${signed(points, ' pts')} vs ${percent(before)}`, trend: trend(points, 'higher') };
}

function time(
  label: string,
  key: 'time_to_text_p50_s' | 'time_to_text_p90_s' | 'staff_reply_p50_s',
  m: Metrics,
  prev: Metrics | undefined,
): Figure {
  const now = m[key];
  const before = prev?.[key] ?? null;
  if (now === null || before === null) return { label, value: duration(now), change: null, trend: null };
  return { label, value: duration(now), change: `was ${duration(before)}`, trend: trend(now - before, 'lower') };
}

/** The cards of the metrics screen, in reading order. */
export function figures(m: Metrics, prev: Metrics | undefined): Figure[] {
  return [
    count('Missed calls', 'missed', m, prev, 'lower'),
    count('Texted back', 'texted', m, prev),
    count('Replied', 'replied', m, prev),
    rate('Reply rate', 'reply_rate', m, prev),
    count('Booked', 'booked', m, prev),
    rate('Conversion rate', 'conversion_rate', m, prev),
    count('Delivered', 'delivered', m, prev),
    time('Time to text, median', 'time_to_text_p50_s', m, prev),
    time('Time to text, 90th percentile', 'time_to_text_p90_s', m, prev),
    time('Staff reply, median', 'staff_reply_p50_s', m, prev),
  ];
}

/** A bound in seconds as a number and its unit: 30 s, 5 min, 1 h. */
function span(seconds: number): [number, string] {
  if (seconds < 60) return [seconds, 's'];
  if (seconds < 3600) return [seconds / 60, 'min'];
  return [seconds / 3600, 'h'];
}

/**
 * The label of each bucket of a time histogram, from the bucket bounds in order: "up to 5 s",
 * "5–15 s", "30 s–1 min", ..., and "over 1 h" for the last, open bucket.
 */
export function bucketLabels(bounds: (number | null)[]): string[] {
  return bounds.map((upTo, i) => {
    const before = i > 0 ? bounds[i - 1] : null;
    if (upTo === null) return before === null ? 'any time' : `over ${span(before).join(' ')}`;
    const [high, unit] = span(upTo);
    if (before === null) return `up to ${high} ${unit}`;
    const [low, lowUnit] = span(before);
    return lowUnit === unit ? `${low}–${high} ${unit}` : `${low} ${lowUnit}–${high} ${unit}`;
  });
}
