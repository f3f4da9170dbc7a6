/** Names for the codes the metrics break figures down by. */

const PROVIDER_ERRORS: Record<string, string> = {
  '21211': 'Invalid number',
  '21408': 'Region not enabled',
  '21610': 'Customer replied STOP',
  '21614': 'Not a mobile number',
  '30003': 'Handset unreachable',
  '30004': 'Message blocked',
  '30005': 'Unknown or inactive number',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Filtered by the carrier',
  '30008': 'Unknown error',
};

/** A provider error code with what it means, when known. */
export function describeErrorCode(code: string): string {
  if (code === 'unknown') return 'No error code given';
  const meaning = PROVIDER_ERRORS[code];
  return meaning ? `${code}: ${meaning}` : code;
}

/** "text_back" → "Text-back", "follow_up_2" → "Follow-up 2". */
export function describeStep(step: string): string {
  if (step === 'text_back') return 'Text-back';
  const followUp = /^follow_up_(\d+)$/.exec(step);
  return followUp ? `Follow-up ${followUp[1]}` : step;
}
