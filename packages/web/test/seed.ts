import Database from 'better-sqlite3';

/**
 * Long lists for the paging tests, written straight into the SQLite store: copies of one real
 * paid order (made by `micropay pay` or a till), each with ids and a code of its own and a time
 * a minute before the last. A page of 25 orders by real payments would take a minute of CLI
 * runs; the paging, not the payment, is what these tests are about.
 */
export function copyOrder(dbPath: string, mchId: string, mchOrderId: string, count: number, till?: { readonly cashierName: string }): string[] {
  const db = new Database(dbPath);
  try {
    const order = db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?').get(mchId, mchOrderId) as Record<string, unknown>;
    const columns = Object.keys(order);
    const insert = db.prepare(`INSERT INTO orders (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
    const cashier = till === undefined ? undefined
      : db.prepare('SELECT cashier_id FROM cashiers WHERE mch_id = ? AND name = ?').get(mchId, till.cashierName) as { cashier_id: string };
    const charge = db.prepare('INSERT INTO cashier_charges (mch_id, mch_order_id, cashier_id, charged_at_ms, pay_code) VALUES (?, ?, ?, ?, ?)');
    const made: string[] = [];
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        // Within an order id's 32 characters (a till's are 32 long).
        const id = `${mchOrderId.slice(0, 28)}-C${String(i).padStart(2, '0')}`;
        const at = Number(order.trade_time_ms) - i * 60_000;
        const payCode = `${String(order.pay_code).slice(0, 16)}${String(i).padStart(2, '0')}`;
        // MicroPay's order id is 22 digits (the orders' cursor reads it so): its last three moved on by i.
        const orderId = String(order.order_id);
        const ownId = `${orderId.slice(0, -3)}${String((Number(orderId.slice(-3)) + i) % 1000).padStart(3, '0')}`;
        insert.run({ ...order, order_id: ownId, mch_order_id: id, pay_code: payCode, trade_time_ms: at, pay_time_ms: at, updated_at_ms: at });
        if (cashier !== undefined) charge.run(mchId, id, cashier.cashier_id, at, payCode);
        made.push(id);
      }
    })();
    return made;
  } finally {
    db.close();
  }
}

/** Copies of one wallet (its account too: a wallet has one of its own), each made a minute before the last, for the Wallets list's pages. */
export function copyWallet(dbPath: string, walletId: string, count: number): string[] {
  const db = new Database(dbPath);
  try {
    const wallet = db.prepare('SELECT * FROM wallets WHERE wallet_id = ?').get(walletId) as Record<string, unknown>;
    const account = db.prepare('SELECT * FROM accounts WHERE id = ?').get(wallet.account_id) as Record<string, unknown>;
    const insertInto = (table: string, row: Record<string, unknown>) => db.prepare(
      `INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((c) => `@${c}`).join(', ')})`).run(row);
    const made: string[] = [];
    db.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const id = `60${String(99_999_900 + i).padStart(10, '0')}`;
        insertInto('accounts', { ...account, id: `${String(account.id)}-c${i}` });
        insertInto('wallets', { ...wallet, wallet_id: id, account_id: `${String(account.id)}-c${i}`, token_hash: null, created_at_ms: Number(wallet.created_at_ms) - i * 60_000 });
        made.push(id);
      }
    })();
    return made;
  } finally {
    db.close();
  }
}

/** `count` more rows of the audit log, copies of its newest, for the Audit log's pages (the log takes inserts; it refuses changes). */
export function copyAuditRows(dbPath: string, count: number): void {
  const db = new Database(dbPath);
  try {
    const { log_id: _id, ...row } = db.prepare('SELECT * FROM audit_log ORDER BY log_id DESC LIMIT 1').get() as Record<string, unknown>;
    const insert = db.prepare(`INSERT INTO audit_log (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(row);
    })();
  } finally {
    db.close();
  }
}
