import type pg from 'pg';
import { assert, merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Order, Refund, Wallet, WalletStatus } from '../../domain/model.js';
import type { RefundFinishView, RefundRecord } from '../../domain/refund.js';
import type { ViewFor, ViewName, ViewOf } from '../port.js';
import { PAGE_SESSION_SELECT, toCashier, toMerchant, toOrder, toPageSession, toPayout, toPayoutAccount, toRefund, toSignInLink, toWallet, type Row } from '../rows.js';
import { LAST_PAYOUT_FILE, PAYOUT_ACCOUNT_SELECT, PAYOUTS_TO_FILE, PAYOUTS_WAITING_IN_FILE } from '../payout-schema.js';
import type { Db } from './effects.js';
import { LOCK_ORDER_ID } from './order-id-locks.js';
import { REFUNDS_IN_PROCESS_TO_WALLET } from '../wallet-close-sql.js';
import { ENTRY_TO_REVERSE, toEntryToReverse, TOP_UP_REQUEST } from '../top-up-reversal-sql.js';
import { toDevice, WALLET_DEVICES } from '../offline-device-sql.js';
import { OPERATOR_BY_NAME, OPERATORS_TO_RESEAL, toOperator } from '../operator-sql.js';
import { CASHIER_CHARGE_BY_ID, ORDER_ID_USED, toCashierCharge } from '../cashier-charge-sql.js';
import type { MerchantKeyVault } from '../../secrets/merchant-key-vault.js';

/** A wallet with its balance (shard 0: a wallet has one) and its held amount. */
export const WALLET_SELECT = `SELECT w.*, s.balance_sen, a.held_sen
  FROM wallets w JOIN accounts a ON a.id = w.account_id JOIN account_shards s ON s.account_id = a.id AND s.shard = 0`;

/** The first row of a query, mapped, or null. */
export async function first<T>(c: Db, sql: string, values: unknown[], map: (r: Row) => T): Promise<T | null> {
  const row = (await c.query(sql, values)).rows[0] as Row | undefined;
  return row === undefined ? null : map(row);
}

export function walletById(c: Db, walletId: string, lock = ''): Promise<Wallet | null> {
  return first(c, `${WALLET_SELECT} WHERE w.wallet_id = $1 ${lock}`, [walletId], toWallet);
}

export function orderById(c: Db, orderId: string, lock = ''): Promise<Order | null> {
  return first(c, `SELECT * FROM orders WHERE order_id = $1 ${lock}`, [orderId], toOrder);
}

export async function refundWithOrder(c: Db, mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
  const refund = await first(c, 'SELECT * FROM refunds WHERE mch_id = $1 AND mch_refund_id = $2', [mchId, mchRefundId], toRefund);
  return refund === null ? null : { refund, order: await orderOf(c, refund) };
}

async function orderOf(c: Db, refund: Refund, lock = ''): Promise<Order> {
  const order = await orderById(c, refund.orderId, lock);
  assert(order !== null, `refund ${refund.refundId} has its order`);
  return order;
}

type Reader<N extends ViewName> = (c: pg.PoolClient, request: ViewFor<N>, keys: MerchantKeyVault) => Promise<ViewOf[N]>;

/**
 * Reads the view a decision asks for (store/port.ts) and takes its locks, each in the store's one
 * lock order (pg-store.ts).
 */
export function readView<N extends ViewName>(c: pg.PoolClient, request: ViewFor<N>, keys: MerchantKeyVault): Promise<ViewOf[N]> {
  return (READERS[request.view] as Reader<N>)(c, request, keys);
}

