/** A template's rendering with the business's values, asked of the backend as the text
 * changes. Late answers to older texts are dropped. */

import type { Backend } from '../lib/backend';
import { BackendError } from '../lib/backend';
import type { TemplatePreview } from '../lib/types';

export class LivePreview {
  result: TemplatePreview | null = $state(null);
  failure: string | null = $state(null);
  private asked = 0;

  constructor(private backend: Backend) {}

  async update(text: string): Promise<void> {
    const request = ++this.asked;
    try {
      const result = await this.backend.previewTemplate(text);
      if (request !== this.asked) return;
      this.result = result;
      this.failure = null;
    } catch (e) {
      if (request === this.asked) this.failure = BackendError.from(e).message;
    }
  }
}

/** Splits `text` around the character at `position` (counted from 1, in characters, not
 * UTF-16 units) so the spot an error points at can be marked. */
export function splitAt(text: string, position: number): [string, string, string] {
  const chars = Array.from(text);
  const at = Math.min(Math.max(position - 1, 0), chars.length);
  return [chars.slice(0, at).join(''), chars[at] ?? ' ', chars.slice(at + 1).join('')];
}
