import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { appContext } from './lib/context';
import { FakeBackend, sampleConfig, summary } from './lib/testing/fakeBackend';
import type { RawConfig } from './lib/types';

/** Lets pending backend answers and the effects they cause run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
  flushSync();
}

function byTestId(id: string): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`));
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('App against a fake backend', () => {
  it('shows the demo banner and the inbox, and opens a conversation on click', async () => {
    const backend = new FakeBackend();
    backend.conversations = [summary(1, { customer_number: '+15550001234', unread: 1 }), summary(2)];
    backend.addReply(1, 10, 'Can I book?');
    const target = document.createElement('div');
    document.body.append(target);

    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    const badge = document.querySelector('[data-testid=conversation-item][data-number="+15550001234"] [data-testid=unread-badge]');
    byTestId('conversation-item')[0].click();
    await settle();

    expect(badge?.textContent, 'the unread conversation carries its count').toBe('2');
    expect(byTestId('demo-banner'), 'demo mode shows its banner').toHaveLength(1);
    expect(byTestId('conversation-item').map((e) => e.dataset.number), 'both conversations are listed').toEqual([
      '+15550001234',
      '+15550000002',
    ]);
    expect(byTestId('thread')[0]?.dataset.id, 'the clicked conversation is open').toBe('1');
    expect(byTestId('message-body')[0]?.textContent, 'with its reply').toBe('Can I book?');
    expect(backend.calls_.find((c) => c.name === 'thread')?.args, 'opening marks it read').toEqual([1, true]);
    unmount(app);
  });

  it('sends a demo reply from the open conversation’s customer', async () => {
    const backend = new FakeBackend();
    backend.conversations = [summary(5, { customer_number: '+15550009999' })];
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    byTestId('conversation-item')[0].click();
    await settle();

    byTestId('demo-reply')[0].click();
    flushSync();
    byTestId('demo-reply-send')[0].click();
    await settle();

    expect(backend.calls_.find((c) => c.name === 'demo_reply')?.args, 'the reply comes from the open customer').toEqual([
      '+15550009999',
      'Hi! Can I book a cleaning for Tuesday?',
    ]);
    unmount(app);
  });
});

describe('Settings against a fake backend', () => {
  it('saves the business section without touching the rest', async () => {
    const backend = new FakeBackend();
    backend.config = sampleConfig();
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    byTestId('nav-settings')[0].click();
    await settle();

    const name = byTestId('settings-business-name')[0] as HTMLInputElement;
    name.value = 'Bright Smile Dental Care';
    name.dispatchEvent(new Event('input'));
    byTestId('settings-save-business')[0].click();
    await settle();

    const saved = backend.calls_.find((c) => c.name === 'save_settings')?.args[0] as RawConfig;
    expect(byTestId('provider-kind'), 'the provider form is on the same page').toHaveLength(1);
    expect(saved.business.name, 'the new name is saved').toBe('Bright Smile Dental Care');
    expect(saved.templates, 'the templates are saved as they were').toEqual(sampleConfig().templates);
    expect(byTestId('toast').some((t) => t.textContent?.includes('Business details saved')), 'success is confirmed').toBe(true);
    unmount(app);
  });

  it('shows a save error at the field it names', async () => {
    const backend = new FakeBackend();
    backend.config = sampleConfig();
    backend.saveSettings = () => Promise.reject({ code: 'invalid_settings', message: 'business.name: must not be empty', field: 'business.name' });
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    byTestId('nav-settings')[0].click();
    await settle();

    byTestId('settings-save-business')[0].click();
    await settle();

    const errors = byTestId('error');
    expect(errors.map((e) => e.textContent), 'one error, without the key it names').toEqual(['must not be empty']);
    expect(errors[0].closest('.field')?.querySelector('[data-testid="settings-business-name"]'), 'beside the name field').not.toBeNull();
    unmount(app);
  });
});

describe('CRM webhooks against a fake backend', () => {
  it('sends a typed signing secret to the keyring, never into the settings', async () => {
    const backend = new FakeBackend();
    backend.config = { ...sampleConfig(), webhooks: [{ url: 'https://hooks.example/crm', secret_env: 'CRM_SECRET' }] };
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    byTestId('nav-settings')[0].click();
    await settle();

    const secret = document.querySelector<HTMLInputElement>('input[aria-label="Endpoint 1 signing secret"]');
    secret!.value = 'whsec-0123456789abcdef';
    secret!.dispatchEvent(new Event('input'));
    secret!.closest('form')!.requestSubmit();
    await settle();

    const saved = backend.calls_.find((c) => c.name === 'save_settings')?.args[0] as RawConfig;
    const stored = backend.calls_.find((c) => c.name === 'save_webhook_secret')?.args;
    expect(stored, 'the secret goes to the keyring under the endpoint\'s secret name').toEqual(['CRM_SECRET', 'whsec-0123456789abcdef']);
    expect(JSON.stringify(saved), 'the settings never carry the secret').not.toContain('whsec-0123456789abcdef');
    expect(secret!.value, 'the field is cleared once stored').toBe('');
    unmount(app);
  });
});

describe('Reply box', () => {
  it('keeps a draft when the open thread reloads for a new event', async () => {
    const backend = new FakeBackend();
    backend.conversations = [summary(1)];
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    byTestId('conversation-item')[0].click();
    await settle();
    const input = byTestId('reply-input')[0] as HTMLTextAreaElement;
    input.value = 'Tuesday at 10 works';
    input.dispatchEvent(new Event('input'));
    flushSync();

    backend.addReply(1, 10, 'Thanks!');
    backend.emit({
      kind: 'engine',
      event: { id: 1, at: '2025-03-04T10:00:00Z', conversation_id: 1, type: 'reply_received', message_id: 10, from: '+1', body: 'Thanks!' },
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await settle();

    expect(byTestId('message-body').map((e) => e.textContent), 'the new reply is shown').toEqual(['Thanks!']);
    expect((byTestId('reply-input')[0] as HTMLTextAreaElement).value, 'the draft survives').toBe('Tuesday at 10 works');
    unmount(app);
  });

  it('keeps each conversation’s draft while the desk moves between them', async () => {
    const backend = new FakeBackend();
    backend.conversations = [summary(1), summary(2)];
    const target = document.createElement('div');
    document.body.append(target);
    const app = mount(App, { target, context: appContext(backend) });
    await settle();
    const open = async (id: string) => {
      byTestId('conversation-item').find((e) => e.dataset.id === id)!.click();
      await settle();
    };
    const box = () => byTestId('reply-input')[0] as HTMLTextAreaElement;

    await open('1');
    box().value = 'Half-written answer';
    box().dispatchEvent(new Event('input'));
    flushSync();
    await open('2');
    const second = box().value;
    await open('1');

    expect(second, 'another conversation starts with an empty box').toBe('');
    expect(box().value, 'the first conversation’s draft is back').toBe('Half-written answer');
    unmount(app);
  });
});
