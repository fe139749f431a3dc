#!/usr/bin/env node
/**
 * Where queryBill's order lookup goes on SQLite, in CPU µs per call (process.cpuUsage, so other
 * load on the machine moves it little): a served store (payment thread on) with one paid order,
 * then the lookup as a statement outside and inside a transaction, and as `store.findOrder` called
 * one at a time or several in one turn. Median of 5 rounds. See docs/benchmarks.md (issue 18).
 *
 *   node bench/find-order.mjs [--tree DIR] [--calls 100000]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { reportCpu, storeWithOnePaidOrder } from './lib/one-paid-order.mjs';

const { values: args } = parseArgs({ options: { tree: { type: 'string' }, calls: { type: 'string', default: '100000' } } });
const tree = resolve(args.tree ?? fileURLToPath(new URL('..', import.meta.url)));
const N = Number(args.calls);

const { store, merchant: m, close } = await storeWithOnePaidOrder(tree);
try {
  const db = store.db;
  const byKey = db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?');
  const keyOnly = db.prepare('SELECT 1 FROM orders WHERE mch_id = ? AND mch_order_id = ?');
  for (const inTransaction of [false, true]) {
    if (inTransaction) db.exec('BEGIN');
    const where = inTransaction ? 'inside one transaction' : 'each its own transaction';
    await report(`SELECT 1 (index only), ${where}`, async () => void keyOnly.get(m.mchId, 'q1'));
    await report(`SELECT * (the row), ${where}`, async () => void byKey.get(m.mchId, 'q1'));
    if (inTransaction) db.exec('COMMIT');
  }
  for (const together of [1, 4, 16]) {
    await report(`store.findOrder, ${together} in one turn`, () => Promise.all(Array.from({ length: together }, () => store.findOrder(m.mchId, 'q1'))), together);
  }
} finally {
  await close();
}

function report(label, call, perCall = 1) {
  return reportCpu(label, call, { calls: N, perCall, unit: 'lookup', width: 52 });
}
