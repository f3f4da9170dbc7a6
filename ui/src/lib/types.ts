/**
 * The shapes the desktop shell sends and accepts, mirroring the engine's serde output. Dates
 * are RFC 3339 strings; `Option` fields arrive as `null`, and fields the engine skips when
 * empty may be absent altogether.
 */

export type Status = 'new' | 'texted' | 'replied' | 'booked' | 'lost' | 'spam';

export const STATUSES: readonly Status[] = ['new', 'texted', 'replied', 'booked', 'lost', 'spam'];

export interface ConversationSummary {
  id: number;
  business_number: string;
  customer_number: string;
  customer_name: string | null;
  status: Status;
  unread: number;
  assigned_to: string | null;
  /** Why staff should look at this conversation, if they should. */
  needs_staff: string | null;
  last_activity_at: string;
  last_preview: string;
  opted_out: boolean;
  blocked: boolean;
}

export type MessageKind = 'reply' | 'text_back' | 'follow_up' | 'staff' | 'help';

export interface Message {
  id: number;
  conversation_id: number;
  direction: 'in' | 'out';
  kind: MessageKind;
  body: string;
  /** Outbound: scheduled, sending, queued, sent, delivered, undelivered, failed, cancelled. */
  status: string;
  sid: string | null;
  error_code: number | null;
  error_message: string | null;
  skip_reason: string | null;
  author: string | null;
  template: string | null;
  follow_up_step: number | null;
  call_id: number | null;
  created_at: string;
  sent_at: string | null;
  due_at: string | null;
}

export interface Call {
  id: number;
  sid: string;
  conversation_id: number | null;
  from: string;
  to: string;
  /** answered, no-answer, busy, canceled, failed, voicemail or hangup. */
  outcome: string;
  started_at: string | null;
  ended_at: string | null;
  detected_at: string;
  decision: 'pending' | 'texted' | 'skipped' | 'failed';
  skip_reason: string | null;
  message_id: number | null;
}

export interface Note {
  id: number;
  conversation_id: number;
  author: string | null;
  body: string;
  created_at: string;
}

export type ThreadItem =
  | ({ type: 'call' } & Call)
  | ({ type: 'message' } & Message)
  | ({ type: 'note' } & Note);

export interface Thread {
  conversation: ConversationSummary;
  items: ThreadItem[];
}

export interface InboxFilter {
  status?: Status | null;
  unread_only?: boolean;
  after?: string | null;
  limit?: number;
}

export interface InboxPage {
  conversations: ConversationSummary[];
  next: string | null;
}

export interface SearchHit {
  conversation_id: number;
  customer_number: string;
  message_id: number | null;
  body: string;
  at: string;
}

export interface SmsInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
  units: number;
  /** The distinct characters that forced UCS-2, each a one-character string. */
  non_gsm: string[];
}

export interface TemplatePreview {
  rendered: string | null;
  sms: SmsInfo | null;
  /** `position` counts characters from 1. */
  error: { message: string; position: number | null } | null;
}

export type ProviderState = 'up' | 'down' | 'unknown';

export interface AppState {
  mode: 'demo' | 'live';
  business_name: string;
  demo: { business_number: string; caller: string } | null;
  provider: { state: ProviderState; since: string | null; error: string | null };
  unread_total: number;
  staff: string[];
  version: string;
  data_dir: string;
}

export interface Prefs {
  me: string | null;
  notify_missed_calls: boolean;
  start_at_login: boolean;
  saved_replies: string[];
}

export interface ConnectionTest {
  ok: boolean;
  message: string;
}

export type CallOutcome = 'no-answer' | 'busy' | 'voicemail' | 'answered';

export type ExportKind = 'conversations' | 'events';

// Settings, as RawConfig serializes.

export interface RawVariant {
  name: string;
  text: string;
  weight: number;
}

/** One text, or named variants picked at random by weight (an A/B test). */
export type RawTemplateText = string | RawVariant[];

export interface RawBusiness {
  name: string;
  time_zone: string;
  numbers: string[];
  booking_link: string;
  country?: string;
  hours?: Record<string, string>;
}

export type ProviderKind = 'twilio' | 'signalwire' | 'telnyx' | 'sandbox';

export interface RawProvider {
  kind: ProviderKind;
  base_url?: string;
  account_sid: string;
  api_key_sid?: string;
  public_key?: string;
  poll_interval: string;
}

export type QuietHoursAction = 'queue' | 'drop' | 'staff-list';

