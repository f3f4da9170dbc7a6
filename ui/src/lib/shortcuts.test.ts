import { describe, expect, it, vi } from 'vitest';
import { createShortcuts, type ShortcutActions } from './shortcuts';

function actions(): ShortcutActions {
  return {
    next: vi.fn(),
    previous: vi.fn(),
    focusReply: vi.fn(),
    addNote: vi.fn(),
    focusSearch: vi.fn(),
    markBooked: vi.fn(),
    markLost: vi.fn(),
    toggleUnread: vi.fn(),
    go: vi.fn(),
    help: vi.fn(),
    escape: vi.fn(),
  };
}

function press(target: HTMLElement, key: string, init: KeyboardEventInit = {}): void {
  document.body.append(target);
  const event = new KeyboardEvent('keydown', { key, bubbles: true, ...init });
  target.dispatchEvent(event);
}

function dispatcher(a: ShortcutActions): () => void {
  const handle = createShortcuts(a);
  const listener = (e: KeyboardEvent) => void handle(e);
  window.addEventListener('keydown', listener);
  return () => window.removeEventListener('keydown', listener);
}

describe('createShortcuts', () => {
  it('moves to the next conversation on j outside a field', () => {
    const a = actions();
    const stop = dispatcher(a);

    press(document.createElement('div'), 'j');
    stop();

    expect(a.next, 'j means next').toHaveBeenCalledOnce();
  });

  it('ignores single keys while typing in a text field', () => {
    const a = actions();
    const stop = dispatcher(a);

    press(document.createElement('textarea'), 'j');
    press(document.createElement('input'), 'b');
    stop();

    expect(a.next, 'a j typed into the reply box stays text').not.toHaveBeenCalled();
    expect(a.markBooked, 'a b typed into search stays text').not.toHaveBeenCalled();
  });

  it('still handles Escape while typing', () => {
    const a = actions();
    const stop = dispatcher(a);

    press(document.createElement('input'), 'Escape');
    stop();

    expect(a.escape, 'Escape leaves the field').toHaveBeenCalledOnce();
  });

  it('goes to a screen with g then a letter', () => {
    const a = actions();
    const stop = dispatcher(a);

    press(document.createElement('div'), 'g');
    press(document.createElement('div'), 'c');
    stop();

    expect(a.go, 'g c opens calls').toHaveBeenCalledWith('calls');
  });

  it('leaves keys with Ctrl to the browser and the focused field', () => {
    const a = actions();
    const stop = dispatcher(a);

    press(document.createElement('div'), 'r', { ctrlKey: true });
    stop();

    expect(a.focusReply, 'Ctrl+R is not r').not.toHaveBeenCalled();
  });
});
