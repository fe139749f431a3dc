import { describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import { checkEffect } from '../src/domain/effects.js';
import type { Merchant, Wallet } from '../src/domain/model.js';
import {
  decidePayoutFinish,
  decidePayoutRequest,
  decideWalletClose,
  newAccountAgeMs,
  NEW_PAYOUT_ACCOUNT_MS,
  WalletHoldsPendingError,
  WalletRefundsInProcessError,
  type Payout,
} from '../src/domain/payout.js';
import { decidePayoutFiling } from '../src/domain/payout-file.js';

/** The payout decisions (domain/payout.ts) and the effects they name, without a database. */
const NOW = Date.UTC(2026, 11, 5, 6);
const merchant: Merchant = {
  mchId: '202612001', name: 'Car Park', apiKey: new Secret('k'), previousKey: null, keyRolledAtMs: null, keyFirstUsedAtMs: null,
  status: 'active', notifyUrl: null, createdAtMs: NOW,
};
const wallet: Wallet = {
  walletId: '601234567890', name: 'Bob', status: 'active', balanceSen: 7_25, heldSen: 0, confirmLimitSen: null,
  hasPin: false, pinFailures: 0, createdAtMs: NOW,
};
const requested: Payout = {
  payoutId: '6202612051400000000001', mchId: merchant.mchId, walletId: null, requestId: null, amountSen: 4_00,
  status: 'REQUESTED', failReason: null, requestedAtMs: NOW - 1000, finishedAtMs: null, destination: null, accountSetAtMs: null, fileNo: null,
};
const payoutAccount = { holderName: 'Car Park Ltd', bankName: 'West Bank', accountNumber: 'GB82WEST12345698765432', setAtMs: NOW - 5000 };
const postingsOf = (effects: readonly { kind: string }[]) =>
  effects.flatMap((e) => (e.kind === 'book' ? (e as { entry: { kind: string; postings: unknown[] } }).entry.postings : []));

describe('a payout to a new account', () => {
  const to = { holderName: 'Car Park Ltd', bankName: 'West Bank', accountNumber: 'GB82WEST12345698765432' };
  const payout = (setBeforeMs: number, more: Partial<Payout> = {}): Payout => ({ ...requested, destination: to, accountSetAtMs: requested.requestedAtMs - setBeforeMs, ...more });

  it('is new while its account was set under a day before the request, and only while the transfer is to make', () => {
    expect(newAccountAgeMs(payout(0))).toBe(0);
    expect(newAccountAgeMs(payout(NEW_PAYOUT_ACCOUNT_MS - 1))).toBe(NEW_PAYOUT_ACCOUNT_MS - 1);
    expect(newAccountAgeMs(payout(NEW_PAYOUT_ACCOUNT_MS))).toBeNull();
    expect(NEW_PAYOUT_ACCOUNT_MS).toBe(24 * 3600_000);
    for (const status of ['PAID_OUT', 'FAILED'] as const) expect(newAccountAgeMs(payout(0, { status, finishedAtMs: NOW }))).toBeNull();
    // Its time unknown (before it was recorded), or no account copied: not called new.
    expect(newAccountAgeMs(payout(0, { accountSetAtMs: null }))).toBeNull();
    expect(newAccountAgeMs(payout(0, { destination: null }))).toBeNull();
    // A clock stepped back between the change and the request: new, at no age.
    expect(newAccountAgeMs(payout(-60_000))).toBe(0);
  });
});

describe('a merchant payout request', () => {
  const req = { mchId: merchant.mchId, amountSen: 4_00, requestId: 'w49' };

  it('up to the whole balance records the payout and books merchant → platform:payouts', () => {
    const d = decidePayoutRequest({ ...req, amountSen: 10_00 }, { merchant, balanceSen: 10_00, existing: null, payoutAccount }, 'P1', NOW);
    expect(d.result).toMatchObject({ kind: 'requested', payout: { payoutId: 'P1', amountSen: 10_00, status: 'REQUESTED', requestedAtMs: NOW } });
    // The payout copies where it goes, and when that account was set.
    expect((d.result as { payout: Payout }).payout.destination).toEqual({ holderName: 'Car Park Ltd', bankName: 'West Bank', accountNumber: 'GB82WEST12345698765432' });
    expect((d.result as { payout: Payout }).payout.accountSetAtMs).toBe(NOW - 5000);
    expect(d.effects.map((e) => e.kind)).toEqual(['insertPayout', 'book']);
    expect(postingsOf(d.effects)).toEqual([
      { accountId: 'merchant:202612001', amountSen: -10_00 },
      { accountId: 'platform:payouts', amountSen: 10_00 },
    ]);
  });

  it('above the balance, without a payout account, for no merchant, or under a used request id writes nothing', () => {
    expect(decidePayoutRequest(req, { merchant, balanceSen: 99_00, existing: null, payoutAccount: null }, 'P1', NOW)).toEqual({
      result: { kind: 'rejected', reason: 'NO_PAYOUT_ACCOUNT' }, effects: [],
    });
    expect(decidePayoutRequest(req, { merchant, balanceSen: 3_99, existing: null, payoutAccount }, 'P1', NOW)).toEqual({
      result: { kind: 'rejected', reason: 'EXCEEDS_BALANCE', balanceSen: 3_99 }, effects: [],
    });
    expect(decidePayoutRequest(req, { merchant: null, balanceSen: 0, existing: null, payoutAccount: null }, 'P1', NOW).effects).toEqual([]);
    const earlier = { ...requested, requestId: 'w49' };
    expect(decidePayoutRequest(req, { merchant, balanceSen: 99_00, existing: earlier, payoutAccount }, 'P1', NOW)).toEqual({ result: { kind: 'repeat', payout: earlier }, effects: [] });
    expect(decidePayoutRequest({ ...req, amountSen: 5_00 }, { merchant, balanceSen: 99_00, existing: earlier, payoutAccount }, 'P1', NOW).result)
      .toEqual({ kind: 'rejected', reason: 'REQUEST_ID_REUSED', payout: earlier });
  });
});

describe("the bank's answer", () => {
  it('PAID_OUT moves the money from the clearing account to the float; FAILED back to the merchant', () => {
    const paid = decidePayoutFinish(requested, { status: 'PAID_OUT' }, NOW);
    expect(paid.result).toMatchObject({ kind: 'finished', payout: { status: 'PAID_OUT', finishedAtMs: NOW, failReason: null } });
    expect(postingsOf(paid.effects)).toEqual([
      { accountId: 'platform:payouts', amountSen: -4_00 },
      { accountId: 'platform:float', amountSen: 4_00 },
    ]);
    const failed = decidePayoutFinish(requested, { status: 'FAILED', reason: 'IBAN unknown' }, NOW);
    expect(failed.result).toMatchObject({ kind: 'finished', payout: { status: 'FAILED', failReason: 'IBAN unknown' } });
    expect(postingsOf(failed.effects)).toEqual([
      { accountId: 'merchant:202612001', amountSen: 4_00 },
      { accountId: 'platform:payouts', amountSen: -4_00 },
    ]);
    expect(paid.effects[0]).toEqual({ kind: 'movePayout', from: requested, to: (paid.result as { payout: Payout }).payout });
  });

  it('is recorded once: the same answer again is a repeat, the other one is refused; neither writes', () => {
    const done = { ...requested, status: 'PAID_OUT' as const, finishedAtMs: NOW };
    expect(decidePayoutFinish(done, { status: 'PAID_OUT' }, NOW)).toEqual({ result: { kind: 'repeat', payout: done }, effects: [] });
    expect(decidePayoutFinish(done, { status: 'FAILED', reason: 'x' }, NOW)).toEqual({ result: { kind: 'rejected', reason: 'NOT_REQUESTED', payout: done }, effects: [] });
    expect(decidePayoutFinish(null, { status: 'PAID_OUT' }, NOW)).toEqual({ result: { kind: 'rejected', reason: 'NOT_FOUND' }, effects: [] });
  });

  it('an illegal move cannot even be named: checkEffect refuses it before any write', () => {
    const done = { ...requested, status: 'FAILED' as const, finishedAtMs: NOW };
    expect(() => checkEffect({ kind: 'movePayout', from: done, to: { ...done, status: 'PAID_OUT' } })).toThrow(/invariant violated/);
    expect(() => checkEffect({ kind: 'movePayout', from: requested, to: { ...requested, amountSen: 5_00, status: 'PAID_OUT' } })).toThrow(/keeps its id and amount/);
    expect(() => checkEffect({ kind: 'insertPayout', payout: { ...requested, status: 'PAID_OUT' } })).toThrow(/invariant violated/);
    expect(() => checkEffect({ kind: 'insertPayout', payout: { ...requested, amountSen: 0 } })).toThrow(/positive/);
    expect(() => checkEffect({ kind: 'insertPayout', payout: { ...requested, walletId: wallet.walletId } })).toThrow(/merchant or a wallet/);
  });
});

describe('closing a wallet', () => {
  it('closes it and pays out its whole balance to its holder, through platform:payouts', () => {
    const d = decideWalletClose({ wallet, refundsInProcessSen: 0 }, 'P2', NOW);
    expect(d.result).toMatchObject({ wallet: { status: 'closed', balanceSen: 0 }, payout: { walletId: wallet.walletId, mchId: null, amountSen: 7_25 } });
    expect(d.effects.map((e) => e.kind)).toEqual(['setWalletStatus', 'revokeDevices', 'endWalletPageSessions', 'dropWalletSignInLinks', 'insertPayout', 'book']);
    expect(postingsOf(d.effects)).toEqual([
      { accountId: 'wallet:601234567890', amountSen: -7_25 },
      { accountId: 'platform:payouts', amountSen: 7_25 },
    ]);
  });

  it('an empty wallet is only closed; a closed empty one writes nothing; one with held money is refused', () => {
    expect(decideWalletClose({ wallet: { ...wallet, balanceSen: 0 }, refundsInProcessSen: 0 }, 'P2', NOW).effects.map((e) => e.kind)).toEqual(['setWalletStatus', 'revokeDevices', 'endWalletPageSessions', 'dropWalletSignInLinks']);
    expect(decideWalletClose({ wallet: { ...wallet, balanceSen: 0, status: 'closed' }, refundsInProcessSen: 0 }, 'P2', NOW).effects).toEqual([]);
    expect(decideWalletClose({ wallet: { ...wallet, status: 'closed' }, refundsInProcessSen: 0 }, 'P2', NOW).effects.map((e) => e.kind)).toEqual(['insertPayout', 'book']);
    expect(() => decideWalletClose({ wallet: { ...wallet, heldSen: 1_00 }, refundsInProcessSen: 0 }, 'P2', NOW)).toThrow(WalletHoldsPendingError);
  });

  it('one with refunds to it in process is refused, closed or not: they would fail WALLET_CLOSED', () => {
    for (const w of [wallet, { ...wallet, status: 'closed' as const }]) {
      expect(() => decideWalletClose({ wallet: w, refundsInProcessSen: 1_50 }, 'P2', NOW)).toThrow(WalletRefundsInProcessError);
      expect(() => decideWalletClose({ wallet: w, refundsInProcessSen: 1_50 }, 'P2', NOW)).toThrow(
        `wallet ${wallet.walletId} has 1.50 of refunds to it in process; they must finish (a running server's refund finisher ends them) before it is closed`,
      );
    }
  });
});

describe('a payout file (domain/payout-file.ts)', () => {
  const second: Payout = { ...requested, payoutId: '6202612051400000000002', amountSen: 2_50 };

  it('numbers the next file, marks each payout as in it, and moves no money', () => {
    const d = decidePayoutFiling({ payouts: [second, requested], lastFileNo: 7 }, 2, NOW);
    expect(d.result).toEqual({ kind: 'filed', fileNo: 8, payouts: [{ ...second, fileNo: 8 }, { ...requested, fileNo: 8 }] });
    expect(d.effects).toEqual([
      { kind: 'insertPayoutFile', fileNo: 8, madeAtMs: NOW, count: 2, totalSen: 6_50 },
      { kind: 'filePayouts', fileNo: 8, payoutIds: [second.payoutId, requested.payoutId] },
    ]);
    expect(postingsOf(d.effects)).toEqual([]);
  });

  it('makes no file of nothing, nor of more than a file holds', () => {
    expect(decidePayoutFiling({ payouts: [], lastFileNo: 3 }, 2, NOW)).toEqual({ result: { kind: 'empty' }, effects: [] });
    expect(decidePayoutFiling({ payouts: [second, requested], lastFileNo: 3 }, 1, NOW)).toEqual({ result: { kind: 'tooMany', maxRows: 1 }, effects: [] });
  });

  it('refuses a payout already in a file, or no longer REQUESTED: the store read it wrong', () => {
    expect(() => decidePayoutFiling({ payouts: [{ ...requested, fileNo: 1 }], lastFileNo: 1 }, 5, NOW)).toThrow(/a new file holds REQUESTED payouts in no file yet/);
    expect(() => decidePayoutFiling({ payouts: [{ ...requested, status: 'PAID_OUT' }], lastFileNo: 1 }, 5, NOW)).toThrow(/a new file holds REQUESTED payouts in no file yet/);
  });
});
