import { silentLogger } from '../src/log.js';
import { walletHolderActing } from '../src/domain/audit-log.js';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verify, type OrderStatus, type SignableParams } from '@micropay/protocol';
import type { Order } from '../src/domain/model.js';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { tryWalletPin } from '../src/api/wallet-pin.js';
import { canTransition, ORDER_TRANSITIONS } from '../src/domain/order-state.js';
import {
  createMerchant,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';

const FAST = { MICROPAY_CONFIRM_LIMIT: '250.00', MICROPAY_SWEEP_INTERVAL_MS: '50' };

let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform(FAST);
  m = await createMerchant(p);
});
afterEach(async () => {
  await p.stop();
});

interface AppWallet {
  walletId: string;
  token: string;
  payCode: string;
}

/** A wallet as the wallet app has it: a bearer token and a PIN; the code comes from the wallet API. */
async function appWallet(balanceSen: number, pin = '123456'): Promise<AppWallet> {
  const token = newWalletToken();
  const w = await p.store.createWallet({ name: 'Alice', openingSen: balanceSen, tokenHash: hashWalletToken(token), pinHash: await hashPin(pin) });
  const code = await walletApi(token, 'paycode', {});
  expect(code.body.code).toBe(0);
  return { walletId: w.walletId, token, payCode: (code.body.data as { payCode: string }).payCode };
}

async function walletApi(token: string | null, action: string, body: Record<string, unknown>) {
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  return postRaw(p.url, `/api/wallet/${action}`, body, headers);
}

async function wallet(walletId: string) {
  return (await p.store.findWallet(walletId))!;
}

async function query(mchOrderId: string) {
  return postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId }, m.key);
}

async function payPending(w: AppWallet, mchOrderId: string, amount = '300.00') {
  const res = await postSigned(p.url, 'micropay', micropayParams(m, mchOrderId, amount, w.payCode), m.key);
  expect(res.body.code).toBe(1024);
  return res.body.data!.wavpayOrderId;
}

