/**
 * An in-memory backend for tests: conversations and their items live in plain arrays, every
 * call is recorded, and `emit` plays the part of the shell's event stream.
 */

import type { Backend } from '../backend';
import type {
  AppState,
  ConversationSummary,
  Message,
  Prefs,
  RawConfig,
  SmsInfo,
  ThreadItem,
  UiEvent,
} from '../types';

export interface RecordedCall {
  name: string;
  args: unknown[];
}

export function summary(id: number, fields: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    business_number: '+15550000000',
    customer_number: `+1555000${String(id).padStart(4, '0')}`,
    customer_name: null,
    status: 'texted',
    unread: 0,
    assigned_to: null,
    needs_staff: null,
    last_activity_at: '2025-03-04T09:00:00Z',
    last_preview: '',
    opted_out: false,
    blocked: false,
    ...fields,
  };
}

export function message(id: number, conversationId: number, fields: Partial<Message> = {}): Message {
  return {
    id,
    conversation_id: conversationId,
    direction: 'in',
    kind: 'reply',
    body: '',
    status: 'received',
    sid: null,
    error_code: null,
    error_message: null,
    skip_reason: null,
    author: null,
    template: null,
    follow_up_step: null,
    call_id: null,
    created_at: '2025-03-04T09:00:00Z',
    sent_at: null,
    due_at: null,
    ...fields,
  };
}

/** Settings as a new install writes them. */
export function sampleConfig(): RawConfig {
  return {
    business: { name: 'Bright Smile Dental', time_zone: 'America/New_York', numbers: ['+15550000000'], booking_link: 'https://example.com/book' },
    provider: { kind: 'sandbox', account_sid: 'AC0', poll_interval: '5s' },
    rules: {
      grace: '15s',
      dedupe_window: '24h',
      max_call_age: '30m',
      quiet_hours: '08:00-21:00',
      quiet_hours_action: 'queue',
      follow_ups: ['3h', 'next day 10:00'],
      allowed_countries: [],
      voicemail_counts_as_missed: true,
      active_window: '24h',
      daily_cap: 300,
      hourly_cap: 60,
    },
    templates: {
      business_hours: 'Hi, this is {business}. Sorry we missed your call!',
      after_hours: 'Hi, this is {business}. We are closed right now.',
      follow_ups: ['Hi {first_name|there}, just checking in.'],
      help: '{business}: reply here to reach our front desk.',
    },
    backup: { enabled: true, keep: 7 },
  };
}

const APP_STATE: AppState = {
  mode: 'demo',
  business_name: 'Bright Smile Dental',
  demo: { business_number: '+15550000000', caller: '+15550001234' },
  provider: { state: 'up', since: null, error: null },
  unread_total: 0,
  staff: ['Ana', 'Ben'],
  version: '0.1.0',
  data_dir: '/tmp/textback',
};

function gsm(text: string): SmsInfo {
  return { encoding: 'GSM-7', segments: Math.max(1, Math.ceil(text.length / 160)), characters: text.length, units: text.length, non_gsm: [] };
}

export class FakeBackend implements Backend {
  conversations: ConversationSummary[] = [];
  items = new Map<number, ThreadItem[]>();
  prefs: Prefs = { me: null, notify_missed_calls: true, start_at_login: false, saved_replies: [] };
  config: RawConfig | null = null;
  calls_: RecordedCall[] = [];
  private handlers = new Set<(event: UiEvent) => void>();

  /** How many times the command `name` was called. */
  count(name: string): number {
    return this.calls_.filter((c) => c.name === name).length;
  }

  /** Adds a customer reply to a conversation, as the engine would store it. */
  addReply(conversationId: number, id: number, body: string): void {
    const list = this.items.get(conversationId) ?? [];
    list.push({ type: 'message', ...message(id, conversationId, { body }) });
    this.items.set(conversationId, list);
    const c = this.conversations.find((x) => x.id === conversationId);
    if (c) Object.assign(c, { status: 'replied', unread: c.unread + 1, last_preview: body });
  }