const READERS: { readonly [N in ViewName]: Reader<N> } = {
  none: async () => null,
  // NO KEY UPDATE: payments' foreign-key checks take KEY SHARE on the merchant's row, so a change
  // of its status, name or keys neither waits for a busy merchant's batches nor stalls them.
  merchant: (c, q, keys) => first(c, 'SELECT * FROM merchants WHERE mch_id = $1 FOR NO KEY UPDATE', [q.mchId], (r) => toMerchant(r, keys)),
  merchantIds: async (c, q) => {
    // One generated merchant id at a time: the free id found stays free until this commits.
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('micropay:create-merchant'))`);
    const { rows } = await c.query('SELECT mch_id FROM merchants WHERE mch_id LIKE $1', [`${q.prefix}%`]);
    return new Set((rows as { mch_id: string }[]).map((r) => r.mch_id));
  },
  // The wallet row NO KEY UPDATE: a payment batch holding the wallet's code and balance inserts an
  // order whose foreign-key check takes KEY SHARE on this row, which FOR UPDATE would block (a
  // deadlock with a code issue or top-up waiting for that batch). The balance rows only when asked
  // for (top-ups): after the row, in the store's lock order.
  wallet: (c, q) => walletById(c, q.walletId, q.lockBalance === true ? 'FOR NO KEY UPDATE OF w FOR UPDATE OF a, s' : 'FOR NO KEY UPDATE OF w'),
  // As `wallet` with the balance; the request is read after the locks: a top-up under the same id,
  // made meanwhile, has committed and is seen (two take turns on the balance).
  topUp: async (c, q) => {
    const wallet = await walletById(c, q.walletId, 'FOR NO KEY UPDATE OF w FOR UPDATE OF a, s');
    if (wallet === null) return null;
    const earlier = await first(c, TOP_UP_REQUEST, [q.walletId, q.requestId], (r) => Number(r.amount_sen));
    return { wallet, earlierSen: earlier };
  },
  // As `wallet` with the balance; the entry is read after the locks (its reversal, if any, committed).
  topUpToReverse: async (c, q) => {
    const wallet = await walletById(c, q.walletId, 'FOR NO KEY UPDATE OF w FOR UPDATE OF a, s');
    if (wallet === null) return null;
    return { wallet, entry: await first(c, ENTRY_TO_REVERSE, [q.entryId, walletAccount(q.walletId)], toEntryToReverse) };
  },
  // As `wallet`: a revocation or another renewal of the wallet's devices waits for this one.
  walletDevices: async (c, q) => {
    const wallet = await walletById(c, q.walletId, 'FOR NO KEY UPDATE OF w');
    if (wallet === null) return null;
    return { wallet, devices: (await c.query(WALLET_DEVICES, [q.walletId])).rows.map((r) => toDevice(r as Row)) };
  },
  // As `wallet` with the balance; the refunds in process are read unlocked (a refund requested
  // meanwhile is not seen: it then fails WALLET_CLOSED, docs/operations.md "Payouts").
  walletToClose: async (c, q) => {
    const wallet = await walletById(c, q.walletId, 'FOR NO KEY UPDATE OF w FOR UPDATE OF a, s');
    if (wallet === null) return null;
    const { sen } = (await c.query(REFUNDS_IN_PROCESS_TO_WALLET.replace('?', '$1'), [q.walletId])).rows[0] as { sen: string };
    return { wallet, refundsInProcessSen: Number(sen) };
  },
  order: async (c, q) => {
    const order = await orderById(c, q.orderId, 'FOR UPDATE');
    if (order === null) return null;
    return { order, wallet: q.withWallet ? await walletById(c, order.walletId, 'FOR UPDATE OF a, s') : null };
  },
  orderToClose: async (c, q) => {
    // Exclusive on the id: a payment under it either committed before (its order is found below)
    // or waits and then finds the id closed (order-id-locks.ts).
    await c.query(LOCK_ORDER_ID, [q.mchId, q.mchOrderId]);
    return first(c, 'SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2 FOR UPDATE', [q.mchId, q.mchOrderId], toOrder);
  },
  refundRequest: async (c, { cmd }) => {
    // The order row lock serialises every refund of this order, and repeats of one mchRefundId.
    const order = await first(c, 'SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2 FOR UPDATE', [cmd.mchId, cmd.mchOrderId], toOrder);
    const existing = await refundWithOrder(c, cmd.mchId, cmd.mchRefundId);
    return { existing, order: existing === null ? order : null };
  },
  refundToFinish: async (c, q) => {
    const unlocked = await first(c, 'SELECT * FROM refunds WHERE refund_id = $1', [q.refundId], toRefund);
    if (unlocked === null) return null;
    const order = await orderOf(c, unlocked, 'FOR UPDATE');
    // Re-read under the order's lock: another finisher may have won meanwhile.
    const refund = (await first(c, 'SELECT * FROM refunds WHERE refund_id = $1', [q.refundId], toRefund))!;
    if (refund.status !== 'REFUND_IN_PROCESS') return { refund, order, finish: null };
    return { refund, order, finish: await refundFinishView(c, refund, order) };
  },
  // The web pages' sign-in (domain/page-access.ts): each row locked, so a link is used once and a
  // password try counted once. A link's wallet is read unlocked: sign-in changes nothing of it.
  pageSession: (c, q) => first(c, `${PAGE_SESSION_SELECT} FOR UPDATE OF s`, [q.sessionHash], toPageSession),
  signInLink: async (c, q) => {
    const link = await first(c, 'SELECT * FROM wallet_sign_in_links WHERE link_hash = $1 FOR UPDATE', [q.linkHash], toSignInLink);
    return link === null ? null : { link, wallet: await walletById(c, link.walletId) };
  },
  cashier: async (c, q, keys) => ({
    merchant: await first(c, 'SELECT * FROM merchants WHERE mch_id = $1 FOR NO KEY UPDATE', [q.mchId], (r) => toMerchant(r, keys)),
    cashier: await first(c, 'SELECT * FROM cashiers WHERE mch_id = $1 AND name = $2 FOR UPDATE', [q.mchId, q.name], toCashier),
  }),
  operator: (c, q, keys) => first(c, `${OPERATOR_BY_NAME} FOR UPDATE`, [q.name], (r) => toOperator(r, keys)),
  cashierCharge: async (c, q) => {
    // Exclusive on the order id, as closeBill takes it: two tills starting the same id take turns,
    // so the second sees the first's record rather than failing on its key.
    await c.query(LOCK_ORDER_ID, [q.mchId, q.mchOrderId]);
    const charge = await first(c, CASHIER_CHARGE_BY_ID, [q.mchId, q.mchOrderId], toCashierCharge);
    const used = (await c.query(ORDER_ID_USED, [q.mchId, q.mchOrderId, q.mchId, q.mchOrderId])).rows[0] as { used: boolean };
    return { charge, orderIdUsed: used.used };
  },
  // Each row as a change of the merchant locks it (NO KEY UPDATE), in mchId order.
  merchantsToReseal: async (c, q, keys) => {
    const { rows } = await c.query(
      'SELECT * FROM merchants WHERE master_key_id IS NULL OR (NOT $1 AND master_key_id <> $2) ORDER BY mch_id FOR NO KEY UPDATE',
      [q.plainOnly, keys.currentId],
    );
    const merchants = (rows as Row[]).map((r) => toMerchant(r, keys));
    if (q.plainOnly) return { merchants, operators: [] };
    const found = await c.query(`${OPERATORS_TO_RESEAL} FOR UPDATE`, [keys.currentId]);
    return { merchants, operators: (found.rows as Row[]).map((r) => toOperator(r, keys)) };
  },
  // Every shard of the merchant's balance, in shard order, like a refund's finish: two payouts (or
  // a payout and a refund) of one merchant take turns, and each sees the balance the other left.
  // Payments still credit it: they only need one shard, and wait for a free one briefly.
  // The request id is looked up after the locks, so a racing repeat finds the payout it lost to.
  payoutRequest: async (c, q, keys) => {
    const merchant = await first(c, 'SELECT * FROM merchants WHERE mch_id = $1', [q.mchId], (r) => toMerchant(r, keys));
    if (merchant === null) return { merchant, balanceSen: 0, existing: null, payoutAccount: null };
    const balanceSen = await lockMerchantBalance(c, q.mchId);
    const existing = q.requestId === null
      ? null
      : await first(c, 'SELECT * FROM payouts WHERE mch_id = $1 AND request_id = $2', [q.mchId, q.requestId], toPayout);
    // Shared: a change of the account waits for this payout, which copies the account it reads.
    const payoutAccount = await first(c, `${PAYOUT_ACCOUNT_SELECT} FOR SHARE`, [q.mchId], toPayoutAccount);
    return { merchant, balanceSen, existing, payoutAccount };
  },
  // The merchant locked as `merchant` does, so two changes of its account take turns.
  payoutAccount: async (c, q, keys) => {
    const merchant = await first(c, 'SELECT * FROM merchants WHERE mch_id = $1 FOR NO KEY UPDATE', [q.mchId], (r) => toMerchant(r, keys));
    return { merchant, account: merchant === null ? null : await first(c, `${PAYOUT_ACCOUNT_SELECT} FOR UPDATE`, [q.mchId], toPayoutAccount) };
  },
  // The payout row, like an order's: its outcome is recorded once. The accounts its entry moves
  // (the clearing account, then the float or the account it returns to) are locked by the entry.
  payout: (c, q) => first(c, 'SELECT * FROM payouts WHERE payout_id = $1 FOR UPDATE', [q.payoutId], toPayout),
  // Files are made one at a time (a transaction-scoped advisory lock, taken first): each reads the
  // last number the one before it committed. The rows are locked as `payout` locks one, so an
  // outcome recorded meanwhile waits, or is waited for and its payout left out (the recheck of a
  // locked row).
  payoutsToFile: async (c, q) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('micropay:payout-files'))`);
    const { rows } = await c.query(`${PAYOUTS_TO_FILE} FOR UPDATE`, [q.fromMs, q.toMs, q.limit]);
    const last = (await c.query(LAST_PAYOUT_FILE)).rows[0] as { file_no: string | number };
    return { payouts: (rows as Row[]).map(toPayout), lastFileNo: Number(last.file_no) };
  },
  // Locked as `payout` locks one, in payout id order (two confirmations of one file take turns);
  // an outcome recorded meanwhile is waited for and its payout left out (the recheck of a locked row).
  payoutsOfFile: async (c, q) => {
    const { rows } = await c.query(`${PAYOUTS_WAITING_IN_FILE} FOR UPDATE`, [q.fileNo]);
    const last = (await c.query(LAST_PAYOUT_FILE)).rows[0] as { file_no: string | number };
    return { waiting: (rows as Row[]).map(toPayout), lastFileNo: Number(last.file_no) };
  },
};