async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('PENDING: payments above the no-confirmation limit wait for the user', () => {
  it('answers 1024 with the signed PENDING order and holds the amount', async () => {
    const w = await appWallet(1_000_00);
    const res = await postSigned(p.url, 'micropay', micropayParams(m, 'big-1', '300.00', w.payCode), m.key);
    expect(res.body.code).toBe(1024);
    expect(res.body.msg).toBe('merchant order paying');
    expect(res.body.data).toMatchObject({ tradeStatus: 'PENDING', payTime: null, amount: '300.00' });
    expect(verify(res.body.data as unknown as SignableParams, m.key)).toBe(true);

    const after = await wallet(w.walletId);
    expect(after.balanceSen).toBe(1_000_00);
    expect(after.heldSen).toBe(300_00);
    expect((await query('big-1')).body.data!.tradeStatus).toBe('PENDING');
    // The same request again tells the merchant it is still paying.
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'big-1', '300.00', w.payCode), m.key)).body.code).toBe(1024);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('a payment at the limit is paid at once; a per-wallet limit overrides the default', async () => {
    const w = await appWallet(1_000_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'lim-1', '250.00', w.payCode), m.key)).body.code).toBe(0);
    await p.store.updateWalletSecurity(w.walletId, { confirmLimitSen: 10_00 });
    const code = (await walletApi(w.token, 'paycode', {})).body.data as { payCode: string };
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'lim-2', '10.01', code.payCode), m.key)).body.code).toBe(1024);
  });

  it('the held amount cannot be spent twice', async () => {
    const w = await appWallet(300_00);
    await payPending(w, 'hold-1', '260.00');
    const code = (await walletApi(w.token, 'paycode', {})).body.data as { payCode: string };
    const res = await postSigned(p.url, 'micropay', micropayParams(m, 'hold-2', '50.00', code.payCode), m.key);
    expect(res.body.code).toBe(1028);
  });

  it('the wallet app lists it, and confirming with the PIN pays it', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'conf-1');
    const pending = await walletApi(w.token, 'pending', {});
    expect(pending.body.data).toMatchObject({ orders: [{ wavpayOrderId: orderId, amount: '300.00', merchantName: m.name, tradeStatus: 'PENDING' }] });

    const confirmed = await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' });
    expect(confirmed.body.code).toBe(0);
    expect(confirmed.body.data).toMatchObject({ tradeStatus: 'PAID' });
    const after = await wallet(w.walletId);
    expect(after.balanceSen).toBe(700_00);
    expect(after.heldSen).toBe(0);
    const q = await query('conf-1');
    expect(q.body.data).toMatchObject({ tradeStatus: 'PAID' });
    expect(q.body.data!.payTime).not.toBeNull();
    // Confirming again changes nothing.
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })).body.code).toBe(1023);
    expect((await wallet(w.walletId)).balanceSen).toBe(700_00);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('declining fails the order and releases the hold', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'dec-1');
    const declined = await walletApi(w.token, 'decline', { wavpayOrderId: orderId });
    expect(declined.body.code).toBe(1025);
    expect(declined.body.data).toMatchObject({ tradeStatus: 'FAILED', failReason: 'DECLINED' });
    expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 1_000_00, heldSen: 0 });
    expect((await query('dec-1')).body.data!.tradeStatus).toBe('FAILED');
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'dec-1', '300.00', w.payCode), m.key)).body.code).toBe(1025);
  });

  it('wrong PINs are counted; five lock confirmation until an operator unlocks it', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'pin-1');
    for (let left = 4; left >= 1; left--) {
      const res = await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '000000' });
      expect(res.body).toMatchObject({ code: 9003, msg: `wrong PIN: ${left} ${left === 1 ? 'try' : 'tries'} left` });
    }
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '000000' })).body.code).toBe(9002);
    // Locked: even the right PIN is refused, and the PIN never appears in any answer.
    const locked = await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' });
    expect(locked.body.code).toBe(9002);
    expect(locked.text).not.toContain('123456');
    expect((await wallet(w.walletId)).heldSen).toBe(300_00);
    // The wrong PIN that locked it is in the audit log, once, with whose wallet and where from; no PIN.
    const locks = await p.store.listAuditLog({ action: 'wallet.pinLocked', limit: 10 });
    expect(locks.map((e) => [e.actor, e.subjectId, e.detail])).toEqual([[{ kind: 'walletHolder', walletId: w.walletId, name: 'wallet app' }, w.walletId, { wrongTries: 5 }]]);
    expect(locks[0]!.address).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);

    await p.store.updateWalletSecurity(w.walletId, { pinFailures: 0 });
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })).body.code).toBe(0);
  });

  it('wrong guesses sent all at once get no more than five PINs compared: four told the tries left, the rest locked', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'pin-burst');
    const guesses = Array.from({ length: 30 }, (_, i) => String(100000 + i));
    const answers = await Promise.all(guesses.map((pin) => walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin })));
    const codes = answers.map((a) => a.body.code as number);
    expect([codes.filter((c) => c === 9003).length, codes.filter((c) => c === 9002).length]).toEqual([4, 26]);
    // Every compared PIN took a try first: 30 wrong guesses cannot count past the limit.
    expect(await wallet(w.walletId)).toMatchObject({ pinFailures: 5, heldSen: 300_00 });
    expect((await p.store.findOrderById(orderId))!.status).toBe('PENDING');
    // Twenty-six locked answers, one lock: the log has the one try that made it.
    expect(await p.store.listAuditLog({ action: 'wallet.pinLocked', limit: 10 })).toHaveLength(1);
  });

  it('the right PIN among thirty wrong guesses sent at once: never more than five wrong ones in a row are compared', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'pin-burst-right');
    // The right PIN somewhere in the burst: before it at most four wrong ones are compared (a fifth
    // locks, and the right one is refused); it resets the count, so at most four more after it.
    const pins = Array.from({ length: 30 }, (_, i) => String(100000 + i));
    pins.splice(2, 0, '123456');
    const answers = await Promise.all(pins.map((pin) => walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin })));
    const codes = answers.map((a) => a.body.code as number);
    expect(codes.every((c) => c === 9003 || c === 9002 || c === 0 || (c === 1023 && codes.includes(0)))).toBe(true);
    expect(codes.filter((c) => c === 0).length).toBeLessThanOrEqual(1);
    expect(codes.filter((c) => c === 9003).length).toBeLessThanOrEqual(8);
    const after = await wallet(w.walletId);
    expect(after.pinFailures).toBeLessThanOrEqual(5);
    if (codes.includes(0)) {
      expect((await p.store.findOrderById(orderId))!.status).toBe('PAID');
    } else {
      expect(after).toMatchObject({ pinFailures: 5, heldSen: 300_00 });
    }
  });

  it('the right PIN sent eight times at once pays once; the rest are told it is paid, and nothing locks', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'pin-taps');
    const answers = await Promise.all(Array.from({ length: 8 }, () => walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })));
    expect(answers.map((a) => a.body.code).sort()).toEqual([0, 1023, 1023, 1023, 1023, 1023, 1023, 1023]);
    for (const a of answers) expect(a.body.data).toMatchObject({ wavpayOrderId: orderId, tradeStatus: 'PAID' });
    expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 700_00, heldSen: 0, pinFailures: 0 });
    // A confirm of the paid order costs no try even with a wrong PIN: it is answered with the state.
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '000000' })).body.code).toBe(1023);
    expect((await wallet(w.walletId)).pinFailures).toBe(0);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it("the store's count holds alone: twenty tries taken at once get the counts 1 to 5, the rest none", async () => {
    const w = await appWallet(1_000_00);
    // The store's own count, without the API's turns: what holds the lock across servers.
    const taken = await Promise.all(Array.from({ length: 20 }, () => p.store.takePinTry(w.walletId, 5)));
    expect(taken.filter((t) => t !== null).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(taken.filter((t) => t === null)).toHaveLength(15);
    expect((await wallet(w.walletId)).pinFailures).toBe(5);
  });

  it('a try compares the PIN as it is when its turn comes: one changed while it waited is the one compared', async () => {
    const w = await appWallet(1_000_00);
    const replacement = await hashPin('654321');
    const holder = walletHolderActing(w.walletId, 'wallet app', null);
    const first = tryWalletPin({ store: p.store, logger: silentLogger }, w.walletId, '000000', holder);
    const waiting = tryWalletPin({ store: p.store, logger: silentLogger }, w.walletId, '123456', holder);
    // The old PIN leaked, and the operator sets a new one while the second try waits its turn.
    await p.store.updateWalletSecurity(w.walletId, { pinHash: replacement });
    expect([(await first).kind, (await waiting).kind]).toEqual(['wrong', 'wrong']);
    expect((await tryWalletPin({ store: p.store, logger: silentLogger }, w.walletId, '654321', holder)).kind).toBe('right');
  });

  it('a right PIN resets the count of wrong ones', async () => {
    const w = await appWallet(1_000_00);
    const first = await payPending(w, 'pin-2');
    await walletApi(w.token, 'confirm', { wavpayOrderId: first, pin: '000000' });
    await walletApi(w.token, 'confirm', { wavpayOrderId: first, pin: '123456' });
    expect((await wallet(w.walletId)).pinFailures).toBe(0);
  });

  it('when the confirmation window passes, the sweeper fails the order and releases the hold', async () => {
    await p.stop();
    p = await startTestPlatform({ ...FAST, MICROPAY_CONFIRM_TIMEOUT_S: '1' });
    m = await createMerchant(p);
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'late-1');
    await until(async () => (await query('late-1')).body.data!.tradeStatus === 'FAILED');
    expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 1_000_00, heldSen: 0 });
    expect((await p.store.findOrderById(orderId))!.failReason).toBe('CONFIRM_TIMEOUT');
    // A confirmation that arrives too late pays nothing.
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })).body.code).toBe(1025);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('a PENDING order whose window passed while the platform was down is settled at the next start', async () => {
    await p.stop();
    p = await startTestPlatform({ ...FAST, MICROPAY_CONFIRM_TIMEOUT_S: '1', MICROPAY_SWEEP_INTERVAL_MS: '600000' });
    m = await createMerchant(p);
    const w = await appWallet(1_000_00);
    await payPending(w, 'down-1');
    const dir = p.dir;
    await p.close();
    await new Promise((r) => setTimeout(r, 1_100));
    p = await startTestPlatform({ ...FAST, MICROPAY_SWEEP_INTERVAL_MS: '600000' }, undefined, { dir });
    await until(async () => (await query('down-1')).body.data!.tradeStatus === 'FAILED');
    expect((await wallet(w.walletId)).heldSen).toBe(0);
  });

  it('a confirm and a close racing on one PENDING order: exactly one wins and the hold is settled once; both win over the rounds', async () => {
    const winners = await raceRounds(12, async (i, at) => {
      const w = await appWallet(1_000_00);
      const orderId = await payPending(w, `race-${i}`);
      const [confirm, close] = await Promise.all([
        at.first(() => walletApi(w.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })),
        at.second(() => postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: `race-${i}`, operation: 'CLOSE' }, m.key)),
      ]);
      const final = (await query(`race-${i}`)).body.data!.tradeStatus;
      if (final === 'PAID') {
        expect(confirm.body.code).toBe(0);
        expect(close.body.code).toBe(1023);
        expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 700_00, heldSen: 0 });
        return 'first';
      }
      expect(final).toBe('FAILED');
      expect(close.body.code).toBe(0);
      expect(confirm.body.code).toBe(1025);
      expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 1_000_00, heldSen: 0 });
      return 'second';
    });
    expect(new Set(winners)).toEqual(new Set(['first', 'second']));
    expect((await p.store.audit()).ok).toBe(true);
  });
});

