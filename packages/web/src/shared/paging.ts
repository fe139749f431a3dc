/**
 * What every paged list does once its next (or older) page is drawn, on the pages and in the
 * consoles alike: say how many came, and put the keyboard's focus on the first of them.
 */

/** "1 wallet", "20 wallets": a count of rows in words. */
export function countOf(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/**
 * After a paging button (Next page, Older, First page) drew its page: the focus goes to the
 * page's first row, made focusable for it, so a keyboard goes on from there and a screen reader
 * reads it; with no row, to the status line that says so. Never to the page's start.
 */
export function focusPage(rows: readonly HTMLElement[], said: HTMLElement): void {
  const target = rows[0] ?? said;
  target.tabIndex = -1;
  target.focus();
}
