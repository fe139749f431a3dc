import { OfflineCodeLimits } from '../src/domain/offline-code-limits.js';
import { SignInLimits } from '../src/domain/sign-in-limits.js';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { CodeResultWatch } from '../src/services/code-results.js';
import { HTTP_DEADLINES, createHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';
import { createMerchant, startTestPlatform, type TestPlatform } from './helpers.js';
import { ResultCode, sign } from '@micropay/protocol';

/**
 * The edges of HTTP, over raw sockets against a real server: every request gets the envelope,
 * whatever Node's parser makes of it, within the documented deadline.
 */
let p: TestPlatform;

beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

interface RawResponse {
  readonly head: string;
  readonly body: string;
  /** Milliseconds from the connection to the server's close. */
  readonly closedAfterMs: number;
}

/**
 * Opens a connection, writes `first`, then `trickle` one byte every `everyMs` until the server
 * closes the connection; returns what came back before the close.
 */
function rawExchange(url: string, first: string, trickle = '', everyMs = 100): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(Number(port), hostname, () => {
      socket.write(first);
      let i = 0;
      if (trickle !== '') {
        timer = setInterval(() => {
          if (i < trickle.length && socket.writable) socket.write(trickle[i++]!);
        }, everyMs);
      }
    });
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => {
      clearInterval(timer);
      const [head = '', body = ''] = received.split('\r\n\r\n');
      resolve({ head, body, closedAfterMs: performance.now() - started });
    });
    socket.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
  });
}