describe('POST /api/micropay/closeBill', () => {
  it('closes a PENDING order: FAILED, hold released; closing again is a no-op success', async () => {
    const w = await appWallet(1_000_00);
    await payPending(w, 'close-1');
    const closed = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'close-1', operation: 'CLOSE' }, m.key);
    expect(closed.body.code).toBe(0);
    expect(closed.body.data).toMatchObject({ tradeStatus: 'FAILED', merchantOrderId: 'close-1' });
    expect(verify(closed.body.data as unknown as SignableParams, m.key)).toBe(true);
    expect((await wallet(w.walletId)).heldSen).toBe(0);
    const again = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'close-1', operation: 'CLOSE' }, m.key);
    expect(again.body.code).toBe(0);
    expect(again.body.data!.tradeStatus).toBe('FAILED');
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'close-1', '300.00', w.payCode), m.key)).body.code).toBe(1025);
  });

  it('a paid order answers 1023 and stays paid', async () => {
    const w = await appWallet(1_000_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'close-2', '5.00', w.payCode), m.key)).body.code).toBe(0);
    const res = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'close-2', operation: 'CLOSE' }, m.key);
    expect(res.body.code).toBe(1023);
    expect(res.body.data!.tradeStatus).toBe('PAID');
  });

  it('an unknown order answers 1031; a bad signature 1035', async () => {
    expect((await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'nope', operation: 'CLOSE' }, m.key)).body.code).toBe(1031);
    expect((await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'nope', operation: 'CLOSE' }, 'bad')).body.code).toBe(1035);
  });

  it('closing an order id no payment reached yet closes the id: a late payment under it answers 1025 and charges nothing', async () => {
    const w = await appWallet(1_000_00);
    // The merchant's request never arrived (or is still on its way); at its deadline it closes.
    const closed = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'late-1', operation: 'CLOSE' }, m.key);
    expect(closed.body).toMatchObject({ code: 1031, data: null });
    expect(closed.body.msg).toMatch(/order id is now closed/);
    const late = await postSigned(p.url, 'micropay', micropayParams(m, 'late-1', '5.00', w.payCode), m.key);
    expect(late.body).toMatchObject({ code: 1025, data: null });
    expect(late.body.msg).toMatch(/closed before any payment/);
    expect((await wallet(w.walletId)).balanceSen).toBe(1_000_00);
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'late-1' }, m.key)).body.code).toBe(1031);
    // Closing it again changes nothing; the same code still pays under a new order id.
    expect((await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'late-1', operation: 'CLOSE' }, m.key)).body.code).toBe(1031);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'late-2', '5.00', w.payCode), m.key)).body.code).toBe(0);
    // Ids are per merchant: another merchant's late-1 is untouched.
    const other = await createMerchant(p, 'Other');
    const w2 = await appWallet(1_000_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(other, 'late-1', '5.00', w2.payCode), other.key)).body.code).toBe(0);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('a close and payments racing on one order id: the payment is PAID and the close answers 1023, or the payment is refused; both happen over the rounds', async () => {
    const winners = await raceRounds(12, async (i, at) => {
      const w = await appWallet(1_000_00);
      const id = `race-close-${i}`;
      const [pay, close] = await Promise.all([
        at.first(() => postSigned(p.url, 'micropay', micropayParams(m, id, '5.00', w.payCode), m.key)),
        at.second(() => postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: id, operation: 'CLOSE' }, m.key)),
      ]);
      const balance = (await wallet(w.walletId)).balanceSen;
      if (pay.body.code === 0) {
        expect(close.body.code).toBe(1023);
        expect(balance).toBe(995_00);
        return 'first';
      }
      expect([pay.body.code, close.body.code]).toEqual([1025, 1031]);
      expect(balance).toBe(1_000_00);
      return 'second';
    });
    expect(new Set(winners)).toEqual(new Set(['first', 'second']));
    expect((await p.store.audit()).ok).toBe(true);
  });
});

