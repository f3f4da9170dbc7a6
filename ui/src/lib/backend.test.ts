import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { BackendError, tauriBackend } = await import('./backend');

beforeEach(() => {
  invoke.mockReset();
});

/** What `promise` rejected with. */
async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof BackendError>> {
  try {
    await promise;
  } catch (e) {
    return e as InstanceType<typeof BackendError>;
  }
  throw new Error('expected the call to fail');
}

describe('tauriBackend', () => {
  it('wraps a command error in a BackendError with its code, message and field', async () => {
    invoke.mockRejectedValue({ code: 'invalid_settings', message: 'business.name: must not be empty', field: 'business.name' });

    const error = await rejection(tauriBackend.settings());

    expect(error, 'a typed error, not a bare object').toBeInstanceOf(BackendError);
    expect(error.code, 'the code is kept').toBe('invalid_settings');
    expect(error.field, 'the field is kept').toBe('business.name');
    expect(error.message, 'the message is kept').toBe('business.name: must not be empty');
  });

  it('wraps a plain string rejection too', async () => {
    invoke.mockRejectedValue('command inbox not found');

    const error = await rejection(tauriBackend.inbox({}));

    expect(error, 'still a BackendError').toBeInstanceOf(BackendError);
    expect(error.code, 'marked internal').toBe('internal');
    expect(error.message, 'with the text as its message').toBe('command inbox not found');
  });

  it('names arguments in snake case', async () => {
    invoke.mockResolvedValue({ conversation: {}, items: [] });

    await tauriBackend.thread(7, true);

    expect(invoke, 'the shell reads conversation_id and mark_read').toHaveBeenCalledWith('thread', { conversation_id: 7, mark_read: true });
  });
});
