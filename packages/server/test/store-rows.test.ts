import { describe, expect, it } from 'vitest';
import { ORDER_COLUMNS, ORDER_KEY_AT, orderOfValues, toOrder } from '../src/store/rows.js';

/** A row whose every column holds a value no other column holds, so a swapped pair shows. */
const ROW = {
  order_id: 'MP-1', mch_id: '202611001', mch_order_id: 'o-1', amount_sen: 101, goods_info: 'parking',
  discount_sen: 102, point: 103, pay_code: '391234567890123456', wallet_id: 'w-1', status: 'PAID',
  fail_reason: 'CODE_UNUSABLE', fingerprint: 'f-1', trade_time_ms: 104, pay_time_ms: 105, deadline_ms: 106,
  refunded_sen: 107, updated_at_ms: 108,
};

const ORDER = {
  orderId: 'MP-1', mchId: '202611001', mchOrderId: 'o-1', amountSen: 101, goodsInfo: 'parking',
  discountSen: 102, point: 103, walletId: 'w-1', status: 'PAID', failReason: 'CODE_UNUSABLE',
  fingerprint: 'f-1', tradeTimeMs: 104, payTimeMs: 105, deadlineMs: 106, refundedSen: 107, updatedAtMs: 108,
};

describe('order rows', () => {
  it('a row with named columns maps each column to its own field', () => {
    expect(toOrder(ROW)).toEqual(ORDER);
  });

  it('a row as an array in ORDER_COLUMNS order maps the same (queryBill reads orders so)', () => {
    const values = ORDER_COLUMNS.map((column) => ROW[column]);
    expect(orderOfValues(values)).toEqual(ORDER);
    expect([values[ORDER_KEY_AT.mchId], values[ORDER_KEY_AT.mchOrderId]]).toEqual([ROW.mch_id, ROW.mch_order_id]);
  });
});