describe('NEW: a payment whose step failed is recorded NEW, observable, and settled', () => {
  async function sandboxPlatform(env: Record<string, string> = {}) {
    await p.stop();
    p = await startTestPlatform({ ...FAST, ...env }, undefined, { sandbox: true });
    m = await createMerchant(p);
  }

  async function faultyPayment(w: AppWallet, mchOrderId: string) {
    const { sign } = await import('@micropay/protocol');
    const body: Record<string, string> = { ...micropayParams(m, mchOrderId, '5.00', w.payCode), timestamp: String(Date.now()) };
    body.secureHash = sign(body, m.key);
    return postRaw(p.url, '/api/micropay/micropay', body, { 'X-MicroPay-Sandbox': 'fault' });
  }

  it('answers code 500 without details; queryBill then reports NEW; nothing moved; a repeat answers 1024', async () => {
    await sandboxPlatform();
    const w = await appWallet(100_00);
    const res = await faultyPayment(w, 'new-1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 500, msg: 'system error, query the order after 5 seconds', data: null });
    expect((await query('new-1')).body.data).toMatchObject({ tradeStatus: 'NEW', payTime: null });
    expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 100_00, heldSen: 0 });
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'new-1', '5.00', w.payCode), m.key)).body.code).toBe(1024);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('the merchant can close a NEW order', async () => {
    await sandboxPlatform();
    const w = await appWallet(100_00);
    await faultyPayment(w, 'new-2');
    const closed = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'new-2', operation: 'CLOSE' }, m.key);
    expect(closed.body.code).toBe(0);
    expect(closed.body.data!.tradeStatus).toBe('FAILED');
  });

  it('the sweeper fails a NEW order at its deadline', async () => {
    await sandboxPlatform({ MICROPAY_NEW_ORDER_TIMEOUT_S: '1' });
    const w = await appWallet(100_00);
    await faultyPayment(w, 'new-3');
    await until(async () => (await query('new-3')).body.data!.tradeStatus === 'FAILED');
    expect((await p.store.findOrder(m.mchId, 'new-3'))!.failReason).toBe('SYSTEM_ERROR');
  });

  it('a value the sandbox does not know (a typo), or one of another endpoint, is refused with 1021 naming it, and nothing is paid; slow above 60000 too', async () => {
    await sandboxPlatform();
    const w = await appWallet(100_00);
    const { sign } = await import('@micropay/protocol');
    for (const [i, header, named] of [[1, 'pendng', '"pendng"'], [2, 'slow = 1500', '"slow = 1500"'], [3, 'slow=999999', '"slow=999999"'], [4, 'slow=60001, drop', '"slow=60001"'], [5, 'refund-hold', '"refund-hold"']] as const) {
      const body: Record<string, string> = { ...micropayParams(m, `typo-${i}`, '5.00', w.payCode), timestamp: String(Date.now()) };
      body.secureHash = sign(body, m.key);
      const res = await postRaw(p.url, '/api/micropay/micropay', body, { 'X-MicroPay-Sandbox': header });
      expect(res.body, header).toEqual({
        code: 1021, data: null,
        msg: `param error: X-MicroPay-Sandbox: ${named} is not a sandbox fault of micropay; use system-error, slow=MS (0 to 60000), drop, pending or fault, comma-separated; nothing was done`,
      });
      expect(await p.store.findOrder(m.mchId, `typo-${i}`)).toBeNull();
    }
    expect(await wallet(w.walletId)).toMatchObject({ balanceSen: 100_00 });
    // Values it knows, in any case and spacing, still work; an empty item (a trailing comma) asks for nothing.
    const body: Record<string, string> = { ...micropayParams(m, 'known', '5.00', w.payCode), timestamp: String(Date.now()) };
    body.secureHash = sign(body, m.key);
    expect((await postRaw(p.url, '/api/micropay/micropay', body, { 'X-MicroPay-Sandbox': ' Slow=10 , PENDING,' })).body.code).toBe(1024);
  });

  it('outside sandbox mode the header is ignored', async () => {
    const w = await appWallet(100_00);
    expect((await faultyPayment(w, 'new-4')).body.code).toBe(0);
  });
});

