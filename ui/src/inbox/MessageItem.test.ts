import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { message } from '../lib/testing/fakeBackend';
import MessageItem from './MessageItem.svelte';

const HOSTILE = '<img src=x onerror=alert(1)>';

afterEach(() => {
  document.body.innerHTML = '';
});

describe('MessageItem', () => {
  it('shows a body with markup as literal text', () => {
    const target = document.createElement('ul');
    document.body.append(target);

    const component = mount(MessageItem, { target, props: { message: message(1, 1, { body: HOSTILE }) } });
    flushSync();
    const body = target.querySelector('[data-testid="message-body"]');

    expect(target.querySelector('img'), 'no element is made from the body').toBeNull();
    expect(body?.textContent, 'the body reads exactly as sent').toBe(HOSTILE);
    unmount(component);
  });

  it('marks the item with its kind and delivery status', () => {
    const target = document.createElement('ul');
    document.body.append(target);

    const component = mount(MessageItem, {
      target,
      props: { message: message(2, 1, { direction: 'out', kind: 'follow_up', status: 'failed', error_code: 30007, follow_up_step: 2 }) },
    });
    flushSync();
    const item = target.querySelector('[data-testid="thread-item"]') as HTMLElement;

    expect(item.dataset.kind, 'the kind is exposed').toBe('follow_up');
    expect(item.dataset.status, 'the status is exposed').toBe('failed');
    expect(item.textContent, 'the failure names its error code').toContain('error 30007');
    unmount(component);
  });
});
