/**
 * The payouts table and the clearing account (domain/payout.ts), the same on both stores: `int`
 * is the stores' integer type, `strict` SQLite's table option. Each store adds the clearing
 * account's row in its own shape.
 */
export function payoutSchema(int: string, strict: string): string {
  return `
CREATE TABLE payouts (
  payout_id       TEXT PRIMARY KEY,
  -- Whose money it is: a merchant's (payout create) or a closed wallet's holder's (wallet close).
  mch_id          TEXT REFERENCES merchants (mch_id),
  wallet_id       TEXT REFERENCES wallets (wallet_id),
  -- The operator's id for the request: a repeat of it pays nothing twice.
  request_id      TEXT,
  amount_sen      ${int} NOT NULL CHECK (amount_sen > 0),
  status          TEXT NOT NULL CHECK (status IN ('REQUESTED', 'PAID_OUT', 'FAILED')),
  fail_reason     TEXT,
  requested_at_ms ${int} NOT NULL,
  finished_at_ms  ${int},
  CHECK ((mch_id IS NULL) <> (wallet_id IS NULL)),
  CHECK ((status = 'REQUESTED') = (finished_at_ms IS NULL)),
  UNIQUE (mch_id, request_id)
)${strict};
CREATE INDEX payouts_by_merchant ON payouts (mch_id, requested_at_ms);
CREATE INDEX payouts_by_wallet ON payouts (wallet_id) WHERE wallet_id IS NOT NULL;
CREATE INDEX payouts_requested ON payouts (requested_at_ms) WHERE status = 'REQUESTED';

-- The payout each payout entry moves (its request, then PAID_OUT or FAILED: two entries at most).
ALTER TABLE journal_entries ADD COLUMN payout_id TEXT REFERENCES payouts (payout_id);
CREATE UNIQUE INDEX journal_entries_by_payout ON journal_entries (payout_id, kind) WHERE payout_id IS NOT NULL;
`;
}