  emit(event: UiEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  private record<T>(name: string, args: unknown[], result: T): Promise<T> {
    this.calls_.push({ name, args });
    return Promise.resolve(structuredClone(result));
  }

  appState = () => this.record('app_state', [], APP_STATE);
  inbox = (filter: Parameters<Backend['inbox']>[0]) =>
    this.record('inbox', [filter], {
      conversations: this.conversations.filter(
        (c) => (!filter.status || c.status === filter.status) && (!filter.unread_only || c.unread > 0),
      ),
      next: null,
    });
  thread = (id: number, markRead: boolean) => {
    const conversation = this.conversations.find((c) => c.id === id) ?? summary(id);
    return this.record('thread', [id, markRead], { conversation, items: this.items.get(id) ?? [] });
  };
  sendReply = (id: number, body: string) =>
    this.record('send_reply', [id, body], message(Date.now(), id, { direction: 'out', kind: 'staff', body, status: 'queued' }));
  setStatus = (id: number, status: ConversationSummary['status']) => this.record('set_status', [id, status], undefined);
  assign = (id: number, to: string | null) => this.record('assign', [id, to], undefined);
  addNote = (id: number, body: string) => this.record('add_note', [id, body], 1);
  setBlocked = (number: string, blocked: boolean) => this.record('set_blocked', [number, blocked], undefined);
  setOptedOut = (number: string, optedOut: boolean) => this.record('set_opted_out', [number, optedOut], undefined);
  search = (query: string, limit: number) => this.record('search', [query, limit], []);
  calls = (before: number | null, limit: number) => this.record('calls', [before, limit], []);
  textBackCall = (callId: number) => this.record('text_back_call', [callId], message(1, 1, { kind: 'text_back' }));
  smsInfo = (text: string) => this.record('sms_info', [text], gsm(text));
  previewTemplate = (text: string) => this.record('preview_template', [text], { rendered: text, sms: gsm(text), error: null });
  settings = () => {
    if (!this.config) return Promise.reject({ code: 'not_found', message: 'no settings in the fake' });
    return this.record('settings', [], this.config);
  };
  saveSettings = (settings: RawConfig) => this.record('save_settings', [settings], undefined);
  saveProvider = (provider: RawConfig['provider'], secret: string | null) => this.record('save_provider', [provider, secret], APP_STATE);
  testConnection = (provider: RawConfig['provider'], secret: string | null) =>
    this.record('test_connection', [provider, secret], { ok: true, message: 'ok' });
  secretStored = () => this.record('secret_stored', [], false);
  demoCall = (from: string | null, outcome: Parameters<Backend['demoCall']>[1]) => this.record('demo_call', [from, outcome], undefined);
  demoReply = (from: string | null, body: string) => this.record('demo_reply', [from, body], undefined);
  metrics = () => Promise.reject({ code: 'unavailable', message: 'The fake backend has no metrics.' });
  webhookEndpoints = () => this.record('webhook_endpoints', [], []);
  saveWebhookSecret = (name: string, secret: string) => this.record('save_webhook_secret', [name, secret], undefined);

  sendTestEvent = (url: string) =>
    this.record('send_test_event', [url], { url, event_id: 'evt_1', event_type: 'test', at: '2025-03-04T09:00:00Z', status: 200, error: null, outcome: 'delivered' });
  recentDeliveries = (limit: number) => this.record('recent_deliveries', [limit], []);
  exportCsv = (kind: 'conversations' | 'events') => this.record('export_csv', [kind], `/tmp/${kind}.csv`);
  preferences = () => this.record('preferences', [], this.prefs);
  savePreferences = (prefs: Prefs) => this.record('save_preferences', [prefs], undefined);
  dial = (number: string) => this.record('dial', [number], undefined);
  onEvent = (handler: (event: UiEvent) => void) => {
    this.handlers.add(handler);
    return Promise.resolve(() => void this.handlers.delete(handler));
  };
}
