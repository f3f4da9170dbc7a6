/**
 * Sentences for the reason codes the engine records: why a missed call was not texted, why a
 * scheduled text was withdrawn, and what a call's outcome was. Unknown codes show as
 * themselves, so a code added to the engine later still reads as something.
 */

const SKIP_REASONS: Record<string, string> = {
  answered: 'The call was answered.',
  voicemail: 'The caller reached voicemail, which is not counted as missed.',
  anonymous: 'The caller withheld their number.',
  invalid_number: 'The caller’s number is not a valid phone number.',
  own_number: 'The call came from one of the business’s own numbers.',
  staff_number: 'The call came from a staff member’s number.',
  blocked: 'The number is blocked.',
  opted_out: 'The customer opted out of texts.',
  country_not_allowed: 'Texts to this country are not allowed.',
  not_mobile: 'The number cannot receive texts (not a mobile).',
  active_conversation: 'A conversation with this customer is already active; staff were told instead.',
  dedupe: 'This caller was already texted recently.',
  deduped: 'This caller was already texted recently.',
  daily_cap: 'The daily limit of texts was reached.',
  hourly_cap: 'The hourly limit of texts was reached.',
  too_old: 'The call was too old to text by the time it was seen (the app was offline).',
  quiet_hours: 'It was during quiet hours.',
  reached: 'The caller got through on a later call.',
  staff_reached: 'Staff reached the customer.',
};

/** A sentence saying why a call was skipped or a text withdrawn. */
export function describeReason(code: string | null): string {
  if (!code) return '';
  return SKIP_REASONS[code] ?? code;
}

const OUTCOMES: Record<string, string> = {
  answered: 'Answered',
  'no-answer': 'No answer',
  busy: 'Busy',
  canceled: 'Caller hung up',
  failed: 'Failed',
  voicemail: 'Voicemail',
  hangup: 'Hung up',
};

/** A call outcome in words. */
export function describeOutcome(outcome: string): string {
  return OUTCOMES[outcome] ?? outcome;
}

/** Whether a call can be texted back by hand: skipped or failed, but never an answered one. */
export function canTextBack(call: { decision: string; skip_reason: string | null }): boolean {
  return (call.decision === 'skipped' || call.decision === 'failed') && call.skip_reason !== 'answered';
}
