import { describe, expect, it } from 'vitest';
import type { MicropayCommand, RefundCommand } from '@micropay/protocol';
import { orderMove, type Effect } from '../src/domain/effects.js';
import { merchantAccount, PLATFORM_FLOAT, walletAccount } from '../src/domain/ledger.js';
import type { Order, PayCode, Wallet } from '../src/domain/model.js';
import { decidePayment, faultEffects, orderAfterFault, paymentEffects, type PaymentView } from '../src/domain/payment.js';
import { LONGEST_HOLD_MS, tradeTimesOfPaymentsWithin } from '../src/domain/pay-time.js';
import { decideRefundFinish, decideRefundRequest, refundFinishEffects, refundRequestEffects } from '../src/domain/refund.js';
import { closeUnusedOrderId, decideClose, decideConfirm, decideDecline, decideSweep, settlementEffects } from '../src/domain/settlement.js';
import { MAX_WALLET_BALANCE_SEN, openWallet, walletAfterSecurity, WalletBalanceLimitError, WalletClosedError } from '../src/domain/wallet.js';

/**
 * Decisions and their effects (domain/effects.ts), checked without a database: what each decision
 * writes is fixed here, once, for every store that applies it.
 */
const NOW = 1_800_000_000_000;
const POLICY = { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 };
const MCH = '1001';
const CODE = '391234567890123456';

const wallet = (changes: Partial<Wallet> = {}): Wallet => ({
  walletId: '600000000001', name: 'Aisyah', status: 'active', balanceSen: 100_00, heldSen: 0, confirmLimitSen: null,
  hasPin: true, pinFailures: 0, createdAtMs: NOW - 1, ...changes,
});
const code: PayCode = { code: CODE, walletId: '600000000001', status: 'active', issuedAtMs: NOW - 10, expiresAtMs: NOW + 60_000 };
const cmd = (amountSen: number): MicropayCommand => ({
  mchId: MCH, mchOrderId: 'A-1', amountSen, goodsInfo: 'Kopi', discountSen: null, point: null, payCode: CODE, timestampMs: NOW,
});
const view = (changes: Partial<PaymentView> = {}): PaymentView => ({
  existing: null, payCode: code, wallet: wallet(), closedUnused: false, merchantActive: true, ...changes,
});
const pay = (amountSen: number, v: PaymentView = view()) => decidePayment(cmd(amountSen), v, POLICY, NOW, '4200000000000000000001');
const kinds = (effects: readonly Effect[]) => effects.map((e) => e.kind);

/** Each account's change in sen over the effects' journal entries. */
function moneyMoved(effects: readonly Effect[]): Map<string, number> {
  const moved = new Map<string, number>();
  for (const e of effects) {
    if (e.kind !== 'book') continue;
    for (const p of e.entry.postings) moved.set(p.accountId, (moved.get(p.accountId) ?? 0) + p.amountSen);
  }
  return moved;
}

describe('payment effects', () => {
  it('PAID writes the order, uses the code, books wallet → merchant and tells the merchant', () => {
    const decision = pay(12_50);
    const effects = paymentEffects(decision, CODE);
    expect(kinds(effects)).toEqual(['insertOrder', 'useCode', 'book', 'notify']);
    expect(moneyMoved(effects)).toEqual(new Map([[walletAccount('600000000001'), -12_50], [merchantAccount(MCH), 12_50]]));
    expect(effects[1]).toEqual({ kind: 'useCode', code: CODE, orderId: '4200000000000000000001' });
    expect(effects[3]).toMatchObject({ kind: 'notify', event: 'PAID', mchId: MCH, subject: { status: 'PAID' } });
  });

  it('above the limit the amount is held, nothing is booked and nobody is told yet', () => {
    const effects = paymentEffects(pay(300_00, view({ wallet: wallet({ balanceSen: 500_00 }) })), CODE);
    expect(kinds(effects)).toEqual(['insertOrder', 'useCode', 'hold']);
    expect(effects[2]).toEqual({ kind: 'hold', walletId: '600000000001', deltaSen: 300_00 });
  });

  it('FAILED records the order and tells the merchant; the code stays usable and no money moves', () => {
    const effects = paymentEffects(pay(100_01), CODE);
    expect(kinds(effects)).toEqual(['insertOrder', 'notify']);
    expect(effects[0]).toMatchObject({ order: { status: 'FAILED', failReason: 'INSUFFICIENT_BALANCE' } });
  });

  it('a repeat or a refusal writes nothing', () => {
    expect(paymentEffects(pay(1_00, view({ merchantActive: false })), CODE)).toEqual([]);
    expect(paymentEffects(pay(1_00, view({ closedUnused: true })), CODE)).toEqual([]);
    const paid = pay(1_00);
    expect(paymentEffects(pay(1_00, view({ existing: (paid as { order: Order }).order })), CODE)).toEqual([]);
  });

  it('a payment whose step failed leaves its order NEW, with a deadline and nothing moved', () => {
    const order = orderAfterFault(cmd(5_00), '600000000001', '4200000000000000000002', NOW, 30_000);
    expect(faultEffects(order, CODE)).toEqual([{ kind: 'insertOrder', order, payCode: CODE }]);
    expect(order).toMatchObject({ status: 'NEW', deadlineMs: NOW + 30_000 });
  });
});

