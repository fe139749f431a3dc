import '../src/shared/base.css';
import { drawPaymentCharts, type ChartMinute } from '../src/shared/charts.js';

/**
 * The browser side of payment-charts.test.ts: draws the minutes the test serves, as the
 * operator's dashboard will, and reports every CSP violation as a console error.
 */
document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
const minutes = (await (await fetch('/minutes.json')).json()) as ChartMinute[];
drawPaymentCharts(document.querySelector('main')!, minutes, { timeZone: 'UTC' });
document.body.dataset.drawn = 'yes';
