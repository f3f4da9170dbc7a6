/**
 * The inbox's state: the list with its filters, search, and the open thread. Engine events
 * refresh what is on screen: the list's first page (bursts of events collapse into one
 * fetch) and the open thread when the event is about it.
 */

import type { Backend } from '../lib/backend';
import { BackendError } from '../lib/backend';
import type { ConversationSummary, SearchHit, Status, Thread, UiEvent } from '../lib/types';

const PAGE_SIZE = 50;
const SEARCH_LIMIT = 50;

export class InboxStore {
  conversations: ConversationSummary[] = $state([]);
  next: string | null = $state(null);
  status: Status | null = $state(null);
  unreadOnly = $state(false);
  listError: string | null = $state(null);

  query = $state('');
  hits: SearchHit[] = $state([]);
  searchError: string | null = $state(null);

  openId: number | null = $state(null);
  thread: Thread | null = $state(null);
  threadError: string | null = $state(null);
  actionError: string | null = $state(null);
  /** Whether the box under the thread writes a reply or a note. */
  composeMode: 'reply' | 'note' = $state('reply');

  private timer: ReturnType<typeof setTimeout> | null = null;
  private dirtyThread = false;
  private listRequest = 0;
  private threadRequest = 0;

  constructor(
    private backend: Backend,
    private debounceMs = 100,
  ) {}

  /** Fetches the first page of the list again, replacing what is shown. */
  async refresh(): Promise<void> {
    const request = ++this.listRequest;
    try {
      const page = await this.backend.inbox({ status: this.status, unread_only: this.unreadOnly, limit: PAGE_SIZE });
      if (request !== this.listRequest) return;
      this.conversations = page.conversations;
      this.next = page.next;
      this.listError = null;
    } catch (e) {
      if (request === this.listRequest) this.listError = BackendError.from(e).message;
    }
  }

  async loadMore(): Promise<void> {
    if (!this.next) return;
    const request = this.listRequest;
    try {
      const page = await this.backend.inbox({
        status: this.status,
        unread_only: this.unreadOnly,
        after: this.next,
        limit: PAGE_SIZE,
      });
      if (request !== this.listRequest) return;
      const shown = new Set(this.conversations.map((c) => c.id));
      this.conversations = [...this.conversations, ...page.conversations.filter((c) => !shown.has(c.id))];
      this.next = page.next;
    } catch (e) {
      this.listError = BackendError.from(e).message;
    }
  }

  setStatusFilter(status: Status | null): Promise<void> {
    this.status = status;
    return this.refresh();
  }

  toggleUnread(): Promise<void> {
    this.unreadOnly = !this.unreadOnly;
    return this.refresh();
  }

  /** Searches everything; an empty query goes back to the list. */
  async search(query: string): Promise<void> {
    this.query = query;
    if (!query.trim()) {
      this.hits = [];
      this.searchError = null;
      return;
    }
    try {
      const hits = await this.backend.search(query.trim(), SEARCH_LIMIT);
      if (this.query === query) {
        this.hits = hits;
        this.searchError = null;
      }
    } catch (e) {
      this.searchError = BackendError.from(e).message;
    }
  }

  /** Opens a conversation and marks it read. */
  async open(id: number): Promise<void> {
    if (this.openId !== id) {
      this.thread = null;
      this.actionError = null;
    }
    this.openId = id;
    await this.reloadThread();
    const item = this.conversations.find((c) => c.id === id);
    if (item) item.unread = 0;
  }

  close(): void {
    this.openId = null;
    this.thread = null;
  }

  async reloadThread(): Promise<void> {
    const id = this.openId;
    if (id === null) return;
    const request = ++this.threadRequest;
    try {
      const thread = await this.backend.thread(id, pageVisible());
      if (request !== this.threadRequest) return;
      this.thread = thread;
      this.threadError = null;
    } catch (e) {
      if (request === this.threadRequest) this.threadError = BackendError.from(e).message;
    }
  }

  setStatus(status: Status): Promise<boolean> {
    return this.change((c) => this.backend.setStatus(c.id, status));
  }

  assign(to: string | null): Promise<boolean> {
    return this.change((c) => this.backend.assign(c.id, to));
  }

  setBlocked(blocked: boolean): Promise<boolean> {
    return this.change((c) => this.backend.setBlocked(c.customer_number, blocked));
  }

  setOptedOut(optedOut: boolean): Promise<boolean> {
    return this.change((c) => this.backend.setOptedOut(c.customer_number, optedOut));
  }

  /** Runs a change on the open conversation and shows the result; an error stays in
   * `actionError`, beside the controls that caused it. */
  private async change(run: (c: ConversationSummary) => Promise<unknown>): Promise<boolean> {
    const conversation = this.thread?.conversation;
    if (!conversation) return false;
    try {
      await run(conversation);
      this.actionError = null;
    } catch (e) {
      this.actionError = BackendError.from(e).message;
      return false;
    }
    await Promise.all([this.reloadThread(), this.refresh()]);
    return true;
  }

  /** Opens the conversation `step` places below (or above, when negative) the open one. */
  move(step: number): Promise<void> | undefined {
    if (this.conversations.length === 0) return;
    const at = this.conversations.findIndex((c) => c.id === this.openId);
    const target = at < 0 ? 0 : Math.min(Math.max(at + step, 0), this.conversations.length - 1);
    return this.open(this.conversations[target].id);
  }

  /** Applies an event: engine events refresh the list and the thread they concern; a resync
   * refreshes both. */
  handle(event: UiEvent): void {
    if (event.kind === 'resync') {
      this.dirtyThread = true;
    } else if (event.kind === 'engine') {
      const about = event.event.conversation_id;
      if (about !== null && about === this.openId) this.dirtyThread = true;
    } else {
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
      if (this.dirtyThread) {
        this.dirtyThread = false;
        void this.reloadThread();
      }
    }, this.debounceMs);
  }

  /** Stops a pending refresh, for when the app goes away. */
  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A thread is marked read only when someone can see it. */
function pageVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}