describe('settlement effects', () => {
  const pending = (pay(300_00, view({ wallet: wallet({ balanceSen: 500_00 }) })) as { order: Order }).order;

  it('a confirmation releases the hold, books the payment, moves the order to PAID and tells the merchant', () => {
    const { result, effects } = settlementEffects(pending, decideConfirm(pending, wallet({ heldSen: 300_00 }), NOW + 5), NOW + 5);
    expect(kinds(effects)).toEqual(['hold', 'book', 'moveOrder', 'notify']);
    expect(effects[0]).toEqual({ kind: 'hold', walletId: '600000000001', deltaSen: -300_00 });
    expect(moneyMoved(effects).get(merchantAccount(MCH))).toBe(300_00);
    expect(result).toMatchObject({ kind: 'settled', order: { status: 'PAID', payTimeMs: NOW + 5, deadlineMs: null } });
  });

  it('a decline or a late confirmation releases the hold and fails the order; money stays', () => {
    for (const settlement of [decideDecline(pending), decideConfirm(pending, wallet(), pending.deadlineMs!)]) {
      const { effects } = settlementEffects(pending, settlement, NOW + 5);
      expect(kinds(effects)).toEqual(['hold', 'moveOrder', 'notify']);
      expect(moneyMoved(effects).size).toBe(0);
    }
  });

  it('pay time lies within [trade time, trade time + the longest hold] (domain/pay-time.ts)', () => {
    // A confirmation on a clock behind the one that took the payment (another process's) is paid
    // at the trade time, never before it; the entry is booked at that pay time too.
    const { result, effects } = settlementEffects(pending, decideConfirm(pending, wallet({ heldSen: 300_00 }), NOW - 3), NOW - 3);
    expect(result).toMatchObject({ order: { status: 'PAID', payTimeMs: NOW, tradeTimeMs: NOW } });
    expect(effects[1]).toMatchObject({ kind: 'book', entry: { createdAtMs: NOW } });
    // No confirmation window beyond the longest hold: the statements' bound would not hold.
    const longest = { ...POLICY, confirmTimeoutMs: LONGEST_HOLD_MS };
    expect(decidePayment(cmd(300_00), view({ wallet: wallet({ balanceSen: 500_00 }) }), longest, NOW, '4200000000000000000003'))
      .toMatchObject({ kind: 'pending', order: { deadlineMs: NOW + LONGEST_HOLD_MS } });
    const longer = { ...POLICY, confirmTimeoutMs: LONGEST_HOLD_MS + 1 };
    expect(() => decidePayment(cmd(300_00), view({ wallet: wallet({ balanceSen: 500_00 }) }), longer, NOW, '4200000000000000000004'))
      .toThrow(/longest hold/);
    expect(tradeTimesOfPaymentsWithin(NOW, NOW + 1000)).toEqual({ fromMs: NOW - LONGEST_HOLD_MS, toMs: NOW + 1000 });
  });

  it('a NEW order closed or swept has no hold to release', () => {
    const order = orderAfterFault(cmd(5_00), '600000000001', '4200000000000000000002', NOW, 30_000);
    expect(kinds(settlementEffects(order, decideClose(order), NOW).effects)).toEqual(['moveOrder', 'notify']);
    const swept = settlementEffects(order, decideSweep(order, NOW + 30_000), NOW + 30_000);
    expect(swept.result).toMatchObject({ order: { status: 'FAILED', failReason: 'SYSTEM_ERROR' } });
  });

  it('nothing to settle writes nothing; closing an id with no order records the id closed', () => {
    const paid = (pay(1_00) as { order: Order }).order;
    expect(settlementEffects(paid, decideClose(paid), NOW)).toEqual({ result: { kind: 'unchanged', order: paid }, effects: [] });
    expect(closeUnusedOrderId(MCH, 'A-9', NOW).effects).toEqual([{ kind: 'closeOrderId', mchId: MCH, mchOrderId: 'A-9', atMs: NOW }]);
  });
});

