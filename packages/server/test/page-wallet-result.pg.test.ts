import { afterEach, beforeEach, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, signInWallet } from './page-helpers.js';
import { startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * The wallet page's live result when the payment is written by another server process on the same
 * PostgreSQL database: the page's server learns it from the database, not from an event of its own.
 * (PostgreSQL run only: a SQLite file has one server.)
 */
let p: TestPlatform;
let m: TestMerchant;
let other: ServerProcess;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p, 'Corner Shop');
  other = await startServerProcess(['--db', p.dbPath, '--port', '0'], { lifetimeMs: 60_000 });
});
afterEach(async () => {
  await stopAllChildren();
  await p.stop();
});

it('a payment taken by another server process turns the page (PENDING, then PAID once confirmed here) within a second', async () => {
  const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 50_00, pinHash: await hashPin('2468'), confirmLimitSen: 5_00 });
  const s = await signInWallet(p, walletId);
  const code = (await pageCall(p, 'wallet/paycode', {}, as(s))).data!.payCode as string;

  const first = pageCall(p, 'wallet/code-result', { payCode: code }, as(s));
  await new Promise((r) => setTimeout(r, 400));
  const paying = await postSigned(other.url, 'micropay', micropayParams(m, 'big-1', '20.00', code), m.key);
  expect(paying.body.code).toBe(1024);
  const answeredAt = performance.now();
  const pending = await first;
  expect(performance.now() - answeredAt).toBeLessThan(1_000);
  expect(pending.data).toMatchObject({ state: 'PENDING', order: { amount: '20.00', merchantName: 'Corner Shop' } });

  const orderId = pending.data!.order.wavpayOrderId as string;
  const confirmed = await pageCall(p, 'wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }, as(s));
  expect([confirmed.code, confirmed.data!.tradeStatus]).toEqual([0, 'PAID']);
  // The merchant's query at the other process sees what this one confirmed.
  const query = await postSigned(other.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'big-1' }, m.key);
  expect(query.body.data).toMatchObject({ tradeStatus: 'PAID', amount: '20.00' });
  expect(await p.store.findWallet(walletId)).toMatchObject({ balanceSen: 30_00, heldSen: 0 });
  expect((await p.store.audit()).checks.filter((c) => c.violations.length > 0)).toEqual([]);
});
