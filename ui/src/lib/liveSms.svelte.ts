/** The SMS counter of a text box, asked of the backend on each keystroke. Answers that arrive
 * after a newer question are dropped, so the counter never shows an older text's figures. */

import type { Backend } from './backend';
import type { SmsInfo } from './types';

export class LiveSms {
  info: SmsInfo | null = $state(null);
  private asked = 0;

  constructor(private backend: Backend) {}

  async update(text: string): Promise<void> {
    const request = ++this.asked;
    try {
      const info = await this.backend.smsInfo(text);
      if (request === this.asked) this.info = info;
    } catch {
      // The counter is advisory: leaving the last figures up is better than an error per key.
    }
  }
}
