import { currentCsrfToken, saySignedOut, SESSION_ENDED, SESSION_REPLACED, SESSION_TIME_EVENT, SIGNED_OUT_EVENT, Unreachable, type SessionDeadlines } from './page-api.js';
import { currentSession, type PageName } from './session.js';
import { formatClock } from './time.js';

/**
 * The warning before a page's session ends (WCAG 2.2.1 Timing Adjustable; docs/pages.md,
 * docs/consoles.md), the same for the till and both consoles. The server's rules (30 minutes
 * unused, 12 hours at most) reach the page with every answer (SESSION_TIME_EVENT); nothing here
 * keeps the session alive by itself: an unattended till still signs out. Shortly before the idle
 * end the person is asked, and one step ("Stay signed in", a session read, which the server counts
 * as a use) keeps them signed in. Before the 12-hour end, which nothing extends, they are told when
 * they will have to sign in again. Ignored, the page shows its sign-in with the reason, as a call
 * refused for an ended session does.
 */

/** How long before the idle end the warning shows: time to notice it and answer (WCAG asks for 20 s at least). */
const IDLE_WARNING_MS = 2 * 60_000;
/** How long before the 12-hour end its notice shows: time to finish a sale or a form first. */
const FINAL_WARNING_MS = 10 * 60_000;

type Shown = 'idle' | 'final' | null;

export function warnBeforeSessionEnds(page: PageName): void {
  const view = new WarningView(() => void stay(), () => dismissFinal());
  let deadlines: SessionDeadlines | null = null;
  /** The 12-hour end whose notice was closed: it is not shown again for that end. */
  let finalSeenFor: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tabs = otherTabs(page, (theirs) => {
    if (deadlines === null || !(theirs.idleEndsAtMs > deadlines.idleEndsAtMs)) return;
    deadlines = { ...deadlines, idleEndsAtMs: theirs.idleEndsAtMs };
    check();
  });

  window.addEventListener(SESSION_TIME_EVENT, (event) => {
    const told = (event as CustomEvent<SessionDeadlines | null>).detail;
    // An answer that arrives after the page signed out (sent before) times no session of the page's.
    if (told !== null && currentCsrfToken() === null) return;
    deadlines = told;
    if (deadlines !== null) tabs.tell(deadlines);
    check();
  });
  // Ended some other way (a refused call, a lock): the page shows its sign-in; nothing is left to time.
  window.addEventListener(SIGNED_OUT_EVENT, () => {
    deadlines = null;
    view.hide(false);
    clearTimeout(timer);
  });
  // A sleeping phone or laptop runs no timers: back on screen, the time is checked at once.
  document.addEventListener('visibilitychange', () => check());

  function check(): void {
    clearTimeout(timer);
    if (deadlines === null) return view.hide(true);
    const now = Date.now();
    const endsAt = Math.min(deadlines.idleEndsAtMs, deadlines.endsAtMs);
    if (now >= endsAt) return sessionOver(deadlines);
    const shown = dueWarning(deadlines, now, finalSeenFor);
    if (shown === null) view.hide(true);
    else view.show(shown, shown === 'idle' ? deadlines.idleEndsAtMs : deadlines.endsAtMs, deadlines.idleLimitMs);
    timer = setTimeout(check, nextCheckIn(deadlines, now, shown));
  }

  /** The end came with the warning unanswered: the server has ended the session by now; the page says so. */
  function sessionOver(ended: SessionDeadlines): void {
    deadlines = null;
    view.hide(false);
    saySignedOut(ended.idleEndsAtMs <= ended.endsAtMs
      ? `Your session has ended: unused for ${minutesWords(ended.idleLimitMs)}. Sign in again.`
      : 'Your session has ended: it reached its time limit. Sign in again.');
  }

  /**
   * One step: the session read, a use on the server; its answer's new end (SESSION_TIME_EVENT)
   * takes the warning away. The cookie may hold another session by now (another tab signed in,
   * maybe as someone else): that one is not taken over, and this page signs out instead.
   */
  async function stay(): Promise<void> {
    view.busy(true);
    const mine = currentCsrfToken();
    try {
      // Not signed in any more (ended elsewhere meanwhile): the page shows its sign-in, as for a refused call.
      if ((await currentSession(page)) === null) saySignedOut(SESSION_ENDED);
      else if (currentCsrfToken() !== mine) saySignedOut(SESSION_REPLACED);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      view.problem(error.message);
    } finally {
      view.busy(false);
    }
  }

  function dismissFinal(): void {
    if (deadlines !== null) finalSeenFor = deadlines.endsAtMs;
    check();
  }
}

/** Which warning is due now: the idle one while using the page can still help, else the 12-hour notice. */
function dueWarning(d: SessionDeadlines, now: number, finalSeenFor: number | null): Shown {
  const idleFirst = d.idleEndsAtMs < d.endsAtMs;
  if (idleFirst && now >= d.idleEndsAtMs - idleWarningMs(d)) return 'idle';
  if (!sameEnd(finalSeenFor, d.endsAtMs) && now >= d.endsAtMs - FINAL_WARNING_MS) return 'final';
  return null;
}

/**
 * Each answer puts the 12-hour end a few ms elsewhere (counted from its own arrival): within a
 * minute it is the same end, whose notice was closed. A new sign-in's is 12 hours later.
 */
function sameEnd(closedFor: number | null, endsAtMs: number): boolean {
  return closedFor !== null && Math.abs(closedFor - endsAtMs) < 60_000;
}

/** The warning's lead, shorter under a short idle rule, so a warning never comes before the session was even used. */
function idleWarningMs(d: SessionDeadlines): number {
  return Math.min(IDLE_WARNING_MS, d.idleLimitMs / 2);
}

