/**
 * A section of a console (docs/consoles.md): one module exporting one of these, and one line in
 * its console's list (merchant/sections.ts, admin/sections.ts). The shell draws the navigation
 * from the list, shows a section to the roles it names (every role when `roles` is absent), and
 * calls `render` with an empty container each time the section is opened. Hiding a section is
 * for the person's convenience only: its APIs check the role on the server.
 */
export interface Section<Who> {
  /** Its place in the address: /merchant#users. Letters, digits and `-`. */
  readonly id: string;
  readonly title: string;
  /**
   * The heading and tab title of a place inside the section (`#orders/T-1001` → "Order T-1001"),
   * from its path; absent, or for the section's own page, `title`.
   */
  titleOf?(path: string): string;
  /** The roles that see it; absent: everyone signed in. */
  readonly roles?: readonly string[];
  render(container: HTMLElement, ctx: ConsoleContext<Who>): void | Promise<void>;
}

export interface ConsoleContext<Who> {
  /** Who is signed in, as the session answered. */
  readonly who: Who;
  /** The console's API path prefix: `merchant/` or `admin/` (shared/page-api.ts callPage). */
  readonly api: string;
  /** What follows the section's id in the address (`#orders/ORD-1` → `ORD-1`), decoded; '' for none. */
  readonly path: string;
}
