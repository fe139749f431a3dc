/** The page's element with this id, of the expected kind: a shell that lacks it is a build bug. */
export function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return found;
}

/** Shows a message in a live region (role=status or alert), so screen readers announce it. */
export function say(region: HTMLElement, message: string, tone: 'info' | 'error' = 'info'): void {
  region.textContent = message;
  region.dataset.tone = tone;
}
