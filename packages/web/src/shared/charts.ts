import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';

/**
 * The operator dashboard's payment charts: payments per minute, success rate, and median and p99
 * latency, drawn with uPlot (bundled, MIT). uPlot styles its elements through the CSSOM
 * (element.style), which `style-src 'self'` allows; its stylesheet is bundled like ours. The
 * canvases are hidden from screen readers: the caption of each chart, the summary of the latest
 * minute and the table of recent minutes say the same in text.
 */

/** One minute as the server's paymentMinutes() reads it (packages/server/src/domain/payment-minutes.ts). */
export interface ChartMinute {
  readonly minuteStartMs: number;
  /** Every answered micropay request. */
  readonly requests: number;
  readonly counts: { readonly paid: number };
  /** PAID ÷ decided payments, 0 to 1; null when none was decided. */
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface PaymentCharts {
  /** Removes the charts (and their resize listener). */
  destroy(): void;
}

/** Rows in the text table: the latest minutes, newest first. */
const TABLE_MINUTES = 10;
const HEIGHT = 180;

/** Draws the three charts, the summary and the table into `container`, replacing what it held. */
export function drawPaymentCharts(container: HTMLElement, minutes: readonly ChartMinute[], options: { timeZone?: string } = {}): PaymentCharts {
  container.replaceChildren();
  container.classList.add('payment-charts');
  const times = minutes.map((m) => m.minuteStartMs / 1000);
  const width = () => Math.max(280, contentWidth(container));
  const charts = [
    chart(container, 'Payments per minute', 'payments', width(), options.timeZone, [times, minutes.map((m) => m.requests), minutes.map((m) => m.counts.paid)], [
      { label: 'Answered', stroke: '#0b3d91', width: 2 },
      { label: 'Paid', stroke: '#1b7a1b', width: 2 },
    ]),
    chart(container, 'Success rate', '%', width(), options.timeZone, [times, minutes.map((m) => percent(m.successRate))], [
      { label: 'Paid of decided', stroke: '#1b7a1b', width: 2, value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`) },
    ], { range: [0, 100] }),
    chart(container, 'Latency', 'ms', width(), options.timeZone, [times, minutes.map((m) => m.p50Ms), minutes.map((m) => m.p99Ms)], [
      { label: 'Median', stroke: '#0b3d91', width: 2, value: (_u, v) => (v === null ? '–' : `${formatMs(v)} ms`) },
      { label: 'p99', stroke: '#a00000', width: 2, value: (_u, v) => (v === null ? '–' : `${formatMs(v)} ms`) },
    ], { distr: 3 }),
  ];
  // The table is in a box of its own: a table is as wide as its content whatever its width says,
  // and a hidden one that wide still widened a phone's page.
  const hidden = Object.assign(document.createElement('div'), { className: 'chart-table-box' });
  hidden.append(recentTable(minutes, options.timeZone));
  container.append(summary(minutes, options.timeZone), hidden);
  const resize = () => charts.forEach((c) => c.setSize({ width: width(), height: HEIGHT }));
  window.addEventListener('resize', resize);
  return {
    destroy() {
      window.removeEventListener('resize', resize);
      charts.forEach((c) => c.destroy());
      container.replaceChildren();
    },
  };
}

/** One chart in a figure with its caption; the canvas itself is hidden from assistive technology. */
function chart(
  container: HTMLElement,
  caption: string,
  unit: string,
  width: number,
  timeZone: string | undefined,
  data: uPlot.AlignedData,
  series: uPlot.Series[],
  y: { range?: [number, number]; distr?: uPlot.Scale.Distr } = {},
): uPlot {
  const figure = document.createElement('figure');
  const title = document.createElement('figcaption');
  title.textContent = `${caption} (${unit})`;
  const plot = document.createElement('div');
  plot.setAttribute('aria-hidden', 'true');
  figure.append(title, plot);
  container.append(figure);
  return new uPlot(
    {
      width,
      height: HEIGHT,
      ...(timeZone === undefined ? {} : { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), timeZone) }),
      scales: { x: { time: true }, y: { ...(y.range === undefined ? {} : { range: y.range }), ...(y.distr === undefined ? {} : { distr: y.distr }) } },
      // Minutes on a 24-hour clock in the platform's zone, as the summary and the table show them.
      axes: [{ stroke: '#000', values: (_u, splits) => splits.map((s) => clock(s * 1000, timeZone)) }, { stroke: '#000', label: unit, size: 60 }],
      series: [{ label: 'Minute' }, ...series],
    },
    data,
    plot,
  );
}

/** The latest minute in words: what a screen reader, and a glance, needs. */
function summary(minutes: readonly ChartMinute[], timeZone: string | undefined): HTMLElement {
  const p = document.createElement('p');
  p.className = 'chart-summary';
  const last = minutes.at(-1);
  p.textContent = last === undefined
    ? 'No minutes to show.'
    : `Latest minute, ${clock(last.minuteStartMs, timeZone)}: ${last.requests} payment${last.requests === 1 ? '' : 's'} answered, ${last.counts.paid} paid, `
      + `success rate ${last.successRate === null ? 'none decided' : `${percent(last.successRate)!.toFixed(1)} %`}, `
      + `median ${last.p50Ms === null ? '–' : `${formatMs(last.p50Ms)} ms`}, p99 ${last.p99Ms === null ? '–' : `${formatMs(last.p99Ms)} ms`}.`;
  return p;
}

function recentTable(minutes: readonly ChartMinute[], timeZone: string | undefined): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'chart-table';
  table.createCaption().textContent = `The latest ${Math.min(TABLE_MINUTES, minutes.length)} minutes, newest first`;
  const head = table.createTHead().insertRow();
  for (const h of ['Minute', 'Answered', 'Paid', 'Success rate', 'Median', 'p99']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const m of minutes.slice(-TABLE_MINUTES).reverse()) {
    const cells = [clock(m.minuteStartMs, timeZone), String(m.requests), String(m.counts.paid),
      m.successRate === null ? '–' : `${percent(m.successRate)!.toFixed(1)} %`,
      m.p50Ms === null ? '–' : `${formatMs(m.p50Ms)} ms`, m.p99Ms === null ? '–' : `${formatMs(m.p99Ms)} ms`];
    const row = body.insertRow();
    for (const c of cells) row.insertCell().textContent = c;
  }
  return table;
}

/** The container's width inside its padding: the charts fill it without overflowing. */
function contentWidth(element: HTMLElement): number {
  const style = getComputedStyle(element);
  return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}

function percent(rate: number | null): number | null {
  return rate === null ? null : rate * 100;
}

/** Latencies are bucket bounds (26 % apart): three significant digits say all they know. */
function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3).replace(/\.?0+$/, '');
}

function clock(atMs: number, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(atMs);
}