/** When to look again: the next warning or end, and each second while one shows its countdown. */
function nextCheckIn(d: SessionDeadlines, now: number, shown: Shown): number {
  const moments = [d.idleEndsAtMs - idleWarningMs(d), d.endsAtMs - FINAL_WARNING_MS, d.idleEndsAtMs, d.endsAtMs].filter((t) => t > now);
  if (shown !== null) moments.push(now + 1_000);
  return Math.max(0, Math.min(...moments) - now);
}

/**
 * The page's other tabs, which share its session (one cookie): a use in any of them moves every
 * tab's idle end. Each tells the others its session's time; a tab hears only its own session's,
 * not when it is signed out, nor when another tab's sign-in (as someone else, say) replaced its
 * session in the cookie.
 */
function otherTabs(page: PageName, heard: (theirs: SessionDeadlines) => void): { tell: (mine: SessionDeadlines) => void } {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`micropay-session-${page}`) : null;
  channel?.addEventListener('message', (event: MessageEvent<SessionDeadlines & { session: string }>) => {
    const token = currentCsrfToken();
    if (token !== null && event.data.session === sessionTag(token)) heard(event.data);
  });
  return { tell: (mine) => channel?.postMessage({ ...mine, session: sessionTag(currentCsrfToken()) }) };
}

/**
 * A session's name among the page's tabs: a short hash of its CSRF token (FNV-1a), so tabs tell
 * sessions apart without the token itself going round.
 */
function sessionTag(token: string | null): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < (token ?? '').length; i++) hash = Math.imul(hash ^ token!.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16);
}

function minutesWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** `m:ss` left, for the countdown. */
function leftWords(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1_000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The warning itself: a modal alertdialog (the page behind it waits), focused on its one button;
 * closing it gives the focus back to where it was. Escape does what the button does: whoever
 * pressed it is there, and a warning dismissed without staying would sign them out unwarned.
 */
class WarningView {
  readonly #dialog = document.createElement('dialog');
  readonly #title = document.createElement('h2');
  readonly #text = document.createElement('p');
  readonly #left = document.createElement('p');
  readonly #status = document.createElement('p');
  readonly #button = document.createElement('button');
  #shown: Shown = null;
  /** The warning last put in words, whether or not it shows now. */
  #said: Shown = null;
  #returnFocus: Element | null = null;

  constructor(stay: () => void, dismiss: () => void) {
    const d = this.#dialog;
    d.className = 'session-warning';
    d.setAttribute('role', 'alertdialog');
    Object.assign(this.#title, { id: 'session-warning-title' });
    Object.assign(this.#text, { id: 'session-warning-text' });
    d.setAttribute('aria-labelledby', this.#title.id);
    d.setAttribute('aria-describedby', this.#text.id);
    // The countdown is for the eye: read out every second it would drown the words.
    this.#left.className = 'session-warning-left';
    this.#left.setAttribute('aria-hidden', 'true');
    this.#status.setAttribute('role', 'alert');
    this.#button.type = 'button';
    const act = () => (this.#shown === 'idle' ? stay() : dismiss());
    this.#button.addEventListener('click', act);
    d.addEventListener('cancel', (event) => {
      event.preventDefault();
      act();
    });
    // The browser may close it all the same (Escape twice, without a tap between): then it is not
    // shown, and the next check opens it again if it is still due (with what went wrong, if anything).
    d.addEventListener('close', () => {
      this.#shown = null;
    });
    const actions = Object.assign(document.createElement('div'), { className: 'actions' });
    actions.append(this.#button);
    d.append(this.#title, this.#text, this.#left, this.#status, actions);
    document.body.append(d);
  }

  show(kind: 'idle' | 'final', endsAtMs: number, idleLimitMs: number): void {
    this.#left.textContent = `Time left: ${leftWords(endsAtMs - Date.now())}`;
    if (this.#shown === kind) return;
    const idle = kind === 'idle';
    this.#title.textContent = idle ? 'You will be signed out soon' : 'Your session ends soon';
    this.#text.textContent = idle
      ? `This page has not been used for a while, and a session unused for ${minutesWords(idleLimitMs)} ends. You will be signed out at ${formatClock(endsAtMs)} unless you stay signed in.`
      : `Sessions have a time limit, and yours ends at ${formatClock(endsAtMs)}, however busy the page is. Finish what you are doing: you will need to sign in again then.`;
    this.#button.textContent = idle ? 'Stay signed in' : 'Close';
    // A problem said (no network) stays while the same warning is asked again.
    if (this.#said !== kind) this.#status.textContent = '';
    this.#said = kind;
    if (this.#shown === null) this.#open();
    this.#shown = kind;
  }

  #open(): void {
    // Opened again after the browser closed it: the focus goes back where it was before the first.
    if (!(this.#returnFocus instanceof HTMLElement && this.#returnFocus.isConnected)) this.#returnFocus = document.activeElement;
    this.#dialog.showModal();
    this.#button.focus();
  }

  /** `restoreFocus`: false when the page is about to show its sign-in, which takes the focus itself. */
  hide(restoreFocus: boolean): void {
    if (this.#shown === null) return;
    this.#shown = null;
    this.#dialog.close();
    const back = this.#returnFocus;
    this.#returnFocus = null;
    if (restoreFocus && back instanceof HTMLElement && back.isConnected) back.focus();
  }

  busy(on: boolean): void {
    this.#button.disabled = on;
    if (!on && this.#shown !== null) this.#button.focus();
  }

  problem(message: string): void {
    this.#status.textContent = message;
  }
}
