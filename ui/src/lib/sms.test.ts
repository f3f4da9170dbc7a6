import { describe, expect, it } from 'vitest';
import { smsCounter, smsOverOne, ucs2Reason } from './sms';
import type { SmsInfo } from './types';

function info(fields: Partial<SmsInfo>): SmsInfo {
  return { encoding: 'GSM-7', segments: 1, characters: 0, units: 0, non_gsm: [], ...fields };
}

describe('smsCounter', () => {
  it('reads characters, encoding and segments in that order', () => {
    const text = smsCounter(info({ characters: 123, units: 123 }));

    expect(text, 'the counter shows all three figures').toBe('123 characters · GSM-7 · 1 segment');
  });

  it('uses the plural past one segment and the singular for one character', () => {
    const text = smsCounter(info({ encoding: 'UCS-2', characters: 1, segments: 2 }));

    expect(text, 'one character, two segments').toBe('1 character · UCS-2 · 2 segments');
  });
});

describe('smsOverOne', () => {
  it('warns only past one segment', () => {
    expect(smsOverOne(info({ segments: 1 })), 'one segment is fine').toBe(false);
    expect(smsOverOne(info({ segments: 2 })), 'two segments cost double').toBe(true);
  });
});

describe('ucs2Reason', () => {
  it('names the characters that forced UCS-2', () => {
    const reason = ucs2Reason(info({ encoding: 'UCS-2', non_gsm: ['é', '😀'] }));

    expect(reason, 'both characters are named').toContain('“é”, “😀”');
  });

  it('says nothing for GSM-7', () => {
    expect(ucs2Reason(info({})), 'GSM-7 needs no explanation').toBeNull();
  });
});