describe('wallet API', () => {
  it('refuses a missing or unknown token with 401 / 9106', async () => {
    for (const token of [null, 'wt_unknown']) {
      const res = await walletApi(token, 'balance', {});
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(9106);
    }
  });

  it('issues codes that pay, and shows balance and recent transactions', async () => {
    const w = await appWallet(50_00);
    expect(w.payCode).toMatch(/^39\d{16}$/);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'app-1', '12.30', w.payCode), m.key)).body.code).toBe(0);
    const res = await walletApi(w.token, 'balance', {});
    expect(res.body.code).toBe(0);
    expect(res.body.data).toMatchObject({
      walletId: w.walletId,
      balance: '37.70',
      held: '0.00',
      available: '37.70',
      transactions: [
        { type: 'PAYMENT', amount: '-12.30', merchantName: m.name },
        { type: 'TOPUP', amount: '50.00', merchantName: null },
      ],
    });
  });

  it("cannot see or settle another wallet's order", async () => {
    const alice = await appWallet(1_000_00);
    const orderId = await payPending(alice, 'other-1');
    const bob = await appWallet(1_000_00);
    expect((await walletApi(bob.token, 'confirm', { wavpayOrderId: orderId, pin: '123456' })).body.code).toBe(1031);
    expect((await walletApi(bob.token, 'decline', { wavpayOrderId: orderId })).body.code).toBe(1031);
    expect((await walletApi(bob.token, 'pending', {})).body.data).toEqual({ orders: [] });
  });

  it('a frozen wallet cannot issue codes (9001)', async () => {
    const w = await appWallet(10_00);
    await p.store.setWalletStatus(w.walletId, 'frozen');
    expect((await walletApi(w.token, 'paycode', {})).body.code).toBe(9001);
  });

  it('rejects malformed fields with 1021', async () => {
    const w = await appWallet(10_00);
    expect((await walletApi(w.token, 'confirm', { wavpayOrderId: '123', pin: '1' })).body.code).toBe(1021);
    expect((await walletApi(w.token, 'decline', { wavpayOrderId: '4'.repeat(22), extra: 1 })).body.code).toBe(1021);
  });
});

