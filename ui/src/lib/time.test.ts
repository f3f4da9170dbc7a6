import { describe, expect, it } from 'vitest';
import { duration, relativeTime } from './time';

/** A fixed "now" in local time, so the tests hold in any time zone. */
const NOW = new Date(2025, 2, 4, 15, 30, 0);

function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

describe('relativeTime', () => {
  it('says "just now" under a minute', () => {
    expect(relativeTime(ago(20_000), NOW), '20 seconds ago').toBe('just now');
  });

  it('counts minutes within the hour', () => {
    expect(relativeTime(ago(2 * 60_000), NOW), 'two minutes ago').toBe('2 min ago');
  });

  it('shows the clock time earlier today', () => {
    const morning = new Date(2025, 2, 4, 9, 14).toISOString();

    expect(relativeTime(morning, NOW), 'this morning').toBe('09:14');
  });

  it('says yesterday for the day before', () => {
    const yesterday = new Date(2025, 2, 3, 18, 5).toISOString();

    expect(relativeTime(yesterday, NOW), 'yesterday evening').toBe('Yesterday 18:05');
  });

  it('gives the full date for anything older', () => {
    const older = new Date(2025, 0, 28, 8, 0).toISOString();

    expect(relativeTime(older, NOW), 'weeks ago').toBe('28 Jan 2025, 08:00');
  });

  it('counts down to a text due soon', () => {
    const soon = new Date(NOW.getTime() + 5 * 60_000).toISOString();

    expect(relativeTime(soon, NOW), 'a text due in five minutes').toBe('in 5 min');
  });
});

describe('duration', () => {
  it('reads seconds, minutes and hours', () => {
    expect(duration(42), 'seconds').toBe('42 s');
    expect(duration(185), 'minutes').toBe('3 min 5 s');
    expect(duration(7800), 'hours').toBe('2 h 10 min');
    expect(duration(null), 'unknown').toBe('–');
  });
});
