import type { Handler } from '../api/context.js';
import { closeBill, micropay, queryBill } from '../api/payments.js';

/**
 * Every endpoint takes a JSON object by POST and answers the JSON envelope. The first two are the
 * spec's; the others are MicroPay's extensions in the same style (docs/api.md).
 */
export const ROUTES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['/api/micropay/micropay', micropay],
  ['/api/micropay/queryBill', queryBill],
  ['/api/micropay/closeBill', closeBill],
]);
