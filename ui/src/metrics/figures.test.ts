import { describe, expect, it } from 'vitest';
import type { Metrics } from '../lib/types';
import { bucketLabels, figures } from './figures';

function week(fields: Partial<Metrics>): Metrics {
  return {
    period: { first_day: '2025-03-03', last_day: '2025-03-09', from: '', to: '', time_zone: 'UTC' },
    missed: 0,
    texted: 0,
    skipped: {},
    delivered: 0,
    failed: {},
    replied: 0,
    reply_rate: null,
    booked: 0,
    conversion_rate: null,
    time_to_text_p50_s: null,
    time_to_text_p90_s: null,
    time_to_text_n: 0,
    time_to_text_histogram: [],
    staff_reply_p50_s: null,
    staff_reply_n: 0,
    replies_by_step: {},
    templates: {},
    missed_by_hour: [],
    ...fields,
  };
}

function card(label: string, now: Metrics, before?: Metrics) {
  return figures(now, before).find((f) => f.label === label);
}

describe('figures', () => {
  it('counts fewer missed calls as good news', () => {
    const missed = card('Missed calls', week({ missed: 8 }), week({ missed: 10 }));

    expect(missed?.change, 'the change with its share').toBe('−2 (−20%) vs 10');
    expect(missed?.trend, 'fewer missed calls is better').toBe('good');
  });

  it('gives rates their change in points', () => {
    const rate = card('Reply rate', week({ reply_rate: 0.5 }), week({ reply_rate: 0.4 }));

    expect(rate?.value, 'a percentage').toBe('50%');
    expect(rate?.change, 'ten points up').toBe('+10 pts vs 40%');
  });

  it('counts a slower time to text as bad news', () => {
    const time = card('Time to text, median', week({ time_to_text_p50_s: 40 }), week({ time_to_text_p50_s: 20 }));

    expect(time?.trend, 'slower is worse').toBe('bad');
  });

  it('shows no change without a period to compare with', () => {
    expect(card('Booked', week({ booked: 3 }))?.change, 'nothing to compare').toBeNull();
  });
});

describe('bucketLabels', () => {
  it('names each bucket by its bounds, in the shortest unit that reads well', () => {
    expect(bucketLabels([5, 15, 30, 60, 300, 900, 3600, null])).toEqual([
      'up to 5 s',
      '5–15 s',
      '15–30 s',
      '30 s–1 min',
      '1–5 min',
      '5–15 min',
      '15 min–1 h',
      'over 1 h',
    ]);
  });

  it('names a lone open bucket without a bound', () => {
    expect(bucketLabels([null])).toEqual(['any time']);
  });
});
