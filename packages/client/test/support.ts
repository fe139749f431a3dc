import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { MicroPayClient, type MicroPayClientOptions } from '@micropay/client';
import { hashWalletToken, newWalletToken } from '../../server/src/domain/credentials.js';
import {
  createMerchant,
  startTestPlatform,
  TEST_MASTER_KEY,
  type TestMerchant,
  type TestPlatform,
} from '../../server/test/helpers.js';

/**
 * The client's tests run against the real platform (real HTTP on 127.0.0.1, a real SQLite file),
 * started in-process with the server's own test helpers.
 */
export { createMerchant, startTestPlatform, type TestMerchant, type TestPlatform };

/** Faster platform jobs, so deadlines and sweeps happen within a test's time (and the tests' master key). */
export const FAST_ENV = { MICROPAY_SWEEP_INTERVAL_MS: '50', MICROPAY_NOTIFY_INTERVAL_MS: '50', MICROPAY_MASTER_KEY: TEST_MASTER_KEY };

/** Flow timings for tests: the same flow, in tenths of a second instead of seconds. */
export const QUICK = { firstQueryDelayMs: 100, queryIntervalMs: 100 } as const;

export function clientFor(url: string, m: TestMerchant, extra: Partial<MicroPayClientOptions> = {}): MicroPayClient {
  return new MicroPayClient({ baseUrl: url, mchId: m.mchId, apiKey: m.key, timeoutMs: 5_000, ...extra });
}

export interface AppWallet {
  readonly walletId: string;
  readonly token: string;
}

/** A wallet as the wallet app holds it: a bearer token (no PIN, so the token alone confirms). */
export async function appWallet(p: TestPlatform, balanceSen: number): Promise<AppWallet> {
  const token = newWalletToken();
  const w = await p.store.createWallet({ name: 'Alice', openingSen: balanceSen, tokenHash: hashWalletToken(token) });
  return { walletId: w.walletId, token };
}

/** POST to the wallet API as the wallet app does. */
export async function walletApi(p: TestPlatform, w: AppWallet, action: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${p.url}/api/wallet/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${w.token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return (await res.json()) as { code: number; msg: string; data: Record<string, unknown> | null };
}

/** A fresh one-time payment code from the wallet API. */
export async function payCode(p: TestPlatform, w: AppWallet): Promise<string> {
  const res = await walletApi(p, w, 'paycode');
  if (res.code !== 0) throw new Error(`paycode answered ${res.code}`);
  return (res.data as { payCode: string }).payCode;
}

/** Polls until `check` holds; bounded. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for a server that starts late). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TamperingProxy {
  readonly url: string;
  /** Answers the proxy has altered so far. */
  readonly altered: number;
  close(): Promise<void>;
}

/**
 * A local HTTP proxy in front of the platform that may rewrite each answer in transit:
 * `alter(path, envelope)` returns the envelope to deliver instead, or undefined to pass it on.
 * `beforeForward(path)`, if given, runs before each request is passed on, so a test can change
 * the platform's state at an exact point of the flow (e.g. confirm an order just before the close).
 */
export async function tamperingProxy(
  target: string,
  alter: (path: string, envelope: Record<string, unknown>) => Record<string, unknown> | undefined,
  beforeForward?: (path: string) => Promise<void>,
): Promise<TamperingProxy> {
  const upstream = new URL(target);
  let altered = 0;
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (beforeForward !== undefined) {
        try {
          await beforeForward(req.url ?? '');
        } catch {
          // A failed hook must not look like a platform answer: drop the connection, and let
          // the test's own assertions say what went wrong.
          res.destroy();
          return;
        }
      }
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          timeout: 10_000,
        },
        (answer: IncomingMessage) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let text = Buffer.concat(parts).toString('utf8');
            const changed = alter(req.url ?? '', JSON.parse(text) as Record<string, unknown>);
            if (changed !== undefined) {
              altered += 1;
              text = JSON.stringify(changed);
            }
            res.writeHead(answer.statusCode ?? 502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get altered() {
      return altered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
