import {
  closeUnusedOrderId,
  decideClose,
  decideConfirm,
  decideDecline,
  decideSweep,
  settlementEffects,
  type SettleResult,
} from '../domain/settlement.js';
import { unchanged } from '../domain/effects.js';
import type { StorePort } from '../store/port.js';

/** Orders the sweeper settles per run; the rest wait for its next run. */
const SWEEP_LIMIT = 500;

/**
 * How unsettled orders end (domain/settlement.ts): each is one transaction that locks the order,
 * so a confirmation racing with a close or the sweeper finds the other's result and changes nothing.
 */
export function confirmPending(port: StorePort, walletId: string, orderId: string): Promise<SettleResult> {
  return port.decide({ view: 'order', orderId, withWallet: true }, (found, nowMs) => {
    if (found === null || found.order.walletId !== walletId) return unchanged({ kind: 'not_found' });
    return settlementEffects(found.order, decideConfirm(found.order, found.wallet!, nowMs), nowMs);
  });
}

export function declinePending(port: StorePort, walletId: string, orderId: string): Promise<SettleResult> {
  return port.decide({ view: 'order', orderId, withWallet: false }, (found, nowMs) => {
    if (found === null || found.order.walletId !== walletId) return unchanged({ kind: 'not_found' });
    return settlementEffects(found.order, decideDecline(found.order), nowMs);
  });
}

/** An order id no payment reached is itself recorded closed: a payment under it is refused from then on. */
export function closeOrder(port: StorePort, mchId: string, mchOrderId: string): Promise<SettleResult> {
  return port.decide({ view: 'orderToClose', mchId, mchOrderId }, (order, nowMs) => {
    if (order === null) return closeUnusedOrderId(mchId, mchOrderId, nowMs);
    return settlementEffects(order, decideClose(order), nowMs);
  });
}

/** Fails the unsettled orders whose deadline has passed, each in its own transaction; returns how many. */
export async function sweep(port: StorePort): Promise<number> {
  let settled = 0;
  for (const orderId of await port.dueUnsettledOrderIds(port.nowMs(), SWEEP_LIMIT)) {
    const result = await port.decide({ view: 'order', orderId, withWallet: false }, (found, nowMs) =>
      found === null ? unchanged<SettleResult>({ kind: 'not_found' }) : settlementEffects(found.order, decideSweep(found.order, nowMs), nowMs),
    );
    if (result.kind === 'settled') settled += 1;
  }
  return settled;
}
