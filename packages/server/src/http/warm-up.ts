import { randomBytes } from 'node:crypto';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMicropay, parseQueryBill, sign, signOrderData, verify } from '@micropay/protocol';
import type { ApiContext } from '../api/context.js';
import { HTTP_DEADLINES, createHttpServer } from './server.js';
import { NO_OPS } from './ops.js';

/**
 * Requests sent through the warm-up listener: enough for V8 to optimise the request path. 5,000
 * against 500 brought a cold server's first-10-s p99 from 20.0 to 13.7 ms (its next 10 s: 12.1),
 * for 0.65 s more before it listens (docs/benchmarks.md, fifteenth session).
 */
export const WARM_UP_REQUESTS = 5_000;
const CONCURRENT = 8;
/**
 * A merchant id of the right form that no merchant is given: ids are issued from the year
 * (202612001, …). One imported under it (any 1 to 19 digits may be) turns the HTTP part off.
 */
const NO_MERCHANT = '9999999999999999999';

/**
 * Runs the request path before the server listens, so that its first seconds of traffic are not
 * answered by V8's interpreter while the optimising compiler catches up (a cold server answered
 * its first 10 s with a p99 several times its next 10 s: docs/benchmarks.md, issue 18).
 *
 * Nothing of it is kept or seen: the requests go to a private listener on loopback with no meter
 * (no metrics, no payment statistics), name a merchant that does not exist (answered 1031 after the
 * field rules and the store's merchant lookup, so nothing is written and nothing is logged), and
 * the signing runs on a throwaway key and made-up orders, in memory.
 */
export async function warmUpRequestPath(ctx: ApiContext, requests = WARM_UP_REQUESTS): Promise<WarmUpAnswers> {
  warmUpSigning(requests);
  for (let i = 0; i < requests / CONCURRENT; i++) {
    await Promise.all(Array.from({ length: CONCURRENT }, (_, j) => ctx.store.findOrder(NO_MERCHANT, `warm-up-${j}`)));
  }
  const answers: Record<string, number> = {};
  if ((await ctx.store.findMerchantForAuth(NO_MERCHANT)) !== null) return answers;
  const server = createHttpServer(ctx, HTTP_DEADLINES, NO_OPS);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENT });
  try {
    const port = await listenOnLoopback(server);
    for (let i = 0; i < requests / CONCURRENT; i++) {
      const codes = await Promise.all(Array.from({ length: CONCURRENT }, (_, j) => post(port, agent, i % 2 === 0 ? 'queryBill' : 'micropay', j)));
      for (const code of codes) answers[code] = (answers[code] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return answers;
}

/** How many of the warm-up's requests were answered with each code: all 1031 (no such merchant) when it went as meant. */
export type WarmUpAnswers = Readonly<Record<string, number>>;

/** The field rules, both hashes of a request and the answer's signature, on made-up values. */
function warmUpSigning(rounds: number): void {
  const key = randomBytes(16).toString('hex');
  for (let i = 0; i < rounds; i++) {
    const body: Record<string, unknown> = warmUpBody(i);
    body.secureHash = sign(body as Record<string, string>, key);
    if (!verify(body as Record<string, string>, key)) throw new Error('warm-up: a signature made here does not verify');
    parseQueryBill(body);
    parseMicropay(Object.assign(body, PAYMENT_FIELDS), { maxAmountSen: 100 });
    JSON.stringify(signOrderData(warmUpOrder(i), Date.now(), key));
  }
}

/** What a payment adds to a query's fields; the code is well-formed and no wallet's. */
const PAYMENT_FIELDS = { amount: '1.00', goodsInfo: 'warm-up', payCode: '390000000000000000' };

function warmUpBody(i: number): Record<string, string> {
  return { mchId: NO_MERCHANT, mchOrderId: `warm-up-${i}`, timestamp: String(Date.now()) };
}

function warmUpOrder(i: number): Parameters<typeof signOrderData>[0] {
  return {
    merchantOrderId: `warm-up-${i}`, wavpayOrderId: '4000000000000000000000', mchId: NO_MERCHANT, merchantName: 'warm-up',
    tradeTime: '2000-01-01 00:00:00', payTime: null, paySence: 'MICROPAY', tradeStatus: 'NEW', amount: '1.00', goodsInfo: 'warm-up',
  };
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** One signed-looking request; its answer (1031, no such merchant) is read, and only its code kept. */
function post(port: number, agent: Agent, endpoint: 'queryBill' | 'micropay', i: number): Promise<string> {
  const fields = Object.assign(warmUpBody(i), endpoint === 'micropay' ? PAYMENT_FIELDS : {}, { secureHash: '0'.repeat(64) });
  const body = JSON.stringify(fields);
  const path = `/api/micropay/${endpoint}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(answerCode(Buffer.concat(chunks).toString('utf8'))));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

function answerCode(text: string): string {
  try {
    return String((JSON.parse(text) as { code?: unknown }).code);
  } catch {
    return 'not JSON';
  }
}
