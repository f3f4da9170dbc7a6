/** How messages and conversation states read in the inbox. */

import { describeReason } from '../lib/reasons';
import { templateWords } from '../lib/templates';
import type { Message, Status } from '../lib/types';

export const STATUS_LABELS: Record<Status, string> = {
  new: 'New',
  texted: 'Texted',
  replied: 'Replied',
  booked: 'Booked',
  lost: 'Lost',
  spam: 'Spam',
};

/** Who or what wrote a message: "Text-back", "Follow-up 2", "Ana", "Customer". */
export function messageAuthor(m: Message): string {
  switch (m.kind) {
    case 'text_back':
      return m.template ? `Automatic text-back · ${templateWords(m.template)}` : 'Automatic text-back';
    case 'follow_up':
      return m.follow_up_step ? `Automatic follow-up ${m.follow_up_step}` : 'Automatic follow-up';
    case 'help':
      return 'Automatic HELP reply';
    case 'staff':
      return m.author ? `${m.author} (staff)` : 'Staff';
    default:
      return m.direction === 'in' ? 'Customer' : m.kind;
  }
}

const DELIVERY_WORDS: Record<string, string> = {
  scheduled: 'Scheduled',
  sending: 'Sending…',
  queued: 'Queued at the provider',
  sent: 'Sent',
  delivered: 'Delivered',
  undelivered: 'Not delivered',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The delivery status of an outgoing text in words, without its time. */
export function deliveryWords(m: Message): string {
  const words = DELIVERY_WORDS[m.status] ?? m.status;
  if (m.status === 'undelivered' || m.status === 'failed') {
    const code = m.error_code !== null ? ` (error ${m.error_code})` : '';
    return m.error_message ? `${words}${code}: ${m.error_message}` : `${words}${code}`;
  }
  if (m.status === 'cancelled' && m.skip_reason) return `${words}: ${describeReason(m.skip_reason)}`;
  return words;
}

/** Whether a delivery status is a problem worth colouring. */
export function deliveryBad(status: string): boolean {
  return status === 'failed' || status === 'undelivered';
}
