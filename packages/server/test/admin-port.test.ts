import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { emptyTestDatabase, startTestPlatform, type TestPlatform } from './helpers.js';
import { startServerProcess, stopAllChildren } from './process-helpers.js';

/**
 * `--admin-port N` / MICROPAY_ADMIN_PORT: health and metrics on a second listener of the same
 * process, so the public port answers the API only (docs/operations.md, "Health and metrics").
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await stopAllChildren();
  await p?.stop();
  p = null;
});

const OPS_PATHS = ['/health/live', '/health/ready', '/metrics'];

describe('the admin port', () => {
  it('without it, the public port serves health and metrics', async () => {
    p = await startTestPlatform();
    expect(p.adminUrl).toBeNull();
    for (const path of OPS_PATHS) expect((await fetch(p.url + path)).status, path).toBe(200);
  });

  it('with it, health and metrics answer there only; the public port answers them as unknown paths', async () => {
    p = await startTestPlatform({ MICROPAY_ADMIN_PORT: '0' });
    expect(p.adminUrl).not.toBeNull();
    expect(p.adminUrl).not.toBe(p.url);
    for (const path of OPS_PATHS) {
      expect((await fetch(p.adminUrl + path)).status, path).toBe(200);
      const hidden = await fetch(p.url + path);
      expect(hidden.status, path).toBe(404);
      expect(await hidden.json()).toEqual({ code: 9101, msg: `not found: no endpoint at ${path}`, data: null });
    }
    // The admin port serves nothing else: not the API, not the pages.
    const api = await fetch(`${p.adminUrl}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(404);
    expect((await fetch(`${p.adminUrl}/wallet`)).status).toBe(404);
    // The API's requests are still counted, and shown on the admin port.
    await fetch(`${p.url}/api/micropay/queryBill`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(await (await fetch(`${p.adminUrl}/metrics`)).text()).toContain('micropay_http_requests_total{endpoint="/api/micropay/queryBill",code="1021"} 1');
  });

  it('is a port number, from --admin-port or MICROPAY_ADMIN_PORT', () => {
    expect(loadConfig({}, {}).adminPort).toBeNull();
    expect(loadConfig({}, { MICROPAY_ADMIN_PORT: '9090' }).adminPort).toBe(9090);
    expect(loadConfig({ adminPort: '9091' }, { MICROPAY_ADMIN_PORT: '9090' }).adminPort).toBe(9091);
    expect(() => loadConfig({}, { MICROPAY_ADMIN_PORT: 'x' })).toThrow(new ConfigError('MICROPAY_ADMIN_PORT: must be a whole number from 0 to 65535, not "x"'));
    expect(() => loadConfig({ adminPort: '70000' }, {})).toThrow(/^--admin-port: must be a whole number from 0 to 65535/);
    expect(loadConfig({}, { MICROPAY_METRICS: 'off' }).metrics).toBe(false);
    expect(() => loadConfig({}, { MICROPAY_METRICS: 'no' })).toThrow(new ConfigError('MICROPAY_METRICS: must be on or off, not "no"'));
  });

  it('micropay serve --admin-port prints where health and metrics are, and logs JSON lines to stderr', async () => {
    const empty = await emptyTestDatabase();
    try {
      const server = await startServerProcess(['--port', '0', '--admin-port', '0', '--db', empty.dbPath]);
      const [, adminUrl] = await server.waitForStdout(/Health and metrics on (http:\/\/\S+)/);
      expect((await fetch(`${adminUrl!}/health/ready`)).status).toBe(200);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(404);
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      const lines = server.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // An empty database: the start made its schema, and said so first.
      expect(lines.map((l) => l.msg)).toEqual(['schema created', 'listening', 'shutting down: draining requests in flight', 'stopped']);
      expect(lines[0]).toMatchObject({ level: 'warn', from: 0 });
      expect(lines[1]).toMatchObject({ level: 'info', url: server.url, adminUrl });
    } finally {
      await empty.drop();
    }
  });
});
