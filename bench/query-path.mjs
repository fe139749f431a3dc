#!/usr/bin/env node
/**
 * What a queryBill costs in-process, step by step, in CPU µs per request (process.cpuUsage, so
 * other load on the machine moves it little): a served SQLite store with one paid order, then the
 * steps of the request path one at a time (parse, verify, lookup, sign, the envelope's JSON) and
 * the whole handler, four requests to a turn as a loaded server sees them. No HTTP: the bench's
 * `query` scenario measures the path with it, against the ceiling. Median of 5 rounds.
 * See docs/benchmarks.md (issue 18).
 *
 *   node bench/query-path.mjs [--tree DIR] [--calls 100000]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { reportCpu, storeWithOnePaidOrder } from './lib/one-paid-order.mjs';

const { values: args } = parseArgs({ options: { tree: { type: 'string' }, calls: { type: 'string', default: '100000' } } });
const tree = resolve(args.tree ?? fileURLToPath(new URL('..', import.meta.url)));
const dist = (path) => import(join(tree, 'packages/server/dist', path));
const { queryBill } = await dist('api/payments.js');
const { signedOrder } = await dist('api/order-wire.js');
const { answer } = await dist('api/answer.js');
const { systemClock } = await dist('domain/clock.js');
const protocol = await import(join(tree, 'packages/protocol/dist/index.js'));
const N = Number(args.calls);

const { store, config, merchant: m, close } = await storeWithOnePaidOrder(tree);
try {
  await store.warmUp();
  const body = { mchId: m.mchId, mchOrderId: 'q1', timestamp: String(Date.now()) };
  body.secureHash = protocol.sign(body, m.key);
  const raw = JSON.stringify(body);
  const ctx = { config, store, clock: systemClock, logger: { info() {}, warn() {}, error() {} } };
  const merchant = await store.findMerchantForAuth(m.mchId);
  const order = await store.findOrder(m.mchId, 'q1');
  const signed = signedOrder(order, { name: merchant.name, apiKey: merchant.apiKey }, config.timeZone, Date.now());
  const envelope = answer(0, signed).envelope;
  const first = await queryBill(ctx, { body, headers: {}, requestId: 'r' });
  if (first.envelope.code !== 0) throw new Error(`queryBill answered ${JSON.stringify(first.envelope)}`);
  const steps = [
    ['JSON.parse of the body', () => JSON.parse(raw)],
    ['parseQueryBill (field rules)', () => protocol.parseQueryBill(body)],
    ['verify (signature base + SHA-256)', () => protocol.verify(body, m.key)],
    ['store.findMerchantForAuth (cache)', () => store.findMerchantForAuth(m.mchId), 4],
    ['store.findOrder, 4 to a turn', () => store.findOrder(m.mchId, 'q1'), 4],
    ['signedOrder (wire times + sign)', () => signedOrder(order, merchant, config.timeZone, Date.now())],
    ['formatWireTime (one)', () => protocol.formatWireTime(order.tradeTimeMs, config.timeZone)],
    ['JSON.stringify of the answer', () => JSON.stringify(envelope)],
    ['queryBill handler, 4 to a turn', () => queryBill(ctx, { body, headers: {}, requestId: 'r' }), 4],
  ];
  for (const [label, step, together = 1] of steps) {
    await report(label, together === 1 ? step : () => Promise.all(Array.from({ length: together }, step)), together);
  }
} finally {
  await close();
}

function report(label, call, perCall = 1) {
  return reportCpu(label, call, { calls: N, perCall, unit: 'request', width: 40 });
}
