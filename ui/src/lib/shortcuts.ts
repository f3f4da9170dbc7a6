/**
 * Keyboard shortcuts. A single key acts only when focus is not in a text field, so typing a
 * "j" into the reply box never moves the selection; Escape always acts. `g` starts a two-key
 * sequence that goes to a screen.
 */

import type { Route } from './route';

export interface ShortcutActions {
  next(): void;
  previous(): void;
  focusReply(): void;
  addNote(): void;
  focusSearch(): void;
  markBooked(): void;
  markLost(): void;
  toggleUnread(): void;
  go(route: Route): void;
  help(): void;
  escape(): void;
}

const SINGLE: Record<string, (a: ShortcutActions) => void> = {
  j: (a) => a.next(),
  k: (a) => a.previous(),
  r: (a) => a.focusReply(),
  n: (a) => a.addNote(),
  '/': (a) => a.focusSearch(),
  b: (a) => a.markBooked(),
  l: (a) => a.markLost(),
  u: (a) => a.toggleUnread(),
  '?': (a) => a.help(),
};

const AFTER_G: Record<string, Route> = {
  i: 'inbox',
  c: 'calls',
  t: 'templates',
  m: 'metrics',
  s: 'settings',
};

/** Whether the element takes typed text, so plain keys belong to it. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
  }
  return false;
}

/** Makes a keydown handler that runs `actions`; it returns whether it used the key. */
export function createShortcuts(actions: ShortcutActions): (e: KeyboardEvent) => boolean {
  let pendingG = false;

  return (e) => {
    if (e.key === 'Escape') {
      pendingG = false;
      actions.escape();
      return true;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;

    if (pendingG) {
      pendingG = false;
      const route = AFTER_G[e.key];
      if (!route) return false;
      e.preventDefault();
      actions.go(route);
      return true;
    }
    if (e.key === 'g') {
      pendingG = true;
      return true;
    }

    const action = SINGLE[e.key];
    if (!action) return false;
    e.preventDefault();
    action(actions);
    return true;
  };
}

/** The list the help dialog shows. */
export const SHORTCUT_HELP: [string, string][] = [
  ['j / k', 'Next / previous conversation'],
  ['r', 'Write a reply'],
  ['n', 'Add a note'],
  ['/', 'Search'],
  ['b', 'Mark booked'],
  ['l', 'Mark lost'],
  ['u', 'Show unread only / all'],
  ['g then i, c, t, m, s', 'Go to Inbox, Calls, Templates, Metrics, Settings'],
  ['Ctrl+Enter', 'Send the reply or save the note'],
  ['Esc', 'Close a dialog, leave a field'],
  ['?', 'This help'],
];
