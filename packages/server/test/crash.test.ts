import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSen, offlineStep, sign, type Envelope, type OrderData } from '@micropay/protocol';
import { offlineCodeSync } from '../src/domain/offline-code.js';
import { openStore } from '../src/platform.js';
import type { Store } from '../src/store/store.js';
import { sql } from './db-access.js';
import { emptyTestDatabase, testConfig } from './helpers.js';
import { cliJson, runCli, startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * Durability: the server runs as its own process on the store of this test run (a SQLite file, or
 * a PostgreSQL schema) and is killed with SIGKILL in the middle of a burst of payments. Whatever it
 * answered must be in the store; whatever it did not answer may or may not be, but never half of
 * it; the ledger must still balance. Only the server process dies, never PostgreSQL itself.
 */

const WALLETS = 300;
const KILL_AFTER_ANSWERS = 120;
const CONCURRENCY = 24;
/** About a dozen processes and 300 wallets: it may need more than the default 30 s on a loaded machine. */
const TEST_TIMEOUT_MS = 90_000;

let dbPath: string;
let dropStore: () => Promise<void>;

/** The store the server uses, opened as `micropay` would open it. */
async function reopen(): Promise<Store> {
  return await Promise.resolve(openStore(testConfig({ db: dbPath }, {})));
}

beforeEach(async () => {
  // An empty store location: the first CLI command creates and migrates it.
  const empty = await emptyTestDatabase();
  dbPath = empty.dbPath;
  dropStore = () => empty.drop();
});
afterEach(async () => {
  await stopAllChildren();
  await dropStore();
});

interface Merchant {
  mchId: string;
  apiKey: string;
}

interface PlannedPayment {
  readonly mchOrderId: string;
  readonly walletId: string;
  readonly payCode: string;
  readonly openingSen: number;
  readonly amountSen: number;
  /** unsent: never left the client; inflight: sent, no answer before the kill; answered: got an answer. */
  state: 'unsent' | 'inflight' | 'answered';
  answer?: Envelope<OrderData>;
}

async function post(url: string, endpoint: string, params: Record<string, string>, key: string): Promise<Envelope<OrderData>> {
  const body: Record<string, string> = { ...params, timestamp: String(Date.now()) };
  body.secureHash = sign(body, key);
  const res = await fetch(`${url}/api/micropay/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return (await res.json()) as Envelope<OrderData>;
}

function payParams(m: Merchant, pp: PlannedPayment): Record<string, string> {
  return { mchId: m.mchId, mchOrderId: pp.mchOrderId, amount: formatSen(pp.amountSen), goodsInfo: 'parking', discount: '', point: '', payCode: pp.payCode };
}

/** The merchant and a few wallets through the CLI, the bulk of the wallets through the store. */
async function prepareStore(): Promise<{ merchant: Merchant; plan: PlannedPayment[] }> {
  const merchant = await cliJson<Merchant & { name: string }>(['merchant', 'create', '--name', 'Crash Test Car Park', '--db', dbPath]);
  const plan: PlannedPayment[] = [];
  const viaCli = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const w = await cliJson<{ walletId: string; balance: string }>(['wallet', 'create', '--name', `CLI ${i}`, '--balance', '5.00', '--db', dbPath]);
      const code = await cliJson<{ payCode: string }>(['paycode', w.walletId, '--db', dbPath], { MICROPAY_PAYCODE_TTL_S: '600' });
      expect(w.balance).toBe('5.00');
      return { walletId: w.walletId, payCode: code.payCode };
    }),
  );
  for (const [i, w] of viaCli.entries()) {
    plan.push({ mchOrderId: `cli-${i}`, ...w, openingSen: 5_00, amountSen: 5_00, state: 'unsent' });
  }
  const store = await reopen();
  try {
    for (let i = plan.length; i < WALLETS; i++) {
      // Every fifth wallet is one sen short, so the burst has FAILED orders to keep too.
      const openingSen = i % 5 === 0 ? 4_99 : 5_00;
      const wallet = await store.createWallet({ name: `Driver ${i}`, openingSen });
      const code = await store.issuePayCode(wallet.walletId, 600_000);
      if (typeof code === 'string') throw new Error(code);
      plan.push({ mchOrderId: `crash-${i}`, walletId: wallet.walletId, payCode: code.code, openingSen, amountSen: 5_00, state: 'unsent' });
    }
  } finally {
    await store.close();
  }
  return { merchant, plan };
}

/** Streams the plan at CONCURRENCY in flight and SIGKILLs the server once enough answers are in. */
async function burstAndKill(server: ServerProcess, merchant: Merchant, plan: PlannedPayment[]): Promise<void> {
  let next = 0;
  let answered = 0;
  let killed = false;
  const unexpectedFailures: string[] = [];
  const worker = async () => {
    while (!killed && next < plan.length) {
      const pp = plan[next++]!;
      pp.state = 'inflight';
      try {
        pp.answer = await post(server.url, 'micropay', payParams(merchant, pp), merchant.apiKey);
        pp.state = 'answered';
        answered += 1;
      } catch (error) {
        // Only the kill may break a request: the connection died with the server, and the outcome
        // is unknown to the merchant. Any other failure, or one before the kill, is the server's.
        if (!killed || !connectionLost(error)) unexpectedFailures.push(`${pp.mchOrderId} (${killed ? 'after' : 'before'} the kill): ${describeError(error)}`);
        continue;
      }
      if (answered >= KILL_AFTER_ANSWERS && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const exit = await server.exited;
  expect(exit.signal).toBe('SIGKILL');
  expect(unexpectedFailures).toEqual([]);
}

/** The connection to the server closed or could not be made: what a killed server leaves a client with. */
function connectionLost(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return error instanceof TypeError && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'].includes(cause?.code ?? '');
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `${String(error)}${cause === undefined ? '' : ` (cause: ${cause.code ?? ''} ${cause.message ?? ''})`}`;
}

describe('the server is killed with SIGKILL in the middle of a burst of payments', () => {
  it('keeps every answered payment, invents none, and leaves a balanced ledger', async () => {
    const { merchant, plan } = await prepareStore();
    const server = await startServerProcess(['--db', dbPath, '--port', '0', '--host', '127.0.0.1']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await burstAndKill(server, merchant, plan);

    const answered = plan.filter((pp) => pp.state === 'answered');
    const inflight = plan.filter((pp) => pp.state === 'inflight');
    const unsent = plan.filter((pp) => pp.state === 'unsent');
    // The kill really came mid-burst: answers were in, and more payments were still to come.
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    expect(unsent.length).toBeGreaterThan(0);
    expect(answered.filter((pp) => pp.answer!.code === 0).length).toBeGreaterThan(0);
    expect(answered.filter((pp) => pp.answer!.code === 1028).length).toBeGreaterThan(0);
    for (const pp of answered) expect([0, 1028]).toContain(pp.answer!.code);

    const store = await reopen();
    try {
      // Every answer is in the store exactly as it was given.
      for (const pp of answered) {
        const order = await store.findOrder(merchant.mchId, pp.mchOrderId);
        expect(order, `answered order ${pp.mchOrderId}`).not.toBeNull();
        expect(order!.orderId).toBe(pp.answer!.data!.wavpayOrderId);
        expect(order!.status).toBe(pp.answer!.code === 0 ? 'PAID' : 'FAILED');
      }
      // No order exists that was neither answered nor in flight.
      const recorded = await readOrders(store);
      const mayExist = new Set([...answered, ...inflight].map((pp) => pp.mchOrderId));
      expect(recorded.filter((o) => !mayExist.has(o.mch_order_id))).toEqual([]);
      expect(recorded.length).toBeGreaterThanOrEqual(answered.length);

      // Balances are the opening balances minus the PAID orders in the store, and nothing else.
      const paidInStore = new Set(recorded.filter((o) => o.status === 'PAID').map((o) => o.mch_order_id));
      for (const pp of plan) {
        const wallet = await store.findWallet(pp.walletId);
        const expected = pp.openingSen - (paidInStore.has(pp.mchOrderId) ? pp.amountSen : 0);
        expect(wallet!.balanceSen, `wallet of ${pp.mchOrderId} (${pp.state})`).toBe(expected);
      }
      const report = await store.audit();
      expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.totals.orders).toBe(recorded.length);
    } finally {
      await store.close();
    }

    // The operator's audit agrees.
    const audit = await runCli(['audit', '--db', dbPath, '--json']);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true });

    // After a restart, queryBill tells the truth about the payments whose answer was lost.
    const restarted = await startServerProcess(['--db', dbPath, '--port', '0']);
    const inStore = new Map((await readStoredOrders()).map((o) => [o.mch_order_id, o]));
    for (const pp of inflight) {
      const q = await post(restarted.url, 'queryBill', { mchId: merchant.mchId, mchOrderId: pp.mchOrderId }, merchant.apiKey);
      const order = inStore.get(pp.mchOrderId);
      if (order === undefined) {
        expect(q.code).toBe(1031);
      } else {
        expect(q.code).toBe(0);
        expect(q.data!.tradeStatus).toBe(order.status);
        expect(q.data!.wavpayOrderId).toBe(order.order_id);
      }
    }
    // A payment whose answer was lost and never recorded can be sent again with the same order id.
    const retry = inflight.find((pp) => !inStore.has(pp.mchOrderId)) ?? unsent[0]!;
    const again = await post(restarted.url, 'micropay', payParams(merchant, retry), merchant.apiKey);
    expect([0, 1028]).toContain(again.code);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
  }, TEST_TIMEOUT_MS);
});

describe('the server is killed with SIGKILL in the middle of a burst of offline-code payments', () => {
  it('keeps every answered payment, and after a restart no used offline code pays again', async () => {
    const merchant = await cliJson<Merchant & { name: string }>(['merchant', 'create', '--name', 'Offline Car Park', '--db', dbPath]);
    const store = await reopen();
    const plan: PlannedPayment[] = [];
    const devices: { deviceTag: string; deviceSecret: string }[] = [];
    try {
      const key = (await store.offlineCodeKey())!;
      for (let i = 0; i < 200; i++) {
        const openingSen = i % 5 === 0 ? 4_99 : 5_00;
        const wallet = await store.createWallet({ name: `Offline ${i}`, openingSen });
        const device = await store.enrolOfflineDevice(wallet.walletId, 'phone', { lifetimeMs: 86_400_000, sessionHash: null });
        if (typeof device === 'string') throw new Error(device);
        devices.push(key.deviceCredentials(device));
        plan.push({ mchOrderId: `off-${i}`, walletId: wallet.walletId, payCode: '', openingSen, amountSen: 5_00, state: 'unsent' });
      }
    } finally {
      await store.close();
    }
    // Three steps ahead (the window takes up to four): the codes stay in the window for about 70 s,
    // so a refusal after the restart is the one-use rule's, not the clock's.
    const counter = offlineStep(Date.now()) + 3;
    plan.forEach((pp, i) => (pp.payCode = offlineCodeSync(devices[i]!, counter)));
    const server = await startServerProcess(['--db', dbPath, '--port', '0', '--host', '127.0.0.1']);
    await burstAndKill(server, merchant, plan);

    const answered = plan.filter((pp) => pp.state === 'answered');
    expect(answered.filter((pp) => pp.answer!.code === 0).length).toBeGreaterThan(0);
    for (const pp of answered) expect([0, 1028]).toContain(pp.answer!.code);
    const inStore = new Map((await readStoredOrders()).map((o) => [o.mch_order_id, o]));
    for (const pp of answered) expect(inStore.get(pp.mchOrderId)?.status).toBe(pp.answer!.code === 0 ? 'PAID' : 'FAILED');

    // After a restart: every code that paid (answered or not) is refused; a code whose payment
    // failed or was never recorded still pays or fails as before; balances match the store.
    const restarted = await startServerProcess(['--db', dbPath, '--port', '0']);
    for (const pp of plan.filter((x) => x.state !== 'unsent')) {
      const again = await post(restarted.url, 'micropay', { ...payParams(merchant, pp), mchOrderId: `${pp.mchOrderId}-again` }, merchant.apiKey);
      const before = inStore.get(pp.mchOrderId)?.status;
      if (before === 'PAID') expect(again.code, `${pp.mchOrderId} paid before the kill`).toBe(1036);
      else expect(again.code, `${pp.mchOrderId} (${before ?? 'not recorded'})`).toBe(pp.openingSen >= pp.amountSen ? 0 : 1028);
    }
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
    const check = await reopen();
    try {
      const report = await check.audit();
      expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
    } finally {
      await check.close();
    }
  }, TEST_TIMEOUT_MS);
});

interface OrderRow {
  order_id: string;
  mch_order_id: string;
  status: string;
}

/** Every order in the store, read with SQL rather than through the store's own lookups. */
async function readOrders(store: Store): Promise<OrderRow[]> {
  return sql<OrderRow>(store, 'SELECT order_id, mch_order_id, status FROM orders');
}

/** The same, on a store opened for the purpose (the restarted server keeps its own open). */
async function readStoredOrders(): Promise<OrderRow[]> {
  const store = await reopen();
  try {
    return await readOrders(store);
  } finally {
    await store.close();
  }
}
