/**
 * The one place the UI talks to the desktop shell. Screens depend on the `Backend` interface,
 * never on Tauri, so the same UI runs in a plain browser or a test against another
 * implementation.
 */

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  AppState,
  Call,
  CallOutcome,
  ConnectionTest,
  DeliveryAttempt,
  ExportKind,
  InboxFilter,
  InboxPage,
  Message,
  Prefs,
  RawConfig,
  RawProvider,
  Report,
  SearchHit,
  SmsInfo,
  Status,
  TemplatePreview,
  Thread,
  UiEvent,
  WebhookEndpoint,
} from './types';

/** An error a command reported: a stable `code`, a message for people, and for settings the
 * key it is about (such as `business.name` or `rules.follow_ups[1]`). */
export class BackendError extends Error {
  readonly code: string;
  readonly field: string | null;

  constructor(code: string, message: string, field: string | null = null) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.field = field;
  }

  /** Turns whatever a command rejected with into a `BackendError`. */
  static from(raw: unknown): BackendError {
    if (raw instanceof BackendError) return raw;
    if (isErrorObject(raw)) {
      return new BackendError(raw.code, raw.message, typeof raw.field === 'string' ? raw.field : null);
    }
    if (raw instanceof Error) return new BackendError('internal', raw.message);
    return new BackendError('internal', typeof raw === 'string' ? raw : 'Something went wrong.');
  }
}

function isErrorObject(raw: unknown): raw is { code: string; message: string; field?: unknown } {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return typeof r.code === 'string' && typeof r.message === 'string';
}

export interface Backend {
  appState(): Promise<AppState>;
  inbox(filter: InboxFilter): Promise<InboxPage>;
  thread(conversationId: number, markRead: boolean): Promise<Thread>;
  sendReply(conversationId: number, body: string): Promise<Message>;
  setStatus(conversationId: number, status: Status): Promise<void>;
  assign(conversationId: number, to: string | null): Promise<void>;
  addNote(conversationId: number, body: string): Promise<number>;
  setBlocked(number: string, blocked: boolean): Promise<void>;
  setOptedOut(number: string, optedOut: boolean): Promise<void>;
  search(query: string, limit: number): Promise<SearchHit[]>;
  calls(before: number | null, limit: number): Promise<Call[]>;
  textBackCall(callId: number): Promise<Message>;
  smsInfo(text: string): Promise<SmsInfo>;
  previewTemplate(text: string): Promise<TemplatePreview>;
  settings(): Promise<RawConfig>;
  saveSettings(settings: RawConfig): Promise<void>;
  saveProvider(provider: RawProvider, secret: string | null): Promise<AppState>;
  testConnection(provider: RawProvider, secret: string | null): Promise<ConnectionTest>;
  secretStored(): Promise<boolean>;
  demoCall(from: string | null, outcome: CallOutcome | null): Promise<void>;
  demoReply(from: string | null, body: string): Promise<void>;
  metrics(from: string | null, to: string | null): Promise<Report>;
  webhookEndpoints(): Promise<WebhookEndpoint[]>;
  sendTestEvent(url: string): Promise<DeliveryAttempt>;
  /** Stores a webhook's signing secret in the system keyring under `name`. */
  saveWebhookSecret(name: string, secret: string): Promise<void>;
  recentDeliveries(limit: number): Promise<DeliveryAttempt[]>;
  exportCsv(kind: ExportKind): Promise<string>;
  preferences(): Promise<Prefs>;
  savePreferences(prefs: Prefs): Promise<void>;
  dial(number: string): Promise<void>;
  /** Calls `handler` with every event; resolves to a function that stops listening. */
  onEvent(handler: (event: UiEvent) => void): Promise<() => void>;
}

/** Invokes a command, turning its rejection into a `BackendError`. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw BackendError.from(raw);
  }
}

export const tauriBackend: Backend = {
  appState: () => call('app_state'),
  inbox: (filter) => call('inbox', { filter }),
  thread: (conversation_id, mark_read) => call('thread', { conversation_id, mark_read }),
  sendReply: (conversation_id, body) => call('send_reply', { conversation_id, body }),
  setStatus: (conversation_id, status) => call('set_status', { conversation_id, status }),
  assign: (conversation_id, to) => call('assign', { conversation_id, to }),
  addNote: (conversation_id, body) => call('add_note', { conversation_id, body }),
  setBlocked: (number, blocked) => call('set_blocked', { number, blocked }),
  setOptedOut: (number, opted_out) => call('set_opted_out', { number, opted_out }),
  search: (query, limit) => call('search', { query, limit }),
  calls: (before, limit) => call('calls', { before, limit }),
  textBackCall: (call_id) => call('text_back_call', { call_id }),
  smsInfo: (text) => call('sms_info', { text }),
  previewTemplate: (text) => call('preview_template', { text }),
  settings: () => call('settings'),
  saveSettings: (settings) => call('save_settings', { settings }),
  saveProvider: (provider, secret) => call('save_provider', { provider, secret }),
  testConnection: (provider, secret) => call('test_connection', { provider, secret }),
  secretStored: () => call('secret_stored'),
  demoCall: (from, outcome) => call('demo_call', { from, outcome }),
  demoReply: (from, body) => call('demo_reply', { from, body }),
  metrics: (from, to) => call('metrics', { from, to }),
  webhookEndpoints: () => call('webhook_endpoints'),
  sendTestEvent: (url) => call('send_test_event', { url }),
  saveWebhookSecret: (name, secret) => call('save_webhook_secret', { name, secret }),
  recentDeliveries: (limit) => call('recent_deliveries', { limit }),
  exportCsv: (kind) => call('export_csv', { kind }),
  preferences: () => call('preferences'),
  savePreferences: (prefs) => call('save_preferences', { prefs }),
  dial: (number) => call('dial', { number }),
  onEvent: (handler) => listen<UiEvent>('textback', (e) => handler(e.payload)),
};

/** Whether the page runs inside the desktop shell. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
