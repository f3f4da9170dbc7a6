/**
 * The settings as last saved, and saving a change to one part of them. Each section edits a
 * copy of its own part and saves the whole object with only that part replaced, so saving the
 * rules never writes half-edited business details.
 */

import { getContext, setContext } from 'svelte';
import type { Backend } from '../lib/backend';
import { BackendError } from '../lib/backend';
import type { RawConfig } from '../lib/types';

export class SettingsForm {
  saved: RawConfig | null = $state(null);
  loadError: string | null = $state(null);

  constructor(private backend: Backend) {}

  async load(): Promise<void> {
    try {
      this.saved = await this.backend.settings();
      this.loadError = null;
    } catch (e) {
      this.loadError = BackendError.from(e).message;
    }
  }

  /** A plain, editable copy of part of the saved settings. */
  copy<T>(pick: (config: RawConfig) => T): T {
    if (!this.saved) throw new Error('settings are not loaded');
    return $state.snapshot(pick(this.saved)) as T;
  }

  /** Saves the settings with `change` applied; returns the error, or null when saved. */
  async save(change: (config: RawConfig) => void): Promise<BackendError | null> {
    if (!this.saved) return new BackendError('not_loaded', 'The settings have not been loaded yet.');
    const next = $state.snapshot(this.saved) as RawConfig;
    change(next);
    try {
      await this.backend.saveSettings(next);
      this.saved = next;
      return null;
    } catch (e) {
      return BackendError.from(e);
    }
  }
}

/** The error's message when it is about `field`, without the key it may start with. */
export function fieldError(error: BackendError | null, field: string): string | null {
  if (!error || error.field !== field) return null;
  const prefix = `${field}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** The error's message when no field of the form shows it: it goes at the top instead. */
export function formError(error: BackendError | null, fields: readonly string[]): string | null {
  if (!error) return null;
  if (error.field && fields.includes(error.field)) return null;
  return error.message;
}

const FORM_KEY = Symbol('settings-form');

/** Shares one loaded form with the settings sections below the caller. */
export function provideSettingsForm(form: SettingsForm): void {
  setContext(FORM_KEY, form);
}

export function useSettingsForm(): SettingsForm {
  const form = getContext<SettingsForm | undefined>(FORM_KEY);
  if (!form) throw new Error('useSettingsForm() called outside the settings screen');
  return form;
}
