/** Copies text to the clipboard; where the webview refuses, selects `fallback`'s text so the
 * user can copy it with a keystroke. Returns whether the copy happened. */
export async function copyText(text: string, fallback: HTMLElement | undefined): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback) {
      const range = document.createRange();
      range.selectNodeContents(fallback);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    return false;
  }
}