export interface RawRules {
  grace: string;
  dedupe_window: string;
  max_call_age: string;
  quiet_hours: string;
  quiet_hours_action: QuietHoursAction;
  follow_ups: string[];
  allowed_countries: string[];
  voicemail_counts_as_missed: boolean;
  active_window: string;
  daily_cap: number;
  hourly_cap: number;
}

export interface RawTemplates {
  business_hours: RawTemplateText;
  after_hours: RawTemplateText;
  follow_ups: RawTemplateText[];
  help: string;
}

export interface StaffMember {
  name: string;
  number?: string;
}

export interface RawWebhook {
  url: string;
  secret_env: string;
}

export interface RawConfig {
  business: RawBusiness;
  provider: RawProvider;
  rules: RawRules;
  templates: RawTemplates;
  staff?: StaffMember[];
  ingress?: { listen: string; public_url: string };
  backup: { enabled: boolean; dir?: string; keep: number };
  webhooks?: RawWebhook[];
}

// Metrics.

export interface Period {
  first_day: string;
  last_day: string;
  from: string;
  to: string;
  time_zone: string;
}

export interface TemplateResults {
  n: number;
  replied: number;
  reply_rate: number | null;
  booked: number;
  booking_rate: number | null;
}

export interface Metrics {
  period: Period;
  missed: number;
  texted: number;
  skipped: Record<string, number>;
  delivered: number;
  failed: Record<string, number>;
  replied: number;
  reply_rate: number | null;
  booked: number;
  conversion_rate: number | null;
  time_to_text_p50_s: number | null;
  time_to_text_p90_s: number | null;
  time_to_text_n: number;
  /** Text-backs by time to text, in buckets up to each `up_to_s`; the last is open. */
  time_to_text_histogram: TimeBucket[];
  staff_reply_p50_s: number | null;
  staff_reply_n: number;
  replies_by_step: Record<string, number>;
  templates: Record<string, TemplateResults>;
  /** Seven rows, Monday first, of 24 hours each. */
  missed_by_hour: number[][];
}

export interface TimeBucket {
  up_to_s: number | null;
  count: number;
}

export interface Report extends Metrics {
  previous?: Metrics;
}

// CRM.

export interface WebhookEndpoint {
  url: string;
  secret_env: string;
  connected: boolean;
  gone_since: string | null;
  pending: number;
  delivered: number;
  failed: number;
}

export interface DeliveryAttempt {
  url: string;
  event_id: string;
  event_type: string;
  at: string;
  status: number | null;
  error: string | null;
  /** delivered, retrying, failed (given up) or gone (410). */
  outcome: string;
}

// Events.

export type EventKind =
  | { type: 'call_detected'; call_id: number; sid: string; from: string; to: string; outcome: string; missed: boolean }
  | { type: 'call_skipped'; call_id: number; reason: string }
  | { type: 'text_scheduled'; message_id: number; kind: string; due_at: string }
  | { type: 'text_sent'; message_id: number; sid: string }
  | { type: 'text_failed'; message_id: number; code: number | null; reason: string }
  | { type: 'text_cancelled'; message_id: number; reason: string }
  | { type: 'delivery_changed'; message_id: number; status: string; error_code: number | null }
  | { type: 'reply_received'; message_id: number; from: string; body: string }
  | { type: 'opted_out'; number: string; source: string }
  | { type: 'opted_in'; number: string }
  | { type: 'status_changed'; from: string; to: string }
  | { type: 'assigned'; to: string | null }
  | { type: 'note_added'; note_id: number }
  | { type: 'blocked'; number: string }
  | { type: 'unblocked'; number: string }
  | { type: 'conversation_read' }
  | { type: 'follow_ups_stopped'; reason: string }
  | { type: 'staff_alert'; reason: string; detail: string }
  | { type: 'provider_down'; since: string; error: string }
  | { type: 'provider_up' }
  | { type: 'settings_changed' }
  | { type: 'pumping_alert'; reason: string; count: number; window_minutes: number }
  | { type: 'backup_made'; path: string }
  | { type: 'backup_failed'; error: string };

export type EngineEvent = { id: number; at: string; conversation_id: number | null } & EventKind;

export type UiEvent =
  | { kind: 'engine'; event: EngineEvent }
  | { kind: 'unread'; total: number }
  | { kind: 'open_conversation'; conversation_id: number }
  | { kind: 'app_state'; state: AppState }
  /** Events were missed: everything on screen should be read again. */
  | { kind: 'resync' };
