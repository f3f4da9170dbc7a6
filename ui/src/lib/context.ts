/** The app-wide objects components reach through Svelte's context rather than imports, so the
 * same components run against the desktop shell, or a test's fake backend. */

import { getContext } from 'svelte';
import { AppStore } from './app.svelte';
import type { Backend } from './backend';
import { EventHub } from './events';
import { InboxStore } from '../inbox/inbox.svelte';

export interface AppContext {
  backend: Backend;
  app: AppStore;
  inbox: InboxStore;
  events: EventHub;
}

const KEY = Symbol('textback');

/** The context to pass to Svelte's `mount` for a UI backed by `backend`. */
export function appContext(backend: Backend): Map<symbol, AppContext> {
  const context: AppContext = {
    backend,
    app: new AppStore(backend),
    inbox: new InboxStore(backend),
    events: new EventHub(),
  };
  return new Map([[KEY, context]]);
}

export function useApp(): AppContext {
  const context = getContext<AppContext | undefined>(KEY);
  if (!context) throw new Error('useApp() called outside a context made by appContext()');
  return context;
}