describe('the whole request must arrive within the deadline (30 s by default)', () => {
  let server: Server | null = null;
  const lines: { level: string; msg: string }[] = [];

  /** A server on the test platform's store whose deadline is 1 s, checked every 100 ms. */
  async function quickServer(): Promise<string> {
    const logger = createLogger('info', (line) => void lines.push(JSON.parse(line) as { level: string; msg: string }));
    server = createHttpServer({ config: p.config, store: p.store, clock: systemClock, logger, codeResults: new CodeResultWatch((c) => p.store.payCodeOutcomes(c), () => Date.now()), offlineLimits: new OfflineCodeLimits(), signInLimits: new SignInLimits(), stopping: new AbortController().signal }, { requestTimeoutMs: 1_000, checkIntervalMs: 100 });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    server = null;
    lines.length = 0;
  });

  it('the default is the documented 30 s, for headers and body alike', () => {
    expect(HTTP_DEADLINES.requestTimeoutMs).toBe(30_000);
    expect(p.server.requestTimeout).toBe(30_000);
    expect(p.server.headersTimeout).toBe(30_000);
    // Checked every second, so a late request is cut within a second of the deadline.
    expect((p.server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(1_000);
    const api = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    expect(api).toContain('| The whole request (request line, headers and body) arrives within 30 s of its first byte |');
  });

  it('a body trickled a byte at a time is cut at the deadline with 408 and the envelope', async () => {
    const url = await quickServer();
    const head = 'POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const res = await rawExchange(url, head, '{"mchId":"1"'.padEnd(200, ' '), 100);
    expect(res.head).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(res.head).toContain('Content-Type: application/json; charset=utf-8');
    expect(res.head).toContain('Connection: close');
    expect(res.head).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
    expect(JSON.parse(res.body)).toEqual({ code: 9109, msg: 'request timeout', data: null });
    // Not before the deadline, and not long after it (the bytes kept coming all along).
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(res.closedAfterMs).toBeLessThan(2_500);
    // The handler that was reading the body learns of the cut a moment later.
    for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.map((l) => l.msg)).toEqual(['request timed out']);
  });

  it('headers trickled a byte at a time are cut at the same deadline', async () => {
    const url = await quickServer();
    const res = await rawExchange(url, 'POST /api/micropay/micropay HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(100), 100);
    expect(res.head).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(res.body)).toMatchObject({ code: 9109, data: null });
    expect(res.closedAfterMs).toBeLessThan(2_500);
  });

  it('a request that arrives in time is answered as usual', async () => {
    const url = await quickServer();
    const body = '{}';
    const res = await rawExchange(url, `POST /api/micropay/queryBill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(res.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(res.body)).toEqual({ code: 1021, msg: 'param error: mchId is required', data: null });
  });
});

describe('a body is read whole, however it arrives', () => {
  /** Sends `head` and the body's bytes in writes split at `cuts`, a pause between them; the answer's envelope. */
  function sendInPieces(url: string, body: Buffer, cuts: readonly number[], headers = 'Content-Type: application/json; charset=utf-8\r\n'): Promise<{ code: number; msg: string }> {
    const { hostname, port } = new URL(url);
    const head = `POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const pieces = [0, ...cuts, body.length].slice(1).map((end, i, ends) => body.subarray(i === 0 ? 0 : ends[i - 1], end));
    return new Promise((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), hostname, async () => {
        socket.write(head);
        for (const piece of pieces) {
          await new Promise((r) => setTimeout(r, 30));
          socket.write(piece);
        }
      });
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.on('close', () => resolve(JSON.parse(received.split('\r\n\r\n')[1]!) as { code: number; msg: string }));
      socket.on('error', reject);
    });
  }

  it('a signed body split inside a multi-byte character is decoded as one text: its signature holds', async () => {
    const m = await createMerchant(p);
    // goodsInfo is free text; the payment code was never issued, so nothing is paid whatever happens.
    const params: Record<string, string> = {
      mchId: m.mchId, mchOrderId: 'kopi-1', amount: '4.50', goodsInfo: 'kopi ☕ and € ', payCode: '285000000000000000', timestamp: String(Date.now()),
    };
    params.secureHash = sign(params, m.key);
    const body = Buffer.from(JSON.stringify(params), 'utf8');
    const cup = body.indexOf(Buffer.from('☕'));
    const euro = body.indexOf(Buffer.from('€'));
    // Each cut falls after a character's first byte: a body decoded piece by piece would not match its signature.
    const answers = [await sendInPieces(p.url, body, [cup + 1]), await sendInPieces(p.url, body, [cup + 2, euro + 1, body.length - 3])];
    // The signature was checked and held; then the payment code was not found (checked after it).
    for (const a of answers) expect(a).toEqual({ code: ResultCode.USER_NOT_FOUND, msg: 'app user does not exist', data: null });
    // The same body in one piece is answered alike.
    expect(await sendInPieces(p.url, body, [])).toEqual(answers[0]);
  });

  /** A micropay signed with a fresh merchant's key whose goodsInfo is `goods`; its payment code was never issued (1040 once the signature holds). */
  async function signedPayment(goods: string): Promise<string> {
    const m = await createMerchant(p);
    const params: Record<string, string> = { mchId: m.mchId, mchOrderId: 'enc-1', amount: '4.50', goodsInfo: goods, payCode: '395865319883277944', timestamp: String(Date.now()) };
    params.secureHash = sign(params, m.key);
    return JSON.stringify(params);
  }
  const NOT_ISSUED = { code: ResultCode.USER_NOT_FOUND, msg: 'app user does not exist', data: null };

  it('a body that is not UTF-8 (a legacy charset) is refused by name with 9105, not read with its bytes replaced; a U+FFFD sent as UTF-8 is text', async () => {
    const latin1 = Buffer.from(await signedPayment('Café crème'), 'latin1');
    expect(await sendInPieces(p.url, latin1, [], 'Content-Type: application/json; charset=iso-8859-1\r\n')).toEqual({
      code: 9105, msg: 'malformed JSON: the body is not UTF-8: every body is read as UTF-8, whatever charset it names', data: null,
    });
    expect(await sendInPieces(p.url, Buffer.from(await signedPayment('Café crème \uFFFD'), 'utf8'), [])).toEqual(NOT_ISSUED);
  });

  it('a leading byte order mark is dropped, as RFC 8259 allows: the signed body is read as sent', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(await signedPayment('Kopi'), 'utf8')]);
    expect(await sendInPieces(p.url, body, [])).toEqual(NOT_ISSUED);
  });

  it('a compressed body is refused with 415 (9103) before it is read; Content-Encoding: identity is the body as it is', async () => {
    const body = Buffer.from(await signedPayment('Kopi'), 'utf8');
    expect(await sendInPieces(p.url, body, [], 'Content-Type: application/json\r\nContent-Encoding: gzip\r\n')).toEqual({
      code: 9103, msg: 'unsupported media type: Content-Encoding is not supported: send the body uncompressed', data: null,
    });
    expect(await sendInPieces(p.url, body, [], 'Content-Type: application/json\r\nContent-Encoding: identity\r\n')).toEqual(NOT_ISSUED);
  });
});

