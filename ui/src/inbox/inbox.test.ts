import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend, summary } from '../lib/testing/fakeBackend';
import type { UiEvent } from '../lib/types';
import { InboxStore } from './inbox.svelte';
import { templateWords } from '../lib/templates';

function replyEvent(conversationId: number, messageId: number, body: string): UiEvent {
  return {
    kind: 'engine',
    event: {
      id: 100 + messageId,
      at: '2025-03-04T10:00:00Z',
      conversation_id: conversationId,
      type: 'reply_received',
      message_id: messageId,
      from: '+15550000001',
      body,
    },
  };
}

let backend: FakeBackend;
let inbox: InboxStore;

beforeEach(async () => {
  vi.useFakeTimers();
  backend = new FakeBackend();
  backend.conversations = [summary(1), summary(2)];
  inbox = new InboxStore(backend, 100);
  await inbox.refresh();
  await inbox.open(1);
});

afterEach(() => {
  inbox.dispose();
  vi.useRealTimers();
});

describe('InboxStore events', () => {
  it('refreshes the list and the open thread when its customer replies', async () => {
    backend.addReply(1, 10, 'Can I book for Tuesday?');

    inbox.handle(replyEvent(1, 10, 'Can I book for Tuesday?'));
    await vi.advanceTimersByTimeAsync(100);

    expect(inbox.conversations[0].last_preview, 'the list shows the reply').toBe('Can I book for Tuesday?');
    expect(inbox.thread?.items.map((i) => i.type === 'message' && i.body), 'the open thread shows the reply').toEqual([
      'Can I book for Tuesday?',
    ]);
  });

  it('collapses a burst of events into one fetch', async () => {
    const before = backend.count('inbox');

    for (let i = 0; i < 5; i++) inbox.handle(replyEvent(2, 20 + i, 'hi'));
    await vi.advanceTimersByTimeAsync(100);

    expect(backend.count('inbox') - before, 'five events, one list fetch').toBe(1);
  });

  it('leaves the open thread alone when another conversation changes', async () => {
    const before = backend.count('thread');

    backend.addReply(2, 30, 'Hello?');
    inbox.handle(replyEvent(2, 30, 'Hello?'));
    await vi.advanceTimersByTimeAsync(100);

    expect(backend.count('thread'), 'no thread fetch for someone else').toBe(before);
    expect(inbox.conversations.find((c) => c.id === 2)?.unread, 'but the list updates').toBe(1);
  });

  it('ignores events that are not engine events', async () => {
    const before = backend.count('inbox');

    inbox.handle({ kind: 'unread', total: 3 });
    await vi.advanceTimersByTimeAsync(200);

    expect(backend.count('inbox'), 'the badge count alone fetches nothing').toBe(before);
  });
});

describe('InboxStore resync', () => {
  it('reads the list and the open thread again after missed events', async () => {
    const lists = backend.count('inbox');
    const threads = backend.count('thread');

    inbox.handle({ kind: 'resync' });
    await vi.advanceTimersByTimeAsync(100);

    expect(backend.count('inbox'), 'the list is read again').toBe(lists + 1);
    expect(backend.count('thread'), 'the open thread too').toBe(threads + 1);
  });
});

describe('template wording', () => {
  it('names the template a text-back used, and its A/B variant', () => {
    expect(templateWords('business_hours'), 'a plain template').toBe('opening-hours text');
    expect(templateWords('after_hours:b'), 'a variant').toBe('after-hours text, variant b');
    expect(templateWords('custom'), 'an unknown template shows as recorded').toBe('custom');
  });
});
