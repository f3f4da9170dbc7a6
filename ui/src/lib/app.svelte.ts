/** What the whole app shares: the shell's state, the unread count, the screen shown and the
 * user's preferences. */

import type { Backend } from './backend';
import { BackendError } from './backend';
import type { Route, SettingsSection } from './route';
import type { AppState, Prefs, UiEvent } from './types';

export class AppStore {
  state: AppState | null = $state(null);
  prefs: Prefs | null = $state(null);
  unread = $state(0);
  route: Route = $state('inbox');
  /** The settings section to bring into view when the settings screen shows. */
  settingsSection: SettingsSection | null = $state(null);
  loadError: string | null = $state(null);

  constructor(private backend: Backend) {}

  async load(): Promise<void> {
    try {
      const [state, prefs] = await Promise.all([this.backend.appState(), this.backend.preferences()]);
      this.setState(state);
      this.prefs = prefs;
      this.loadError = null;
    } catch (e) {
      this.loadError = BackendError.from(e).message;
    }
  }

  setState(state: AppState): void {
    this.state = state;
    this.unread = state.unread_total;
  }

  /** Applies the events that concern the whole app. */
  handle(event: UiEvent): void {
    if (event.kind === 'unread') this.unread = event.total;
    if (event.kind === 'app_state') this.setState(event.state);
    if (event.kind === 'resync') void this.load();
  }

  go(route: Route, section?: SettingsSection): void {
    this.route = route;
    if (section) this.settingsSection = section;
  }
}
