#!/usr/bin/env node
/**
 * Why the request path builds its orders and signed answers without `{ ...x, key: value }`: on
 * Node 20 (V8 11.3) a spread followed by more keys takes V8's slow path, microseconds per object,
 * where the same object written out, `Object.assign`, or the keys before the spread cost a tenth
 * of a microsecond. CPU µs per object, median of 5 rounds. See docs/benchmarks.md (issue 18).
 *
 *   node bench/object-spread.mjs [--objects 300000]
 */
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { objects: { type: 'string', default: '300000' } } });
const N = Number(args.objects);

// An order as domain/payment.ts makes it before its outcome: twelve keys, some null.
const base = (i) => ({
  orderId: `o${i}`, mchId: '202612001', mchOrderId: 'x', amountSen: 100, goodsInfo: 'Parking', discountSen: null, point: null,
  walletId: '600000000001', fingerprint: 'f', tradeTimeMs: i, refundedSen: 0, updatedAtMs: i,
});
const forms = [
  ['the base alone (the cost of making it)', (i) => base(i)],
  ['{ ...base, status, … } (spread, then keys)', (i) => ({ ...base(i), status: 'PAID', failReason: null, payTimeMs: i, deadlineMs: null })],
  ['{ status, …, ...base } (keys, then spread)', (i) => ({ status: 'PAID', failReason: null, payTimeMs: i, deadlineMs: null, ...base(i) })],
  ['Object.assign({}, base, { status, … })', (i) => Object.assign({}, base(i), { status: 'PAID', failReason: null, payTimeMs: i, deadlineMs: null })],
  ['every key written out', (i) => {
    const b = base(i);
    return {
      orderId: b.orderId, mchId: b.mchId, mchOrderId: b.mchOrderId, amountSen: b.amountSen, goodsInfo: b.goodsInfo, discountSen: b.discountSen,
      point: b.point, walletId: b.walletId, fingerprint: b.fingerprint, tradeTimeMs: b.tradeTimeMs, refundedSen: b.refundedSen,
      updatedAtMs: b.updatedAtMs, status: 'PAID', failReason: null, payTimeMs: i, deadlineMs: null,
    };
  }],
];
console.log(`node ${process.version} (V8 ${process.versions.v8})`);
for (const [label, make] of forms) {
  for (let i = 0; i < 30_000; i++) make(i);
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) make(i);
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / N);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(46)} ${rounds[2].toFixed(3).padStart(7)} µs CPU per object`);
}
