import { describe, expect, it } from 'vitest';
import { canTextBack, describeReason } from './reasons';

describe('describeReason', () => {
  it.each([
    ['answered', 'The call was answered.'],
    ['quiet_hours', 'It was during quiet hours.'],
    ['dedupe', 'This caller was already texted recently.'],
    ['country_not_allowed', 'Texts to this country are not allowed.'],
  ])('words %s as a sentence', (code, sentence) => {
    expect(describeReason(code), `the code ${code} reads as a sentence`).toBe(sentence);
  });

  it('shows an unknown code as itself', () => {
    expect(describeReason('moon_phase'), 'a new engine code still shows').toBe('moon_phase');
  });

  it('says nothing when there is no reason', () => {
    expect(describeReason(null), 'no reason, no words').toBe('');
  });
});

describe('canTextBack', () => {
  it('offers a manual text for skipped and failed calls', () => {
    expect(canTextBack({ decision: 'skipped', skip_reason: 'too_old' }), 'a call too old to text').toBe(true);
    expect(canTextBack({ decision: 'failed', skip_reason: null }), 'a failed text-back').toBe(true);
  });

  it('never offers it for an answered call or one already texted', () => {
    expect(canTextBack({ decision: 'skipped', skip_reason: 'answered' }), 'someone spoke to them').toBe(false);
    expect(canTextBack({ decision: 'texted', skip_reason: null }), 'already texted').toBe(false);
  });
});
