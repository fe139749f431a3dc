import { drawPaymentCharts, type ChartMinute, type PaymentCharts } from '../shared/charts.js';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

interface DashboardData {
  readonly range: '60m' | '24h';
  readonly minutes: readonly ChartMinute[];
  readonly paidToday: number;
  readonly merchants: number;
  readonly wallets: number;
  readonly money: { readonly onPlatform: string; readonly inWallets: string; readonly heldInWallets: string; readonly withMerchants: string; readonly payingOut: string };
  readonly moneyAtMs: number;
  readonly timeZone: string;
}

/** How often the shown dashboard reads its figures again. */
const REFRESH_MS = 30_000;
/**
 * After this long with no key, pointer or wheel input on the page, the reads pause by themselves:
 * each read is a use of the session, and a console left open must still sign out when unused.
 */
const UNATTENDED_MS = 5 * 60_000;

/**
 * The Dashboard, the console's landing section: today's PAID payments, merchants and open wallets,
 * and the payment charts of the last hour (or day). It reads again every 30 s while it is shown,
 * the tab is visible and its updates are not paused; once another section replaces it, its timer
 * stops. The reads it makes by itself are not announced (a screen reader would hear the section
 * anew every 30 s): only a failed read is, and the line under the figures says when they are from.
 */
export const dashboardSection: Section<SignedInOperator> = {
  id: 'dashboard',
  title: 'Dashboard',
  render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const figures = document.createElement('dl');
    figures.className = 'headline';
    // Where the money is, from the ledger: what wallets, merchants and payouts being made hold adds up to it.
    const moneyTitle = Object.assign(document.createElement('h3'), { textContent: 'Where the money is (from the ledger)' });
    const moneyAt = document.createElement('p');
    const money = document.createElement('dl');
    money.className = 'headline';
    const rangeLabel = Object.assign(document.createElement('label'), { htmlFor: 'dashboard-range', textContent: 'Charts of the last ' });
    const range = Object.assign(document.createElement('select'), { id: 'dashboard-range' });
    range.append(new Option('60 minutes', '60m'), new Option('24 hours', '24h'));
    rangeLabel.append(range);
    const charts = document.createElement('div');
    const chartsTitle = Object.assign(document.createElement('h3'), { textContent: 'Payments, minute by minute (statistics)' });
    const updates = updateControls();
    container.append(figures, updates.line, moneyTitle, money, moneyAt, chartsTitle, rangeLabel, charts, statisticsNote(), status);
    let drawn: PaymentCharts | null = null;

    async function refresh(): Promise<void> {
      const a = await callPage<DashboardData>(`${ctx.api}dashboard`, { range: range.value }).catch((e: Error) => ({ data: null, msg: e.message }));
      if (a.data === null) {
        // Figures of an earlier read would pass for the ledger now: they go with the failed read.
        money.replaceChildren();
        moneyAt.textContent = '';
        return say(status, a.msg, 'error');
      }
      const d = a.data;
      figures.replaceChildren(...headline('Answered PAID today', d.paidToday), ...headline('Merchants', d.merchants), ...headline('Open wallets', d.wallets));
      const m = d.money;
      money.replaceChildren(...headline('On the platform', m.onPlatform), ...headline('In wallets', m.inWallets), ...headline('Of it, held for confirmation', m.heldInWallets),
        ...headline('With merchants', m.withMerchants), ...headline('Being paid out', m.payingOut));
      moneyAt.textContent = `As of ${formatTime(d.moneyAtMs, d.timeZone)}: in wallets, with merchants and being paid out add up to what is on the platform.`;
      drawn?.destroy();
      drawn = drawPaymentCharts(charts, d.minutes, { timeZone: d.timeZone });
      say(status, '');
      updates.readAt(formatTime(Date.now(), d.timeZone));
    }
    range.addEventListener('change', () => void refresh());
    const attended = lastInput();
    const timer = window.setInterval(() => {
      if (!container.isConnected) {
        window.clearInterval(timer);
        attended.stop();
        drawn?.destroy();
      } else if (Date.now() - attended.atMs() >= UNATTENDED_MS) updates.pauseUnattended();
      else if (document.visibilityState === 'visible' && !updates.paused()) void refresh();
    }, REFRESH_MS);
    return refresh();
  },
};

/** What the payment figures are, said once (it does not change with each read). */
function statisticsNote(): HTMLParagraphElement {
  return Object.assign(document.createElement('p'), {
    className: 'help',
    textContent: "The payment figures and charts are statistics, not the ledger: the current minute shows once it ends, a payment that waited for the holder's PIN counts as pending, "
      + 'not as paid, and a server stopped with kill -9 loses its current minute. '
      + "Where the money is comes from the ledger itself; a merchant's day is in its statements (micropay report daily).",
  });
}

/** When someone last used the page (a key, a pointer, the wheel); `stop` when the section is gone. */
function lastInput(): { atMs: () => number; stop: () => void } {
  let atMs = Date.now();
  const listening = new AbortController();
  for (const type of ['keydown', 'pointerdown', 'wheel']) {
    document.addEventListener(type, () => (atMs = Date.now()), { capture: true, passive: true, signal: listening.signal });
  }
  return { atMs: () => atMs, stop: () => listening.abort() };
}

/**
 * When the figures were read, and a button that pauses the reads every 30 s (and resumes them):
 * figures that change by themselves can be held still to be read (WCAG 2.2.2). Paused by itself
 * when no one has used the page for a while, it says so; pressed again, the reads go on.
 */
function updateControls(): { line: HTMLElement; readAt: (time: string) => void; paused: () => boolean; pauseUnattended: () => void } {
  const line = Object.assign(document.createElement('p'), { className: 'dashboard-updates' });
  const when = document.createElement('span');
  // A toggle: its name stays, aria-pressed says whether the updates are paused.
  const pause = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Pause updates' });
  pause.setAttribute('aria-pressed', 'false');
  const paused = () => pause.getAttribute('aria-pressed') === 'true';
  let time = '';
  let unattended = false;
  const tell = () => {
    const state = !paused() ? 'reads again every 30 seconds' : unattended ? 'updates paused: no one has used the console for 5 minutes' : 'updates paused';
    when.textContent = `Read at ${time}; ${state}. `;
  };
  pause.addEventListener('click', () => {
    unattended = false;
    pause.setAttribute('aria-pressed', String(!paused()));
    tell();
  });
  line.append(when, pause);
  return {
    line,
    readAt(at) {
      time = at;
      tell();
    },
    paused,
    pauseUnattended() {
      if (paused()) return;
      unattended = true;
      pause.setAttribute('aria-pressed', 'true');
      tell();
    },
  };
}

/** A figure: a count written with its thousands marked, an amount (a decimal string) as the wire has it. */
function headline(term: string, value: number | string): HTMLElement[] {
  const box = document.createElement('div');
  box.append(Object.assign(document.createElement('dt'), { textContent: term }),
    Object.assign(document.createElement('dd'), { textContent: typeof value === 'number' ? value.toLocaleString('en-GB') : value }));
  return [box];
}
