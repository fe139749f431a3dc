import { describe, expect, it } from 'vitest';
import { decideChargeStart, maskedPayCode, ownsCharge, type CashierCharge } from '../src/domain/cashier-charge.js';

/** Which cashier took which charge (domain/cashier-charge.ts), decided without a database. */
const NOW = 1_800_000_000_000;
const lane1 = { cashierId: 'c-1', mchId: '1001' };
const lane2 = { cashierId: 'c-2', mchId: '1001' };
const charge: CashierCharge = { mchId: '1001', mchOrderId: 'till-1', cashierId: 'c-1', chargedAtMs: NOW - 5 };

describe('a charge at the till', () => {
  it('is recorded for its cashier when the order id is new', () => {
    expect(decideChargeStart({ charge: null, orderIdUsed: false }, lane1, 'till-1', NOW)).toEqual({
      result: 'STARTED',
      effects: [{ kind: 'insertCashierCharge', charge: { mchId: '1001', mchOrderId: 'till-1', cashierId: 'c-1', chargedAtMs: NOW } }],
    });
  });

  it("goes on unchanged when it is the cashier's own resubmit, and is TAKEN for anyone else's id", () => {
    expect(decideChargeStart({ charge, orderIdUsed: true }, lane1, 'till-1', NOW)).toEqual({ result: 'RESUBMIT', effects: [] });
    expect(decideChargeStart({ charge, orderIdUsed: true }, lane2, 'till-1', NOW)).toEqual({ result: 'TAKEN', effects: [] });
    // An order the merchant's own system made, or an id closed before any order.
    expect(decideChargeStart({ charge: null, orderIdUsed: true }, lane1, 'api-1', NOW)).toEqual({ result: 'TAKEN', effects: [] });
  });

  it('belongs to its own cashier only', () => {
    expect(ownsCharge(charge, lane1)).toBe(true);
    expect(ownsCharge(charge, lane2)).toBe(false);
    expect(ownsCharge(charge, { cashierId: 'c-1', mchId: '1002' })).toBe(false);
    expect(ownsCharge(null, lane1)).toBe(false);
  });

  it('shows a payment code on a receipt by its last four digits only', () => {
    expect(maskedPayCode('391234567890123456')).toBe('•••• 3456');
  });
});
