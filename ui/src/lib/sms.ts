/** Wording for the SMS counter under every text box. */

import type { SmsInfo } from './types';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "123 characters · GSM-7 · 1 segment". */
export function smsCounter(info: SmsInfo): string {
  return [plural(info.characters, 'character', 'characters'), info.encoding, plural(info.segments, 'segment', 'segments')].join(' · ');
}

/** Whether the text costs more than one message and deserves a warning. */
export function smsOverOne(info: SmsInfo): boolean {
  return info.segments > 1;
}

/** Why the text is sent as UCS-2, naming the characters that forced it; null for GSM-7. */
export function ucs2Reason(info: SmsInfo): string | null {
  if (info.encoding !== 'UCS-2' || info.non_gsm.length === 0) return null;
  const chars = info.non_gsm.map((c) => `“${c}”`).join(', ');
  return `Sent as UCS-2 (fewer characters per segment) because of ${chars}.`;
}