describe('the order state machine', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition(null, 'PAID')).toBe(true);
    expect(canTransition('PENDING', 'PAID')).toBe(true);
    for (const illegal of [
      ['FAILED', 'PAID'], ['FAILED', 'PENDING'], ['PAID', 'FAILED'], ['PAID', 'PENDING'], ['REFUNDED', 'PAID'],
      ['NEW', 'PAID'], ['REFUNDED', 'REFUND_IN_PROCESS'], [null, 'REFUNDED'],
    ] as const) {
      expect(canTransition(illegal[0], illegal[1]), `${illegal[0]} → ${illegal[1]}`).toBe(false);
    }
    expect(ORDER_TRANSITIONS.FAILED).toEqual([]);
    expect(ORDER_TRANSITIONS.REFUNDED).toEqual([]);
  });

  /**
   * The store's own order write (a moveOrder effect built by hand, not by the domain's orderMove,
   * which would refuse first), in its own transaction, on whichever store this run uses.
   */
  async function moveOrder(order: Order, to: OrderStatus): Promise<Order> {
    const moved = { ...order, status: to, updatedAtMs: Date.now() };
    await (p.store as SqliteStore | PgStore).applyEffects([{ kind: 'moveOrder', from: order, to: moved }]);
    return moved;
  }

  it('the store refuses an illegal transition and writes nothing', async () => {
    const w = await appWallet(100_00);
    await postSigned(p.url, 'micropay', micropayParams(m, 'sm-1', '1.00', w.payCode), m.key);
    const order = (await p.store.findOrder(m.mchId, 'sm-1'))!;
    await expect(moveOrder(order, 'FAILED')).rejects.toThrow(/invariant.*PAID to FAILED/);
    expect((await p.store.findOrder(m.mchId, 'sm-1'))!.status).toBe('PAID');
  });

  it('the store moves an order only from the state it read: a stale PENDING cannot be paid after it failed', async () => {
    const w = await appWallet(1_000_00);
    const orderId = await payPending(w, 'sm-2');
    const stale = (await p.store.findOrderById(orderId))!;
    expect((await walletApi(w.token, 'decline', { wavpayOrderId: orderId })).body.code).toBe(1025);
    // PENDING → PAID is a legal move, but the row is FAILED now: the compare-and-set refuses it.
    await expect(moveOrder(stale, 'PAID')).rejects.toThrow(/still PENDING when it moves to PAID/);
    expect((await p.store.findOrderById(orderId))!.status).toBe('FAILED');
  });
});

