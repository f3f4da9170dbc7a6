/** Fans the one backend event stream out to whichever parts of the UI are listening. */

import type { UiEvent } from './types';

export type EventHandler = (event: UiEvent) => void;

export class EventHub {
  private handlers = new Set<EventHandler>();

  /** Calls `handler` for every event until the returned function is called. */
  on(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  emit(event: UiEvent): void {
    for (const handler of this.handlers) handler(event);
  }
}
