import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { createMerchant, postSigned, startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * CORS for the wallet API, over real HTTP: a browser wallet app on an allowed origin may call
 * /api/wallet/*; no other origin gets a CORS header, and the merchant API never does.
 */
const APP = 'https://wallet.example.com';
const DEV = 'http://localhost:5173';
const ALLOWED = { MICROPAY_WALLET_CORS_ORIGINS: `${APP}, ${DEV}` };

let platform: TestPlatform | null = null;
afterEach(async () => {
  await platform?.stop();
  platform = null;
});

async function start(env: Record<string, string> = {}): Promise<TestPlatform> {
  platform = await startTestPlatform(env);
  return platform;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request with exactly these headers (fetch would not let a test set Origin freely). */
function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  const url = new URL(platform!.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const preflight = (path: string, origin: string) =>
  send('OPTIONS', path, { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' });

function corsHeaders(a: Answer): Record<string, unknown> {
  return Object.fromEntries(Object.entries(a.headers).filter(([name]) => name.startsWith('access-control-')));
}

async function walletToken(): Promise<string> {
  const token = newWalletToken();
  await platform!.store.createWallet({ name: 'Alice', openingSen: 12_30, tokenHash: hashWalletToken(token) });
  return token;
}

describe('with MICROPAY_WALLET_CORS_ORIGINS set', () => {
  it('a preflight from an allowed origin is answered 204 with the Access-Control-* headers', async () => {
    await start(ALLOWED);
    for (const origin of [APP, DEV]) {
      const a = await preflight('/api/wallet/balance', origin);
      expect(a.status).toBe(204);
      expect(a.body).toBe('');
      expect(corsHeaders(a)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Authorization, Content-Type',
        'access-control-max-age': '600',
      });
      expect(a.headers.vary).toBe('Origin');
      expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers to an allowed origin carry Access-Control-Allow-Origin, errors included', async () => {
    await start(ALLOWED);
    const token = await walletToken();
    const ok = await send('POST', '/api/wallet/balance', { Origin: APP, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, '{}');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ code: 0, data: { balance: '12.30' } });
    expect(corsHeaders(ok)).toEqual({ 'access-control-allow-origin': APP });
    expect(ok.headers.vary).toBe('Origin');
    const refused = await send('POST', '/api/wallet/balance', { Origin: APP, Authorization: 'Bearer wt_nope', 'Content-Type': 'application/json' }, '{}');
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 9106 });
    expect(corsHeaders(refused)).toEqual({ 'access-control-allow-origin': APP });
  });

  it('another origin gets no CORS header: its preflight is the usual 405', async () => {
    await start(ALLOWED);
    for (const origin of ['https://evil.example.com', 'https://wallet.example.com:8443', 'null']) {
      const a = await preflight('/api/wallet/confirm', origin);
      expect(a.status).toBe(405);
      expect(JSON.parse(a.body)).toEqual({ code: 9102, msg: 'method not allowed', data: null });
      expect(corsHeaders(a)).toEqual({});
    }
    const token = await walletToken();
    const a = await send('POST', '/api/wallet/balance', { Origin: 'https://evil.example.com', Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, '{}');
    expect(a.status).toBe(200);
    expect(corsHeaders(a)).toEqual({});
  });

  it('the merchant API never answers CORS, even to an allowed origin', async () => {
    const p = await start(ALLOWED);
    const m = await createMerchant(p);
    const a = await preflight('/api/micropay/micropay', APP);
    expect(a.status).toBe(405);
    expect(corsHeaders(a)).toEqual({});
    expect(a.headers.vary).toBeUndefined();
    const body = JSON.stringify({ mchId: m.mchId, mchOrderId: 'x-1', timestamp: String(Date.now()), secureHash: 'A'.repeat(64) });
    const q = await send('POST', '/api/micropay/queryBill', { Origin: APP, 'Content-Type': 'application/json' }, body);
    expect(JSON.parse(q.body)).toMatchObject({ code: 1035 });
    expect(corsHeaders(q)).toEqual({});
    expect(q.headers.vary).toBeUndefined();
    // And a signed call from that origin works as before, without CORS headers.
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'x-1' }, m.key)).body.code).toBe(1031);
  });
});

describe('off by default', () => {
  it('without the setting no answer carries a CORS header, and a preflight is 405', async () => {
    const p = await start();
    expect(p.config.walletCorsOrigins).toEqual([]);
    const a = await preflight('/api/wallet/balance', APP);
    expect(a.status).toBe(405);
    expect(corsHeaders(a)).toEqual({});
    const token = await walletToken();
    const ok = await send('POST', '/api/wallet/balance', { Origin: APP, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, '{}');
    expect(ok.status).toBe(200);
    expect(corsHeaders(ok)).toEqual({});
    expect(ok.headers.vary).toBeUndefined();
  });

  it('a malformed origin stops the start, naming the setting', () => {
    for (const bad of ['*', 'wallet.example.com', 'https://wallet.example.com/', 'https://wallet.example.com/app', 'ftp://wallet.example.com', `${APP},`]) {
      expect(() => loadConfig({}, { MICROPAY_WALLET_CORS_ORIGINS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({}, { MICROPAY_WALLET_CORS_ORIGINS: bad })).toThrow(/^MICROPAY_WALLET_CORS_ORIGINS: must be 1 to 50 comma-separated origins/);
    }
    expect(loadConfig({}, { MICROPAY_WALLET_CORS_ORIGINS: `${APP},${DEV}` }).walletCorsOrigins).toEqual([APP, DEV]);
  });
});