afterEach(() => {
  // Directories of restarted platforms are removed by their own stop(); nothing else to clean.
  rmSync(p.dir, { recursive: true, force: true });
});

type Winner = 'first' | 'second';

/** Sends each side of a race when its turn comes. */
interface RaceStart {
  first<T>(send: () => Promise<T>): Promise<T>;
  second<T>(send: () => Promise<T>): Promise<T>;
}

/**
 * Runs a race of two requests `rounds` times and returns who won each round. The first request
 * gets a head start (negative: the second does) that begins at 0 ms and moves after each round
 * toward the other outcome: growing until the winner changes, then halving the gap between the
 * two. So both sides win within a few rounds whatever the machine's speed, and the later rounds
 * run where the two requests really meet.
 */
async function raceRounds(rounds: number, round: (i: number, at: RaceStart) => Promise<Winner>): Promise<Winner[]> {
  const winners: Winner[] = [];
  // The largest head start at which the second still won, the smallest at which the first won.
  let secondWonAt = -Infinity;
  let firstWonAt = Infinity;
  let headStartMs = 0;
  for (let i = 0; i < rounds; i++) {
    const wait = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
    const h = headStartMs;
    const winner = await round(i, {
      first: async (send) => (await wait(-h), send()),
      second: async (send) => (await wait(h), send()),
    });
    winners.push(winner);
    if (winner === 'second') secondWonAt = Math.max(secondWonAt, h);
    else firstWonAt = Math.min(firstWonAt, h);
    headStartMs =
      Number.isFinite(secondWonAt) && Number.isFinite(firstWonAt) ? (secondWonAt + firstWonAt) / 2
      : Number.isFinite(secondWonAt) ? secondWonAt + Math.max(5, 2 * Math.abs(secondWonAt))
      : firstWonAt - Math.max(5, 2 * Math.abs(firstWonAt));
  }
  return winners;
}