describe('HTTP that is not an API call still gets the envelope', () => {
  it('an HTTP/1.1 request without Host answers 400 with code 9107, then the connection closes', async () => {
    for (const request of [
      'GET /api/micropay/micropay HTTP/1.1\r\n\r\n',
      'POST /api/micropay/queryBill HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    ]) {
      const res = await rawExchange(p.url, request);
      expect(res.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(res.head).toContain('Content-Type: application/json; charset=utf-8');
      expect(res.head).toMatch(/\r\nConnection: close(\r\n|$)/);
      expect(JSON.parse(res.body)).toEqual({ code: 9107, msg: 'bad HTTP request: an HTTP/1.1 request must have a Host header', data: null });
    }
  });

  it('two Host lines answer 400 (9107), whatever their case, then the connection closes', async () => {
    for (const second of ['Host: other.example', 'HOST: 127.0.0.1']) {
      const res = await rawExchange(p.url, `POST /api/micropay/queryBill HTTP/1.1\r\nHost: 127.0.0.1\r\n${second}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
      expect(res.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(res.head).toMatch(/\r\nConnection: close(\r\n|$)/);
      expect(JSON.parse(res.body)).toEqual({ code: 9107, msg: 'bad HTTP request: a request must have one Host header, not several', data: null });
    }
  });

  it('a request target in absolute form (through a proxy) reaches its endpoint, as RFC 9112 asks', async () => {
    const { port } = new URL(p.url);
    for (const target of [`http://127.0.0.1:${port}/api/micropay/queryBill`, `HTTP://pay.example.com/api/micropay/queryBill?x=1`]) {
      const res = await rawExchange(p.url, `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
      expect(res.head, target).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      // The endpoint's own field rules answered, not 404.
      expect(JSON.parse(res.body), target).toMatchObject({ code: 1021 });
    }
    const unknown = await rawExchange(p.url, `POST http://127.0.0.1:${port}/api/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    expect(JSON.parse(unknown.body)).toEqual({ code: 9101, msg: 'not found: no endpoint at /api/nothing', data: null });
  });

  it('HTTP/1.0 needs no Host: it is answered as usual', async () => {
    const res = await rawExchange(p.url, 'POST /api/micropay/queryBill HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    expect(res.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(res.body)).toMatchObject({ code: 1021 });
  });

  it('CONNECT answers 405 with the envelope and Allow: POST, then the connection closes', async () => {
    const res = await rawExchange(p.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const payload = '{"code":9102,"msg":"method not allowed","data":null}';
    // Every answer carries a request id: here a new one, since no request was read.
    const requestId = /\r\nX-Request-Id: ([0-9a-f-]{36})\r\n/.exec(res.head)?.[1];
    expect(requestId).toBeDefined();
    expect(`${res.head}\r\n\r\n${res.body}`).toBe(
      `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: ${requestId}\r\nAllow: POST\r\n`
        + `Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n${payload}`,
    );
  });

  it('the 415 answer says that application/json is expected', async () => {
    const res = await fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ code: 9103, msg: 'unsupported media type: Content-Type must be application/json', data: null });
  });
});