/** Locks all of the merchant's balance shards in shard order and answers their sum. */
async function lockMerchantBalance(c: pg.PoolClient, mchId: string): Promise<number> {
  const { balance_sen } = (await c.query(
    `SELECT COALESCE(SUM(balance_sen), 0) AS balance_sen FROM
       (SELECT balance_sen FROM account_shards WHERE account_id = $1 ORDER BY shard FOR UPDATE) s`,
    [merchantAccount(mchId)],
  )).rows[0] as { balance_sen: number };
  return balance_sen;
}

/**
 * Locks the wallet's balance, then all of the merchant's shards (in shard order), after the order.
 * The wallet's status is read by a statement of its own once the balance is locked: a close
 * changes it holding that lock, and READ COMMITTED re-reads after a wait only the rows a statement
 * locks, so a status read with the lock could be the one from before the close (and the refund
 * would pay into a closed wallet).
 */
async function refundFinishView(c: pg.PoolClient, refund: Refund, order: Order): Promise<RefundFinishView> {
  await c.query(
    `SELECT 1 FROM accounts a JOIN account_shards s ON s.account_id = a.id
       WHERE a.id = (SELECT account_id FROM wallets WHERE wallet_id = $1) FOR UPDATE OF a, s`,
    [order.walletId],
  );
  const wallet = (await c.query('SELECT status FROM wallets WHERE wallet_id = $1', [order.walletId])).rows[0] as
    | { status: WalletStatus }
    | undefined;
  assert(wallet !== undefined, 'the wallet of a refund exists');
  const balance_sen = await lockMerchantBalance(c, refund.mchId);
  // Counted under the order's lock, which every refund of the order takes first.
  const { n } = (await c.query(
    `SELECT COUNT(*)::int AS n FROM refunds WHERE order_id = $1 AND status = 'REFUND_IN_PROCESS' AND refund_id <> $2`,
    [refund.orderId, refund.refundId],
  )).rows[0] as { n: number };
  return { merchantBalanceSen: balance_sen, walletStatus: wallet.status, otherRefundsInProcess: n };
}