describe('refund effects', () => {
  const paid = (pay(10_00) as { order: Order }).order;
  const refundCmd = (mchRefundId: string, refundAmountSen: number): RefundCommand => ({
    mchId: MCH, mchOrderId: 'A-1', mchRefundId, refundAmountSen, reason: null, timestampMs: NOW,
  });

  it('a request records the refund and reserves its amount on the order, compare-and-set on what was read', () => {
    const { result, effects } = refundRequestEffects(decideRefundRequest(refundCmd('R-1', 6_00), { existing: null, order: paid }, NOW, 'RF1'), NOW);
    expect(kinds(effects)).toEqual(['insertRefund', 'moveOrder']);
    expect(effects[1]).toMatchObject({ from: { status: 'PAID', refundedSen: 0 }, to: { status: 'REFUND_IN_PROCESS', refundedSen: 6_00 } });
    // A second refund while the first is in flight changes only the reserved amount.
    const inFlight = (result as { order: Order }).order;
    const second = refundRequestEffects(decideRefundRequest(refundCmd('R-2', 4_00), { existing: null, order: inFlight }, NOW, 'RF2'), NOW);
    expect(second.effects[1]).toMatchObject({ to: { status: 'REFUND_IN_PROCESS', refundedSen: 10_00 } });
    expect(refundRequestEffects(decideRefundRequest(refundCmd('R-3', 1), { existing: null, order: second.result.order! }, NOW, 'RF3'), NOW).effects).toEqual([]);
  });

  it('finishing moves the money back, or releases the reservation when the merchant cannot pay', () => {
    const requested = refundRequestEffects(decideRefundRequest(refundCmd('R-1', 10_00), { existing: null, order: paid }, NOW, 'RF1'), NOW).result;
    if (requested.kind !== 'accepted') throw new Error('accepted');
    const finish = (merchantBalanceSen: number) =>
      refundFinishEffects(requested.refund, requested.order, decideRefundFinish(requested.refund, requested.order, { merchantBalanceSen, walletStatus: 'active', otherRefundsInProcess: 0 }, NOW), NOW);
    const done = finish(10_00);
    expect(kinds(done.effects)).toEqual(['book', 'moveRefund', 'moveOrder', 'notify']);
    expect(moneyMoved(done.effects)).toEqual(new Map([[merchantAccount(MCH), -10_00], [walletAccount('600000000001'), 10_00]]));
    expect(done.result.order).toMatchObject({ status: 'REFUNDED', refundedSen: 10_00 });
    const refused = finish(9_99);
    expect(kinds(refused.effects)).toEqual(['moveRefund', 'moveOrder', 'notify']);
    expect(refused.result).toMatchObject({ refund: { failReason: 'MERCHANT_BALANCE_INSUFFICIENT' }, order: { status: 'REFUND_FAILED', refundedSen: 0 } });
  });
});

describe('order moves and wallets', () => {
  it('an illegal move cannot even be named', () => {
    const paid = (pay(1_00) as { order: Order }).order;
    expect(() => orderMove(paid, 'FAILED', NOW)).toThrow(/invariant.*PAID to FAILED/);
    expect(() => orderMove(paid, 'PAID', NOW)).toThrow(/invariant/);
  });

  it('a wallet opens empty and active; its opening balance is a top-up from the float, under the cap', () => {
    const { wallet: w, effects } = openWallet({ name: 'Ravi', openingSen: 50_00 }, '600000000009', NOW);
    expect(kinds(effects)).toEqual(['insertWallet', 'book']);
    expect(moneyMoved(effects)).toEqual(new Map([[PLATFORM_FLOAT, -50_00], [walletAccount('600000000009'), 50_00]]));
    expect(w).toMatchObject({ status: 'active', balanceSen: 50_00, hasPin: false });
    expect(kinds(openWallet({ name: 'Ravi', openingSen: 0 }, '600000000009', NOW).effects)).toEqual(['insertWallet']);
    expect(() => openWallet({ name: 'Ravi', openingSen: MAX_WALLET_BALANCE_SEN + 1 }, '600000000009', NOW)).toThrow(WalletBalanceLimitError);
  });

  it('a new PIN clears the failed tries; a closed wallet takes no security change', () => {
    expect(walletAfterSecurity(wallet({ pinFailures: 3 }), { pinHash: 'scrypt$x' })).toMatchObject({ pinFailures: 0, hasPin: true });
    expect(walletAfterSecurity(wallet({ pinFailures: 3 }), { pinHash: null })).toMatchObject({ pinFailures: 0, hasPin: false });
    expect(() => walletAfterSecurity(wallet({ status: 'closed' }), { pinFailures: 0 })).toThrow(WalletClosedError);
  });
});
