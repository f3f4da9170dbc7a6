/** The screens of the app, in sidebar order. */

export type Route = 'inbox' | 'calls' | 'templates' | 'metrics' | 'settings';

export const ROUTES: { id: Route; label: string }[] = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'calls', label: 'Calls' },
  { id: 'templates', label: 'Templates' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'settings', label: 'Settings' },
];

/** The sections of the settings screen. */
export type SettingsSection = 'business' | 'rules' | 'staff' | 'provider' | 'webhooks' | 'preferences';
