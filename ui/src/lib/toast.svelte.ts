/** Short confirmations that something worked; errors are shown where they happened instead. */

export interface Toast {
  id: number;
  message: string;
}

const SHOWN_FOR_MS = 4000;

let nextId = 1;

export const toasts: Toast[] = $state([]);

export function toast(message: string): void {
  const id = nextId++;
  toasts.push({ id, message });
  setTimeout(() => dismiss(id), SHOWN_FOR_MS);
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
