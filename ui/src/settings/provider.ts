/** The provider form's values and the RawProvider they make. */

import type { ProviderKind, RawProvider } from '../lib/types';

export interface ProviderDraft {
  kind: Exclude<ProviderKind, 'sandbox'>;
  account_sid: string;
  api_key_sid: string;
  base_url: string;
  poll_interval: string;
}

export const PROVIDER_NAMES: Record<ProviderDraft['kind'], string> = {
  twilio: 'Twilio',
  signalwire: 'SignalWire',
  telnyx: 'Telnyx',
};

/** The form for `saved`. The demo sandbox starts the form at Twilio, what most users connect;
 * SignalWire is stored as Twilio at a signalwire.com address, and shown as itself. */
export function draftFrom(saved: RawProvider): ProviderDraft {
  const signalwire = saved.kind === 'twilio' && /signalwire\.com/i.test(saved.base_url ?? '');
  return {
    kind: saved.kind === 'sandbox' ? 'twilio' : signalwire ? 'signalwire' : saved.kind,
    account_sid: saved.kind === 'sandbox' ? '' : saved.account_sid,
    api_key_sid: saved.api_key_sid ?? '',
    base_url: saved.kind === 'sandbox' ? '' : (saved.base_url ?? ''),
    poll_interval: saved.poll_interval,
  };
}

/** The provider settings the form describes. Empty optional fields are left out rather than
 * sent empty, and Telnyx gets none of the Twilio-only keys. */
export function providerFrom(draft: ProviderDraft, saved: RawProvider): RawProvider {
  const provider: RawProvider = {
    kind: draft.kind,
    account_sid: draft.kind === 'telnyx' ? '' : draft.account_sid.trim(),
    poll_interval: draft.poll_interval.trim(),
  };
  if (draft.base_url.trim()) provider.base_url = draft.base_url.trim();
  if (draft.kind !== 'telnyx' && draft.api_key_sid.trim()) provider.api_key_sid = draft.api_key_sid.trim();
  if (draft.kind === 'telnyx' && saved.public_key) provider.public_key = saved.public_key;
  return provider;
}

/** What the secret field holds, in the provider's own words. */
export function secretLabel(draft: ProviderDraft): string {
  if (draft.kind === 'telnyx') return 'API key';
  return draft.api_key_sid.trim() ? 'API key secret' : 'Auth token';
}
