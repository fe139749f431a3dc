import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import {
  NOTIFICATION_ACK,
  NotificationVerificationError,
  verifyNotification,
  type MicroPayNotification,
} from '@micropay/client';
import { newApiKey } from '../../server/src/domain/ids.js';
import { appWallet, clientFor, FAST_ENV, payCode, QUICK, startTestPlatform, until, type TestMerchant, type TestPlatform } from './support.js';

/**
 * verifyNotification against real notifications: the platform posts them to a receiver on
 * 127.0.0.1 written as docs/client.md shows it.
 */
let p: TestPlatform;
let m: TestMerchant;
let receiver: Server;
let rawBodies: string[];
let received: MicroPayNotification[];
let rejected: unknown[];

beforeEach(async () => {
  rawBodies = [];
  received = [];
  rejected = [];
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  const key = newApiKey();

  // The receiver of docs/client.md ("Notifications"), with the key and the store it records to.
  const seen = new Set<string>();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      rawBodies.push(body);
      try {
        const n = verifyNotification(body, key);
        if (!seen.has(n.notificationId)) { seen.add(n.notificationId); received.push(n); }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(NOTIFICATION_ACK);
      } catch (error) {
        rejected.push(error);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/micropay/notify`;
  const merchant = await p.store.createMerchant({ name: 'Kiosk', apiKey: new Secret(key), notifyUrl });
  m = { mchId: merchant.mchId, key, name: 'Kiosk' };
});
afterEach(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await p.stop();
});

describe('verifyNotification', () => {
  it('returns the PAID and FAILED notifications of real payments, typed, once each', async () => {
    const client = clientFor(p.url, m);
    const rich = await appWallet(p, 100_00);
    const poor = await appWallet(p, 1_00);
    await client.pay({ mchOrderId: 'n-paid', amount: '3.00', payCode: await payCode(p, rich), goodsInfo: 'Coffee' }, QUICK);
    await client.pay({ mchOrderId: 'n-failed', amount: '3.00', payCode: await payCode(p, poor), goodsInfo: 'Coffee' }, QUICK);
    await until(() => received.length >= 2, 10_000);

    const paid = received.find((n) => n.eventType === 'PAID')!;
    expect(paid).toMatchObject({ eventType: 'PAID', mchId: m.mchId, merchantOrderId: 'n-paid', tradeStatus: 'PAID', amount: '3.00' });
    expect(paid.notificationId).toEqual(expect.any(String));
    const failed = received.find((n) => n.eventType === 'FAILED')!;
    expect(failed).toMatchObject({ merchantOrderId: 'n-failed', tradeStatus: 'FAILED' });
    // Acknowledged: the platform does not send them again.
    await new Promise((r) => setTimeout(r, 300));
    expect(rawBodies).toHaveLength(2);
    expect(rejected).toEqual([]);
  });

  it('returns a REFUNDED notification typed as a refund', async () => {
    const client = clientFor(p.url, m);
    const w = await appWallet(p, 100_00);
    await client.micropay({ mchOrderId: 'n-r', amount: '8.00', payCode: await payCode(p, w), goodsInfo: 'Coffee' });
    await client.refund({ mchOrderId: 'n-r', mchRefundId: 'n-rf-1', refundAmount: '3.00' });
    await until(() => received.some((n) => n.eventType === 'REFUNDED'), 10_000);
    const refunded = received.find((n) => n.eventType === 'REFUNDED');
    expect(refunded).toMatchObject({ merchantOrderId: 'n-r', merchantRefundId: 'n-rf-1', refundAmount: '3.00', refundStatus: 'REFUNDED' });
    expect(rejected).toEqual([]);
  });

  it('returns a TEST notification the merchant asked for, typed as a test and carrying no order field', async () => {
    const queued = await p.store.sendTestNotification(m.mchId);
    expect(queued.kind).toBe('queued');
    await until(() => received.some((n) => n.eventType === 'TEST'), 10_000);
    const test = received.find((n) => n.eventType === 'TEST')!;
    expect(test).toMatchObject({ eventType: 'TEST', mchId: m.mchId, merchantName: 'Kiosk', testTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    if (queued.kind === 'queued') expect(test.notificationId).toBe(queued.notificationId);
    expect(Object.keys(test).sort()).toEqual(['eventType', 'mchId', 'merchantName', 'notificationId', 'secureHash', 'testTime', 'timestamp']);
    // Signed like every other: an altered test does not verify.
    expect(() => verifyNotification({ ...test, testTime: '2000-01-01 00:00:00' }, m.key)).toThrow(NotificationVerificationError);
    expect(rejected).toEqual([]);
  });

  it('rejects an altered body, another key, another merchant, and what is not a notification', async () => {
    const client = clientFor(p.url, m);
    const w = await appWallet(p, 100_00);
    const order = await client.micropay({ mchOrderId: 'n-1', amount: '3.00', payCode: await payCode(p, w), goodsInfo: 'Coffee' });
    await until(() => rawBodies.length >= 1, 10_000);
    const body = rawBodies[0]!;

    expect(verifyNotification(body, m.key).eventType).toBe('PAID');
    expect(verifyNotification(Buffer.from(body), m.key, { mchId: m.mchId }).notificationId).toBeTruthy();
    expect(verifyNotification(JSON.parse(body) as Record<string, unknown>, m.key).eventType).toBe('PAID');

    const altered = body.replace('"amount":"3.00"', '"amount":"0.01"');
    expect(altered).not.toBe(body);
    const cases: [string, () => unknown][] = [
      ['altered amount', () => verifyNotification(altered, m.key)],
      ['another event type', () => verifyNotification(body.replace('"eventType":"PAID"', '"eventType":"FAILED"'), m.key)],
      ['signature removed', () => verifyNotification({ ...(JSON.parse(body) as object), secureHash: undefined } as Record<string, unknown>, m.key)],
      ['another key', () => verifyNotification(body, 'another-key')],
      ['another merchant', () => verifyNotification(body, m.key, { mchId: '999' })],
      ['not JSON', () => verifyNotification('<xml/>', m.key)],
      ['nested objects', () => verifyNotification({ a: { b: 1 } }, m.key)],
      // A genuine signed API answer is not a notification: it has no notificationId or eventType.
      ['an API answer replayed', () => verifyNotification(order as unknown as Record<string, unknown>, m.key)],
    ];
    for (const [what, attempt] of cases) {
      expect(attempt, what).toThrow(NotificationVerificationError);
    }
  });

  it("verifies against both keys during a key roll's overlap: a notification is signed with the old key until the new one is used", async () => {
    const newKey = newApiKey();
    await p.store.rollMerchantKey(m.mchId, new Secret(newKey), 60 * 60_000);
    const w = await appWallet(p, 100_00);
    // The till still signs with the old key, so the platform has not seen the new one yet.
    await clientFor(p.url, m).micropay({ mchOrderId: 'n-roll', amount: '2.00', payCode: await payCode(p, w), goodsInfo: 'Tea' });
    await until(() => rawBodies.length >= 1, 10_000);
    const body = rawBodies[0]!;
    expect(verifyNotification(body, [newKey, m.key]).eventType).toBe('PAID');
    expect(() => verifyNotification(body, newKey)).toThrow('secureHash does not match the body and the merchant key');
    expect(() => verifyNotification(body, [newKey, 'another-key'])).toThrow('secureHash does not match the body and the merchant keys');
    expect(() => verifyNotification(body, [])).toThrow(TypeError);
    expect(() => verifyNotification(body, [newKey, ''])).toThrow(TypeError);
  });
});
