/** The current time as reactive state, so "2 min ago" keeps reading true on a screen left
 * open all day. */

const TICK_MS = 30_000;

export const clock = $state({ now: new Date() });

/** Starts ticking; returns a function that stops. */
export function startClock(): () => void {
  const timer = setInterval(() => (clock.now = new Date()), TICK_MS);
  return () => clearInterval(timer);
}
