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
        insert.run({ ...order, order_id: `${String(order.order_id)}C${i}`, mch_order_id: id, pay_code: payCode, trade_time_ms: at, pay_time_ms: at, updated_at_ms: at });
        if (cashier !== undefined) charge.run(mchId, id, cashier.cashier_id, at, payCode);
        made.push(id);
      }
    })();
    return made;
  } finally {
    db.close();
  }
}
