import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, unknownSettings } from '../src/config.js';
import { startServerProcess, stopAllChildren } from './process-helpers.js';
import { MASTER_KEY_FORMAT } from '../src/secrets/master-key.js';

/** The configuration is read once and checked: a bad value stops the start and names the setting. */
describe('loadConfig: the store location', () => {
  it('takes postgres:// and postgresql:// URLs and SQLite paths', () => {
    expect(loadConfig({}, { DATABASE_URL: 'postgres://u@h/db' }).database).toBe('postgres://u@h/db');
    expect(loadConfig({ db: 'postgresql://u@h/db' }, {}).database).toBe('postgresql://u@h/db');
    expect(loadConfig({ db: './data/x.db' }, {}).database).toBe('./data/x.db');
    expect(loadConfig({}, {}).database).toBe('./data/micropay.db');
  });

  it('refuses any other URL scheme instead of taking it for a file name, naming where it came from', () => {
    expect(() => loadConfig({}, { DATABASE_URL: 'mysql://x/y' })).toThrow(new ConfigError('DATABASE_URL: must be a postgres:// or postgresql:// URL or a SQLite file path, not a mysql:// URL'));
    expect(() => loadConfig({ db: 'postgress://u@h/db' }, {})).toThrow(/^--db: .* not a postgress:\/\/ URL$/);
  });
});

describe('loadConfig: the listening address', () => {
  it('takes IP addresses and host names', () => {
    for (const host of ['127.0.0.1', '0.0.0.0', '::1', '::', 'localhost', 'pay.example.internal', 'node-1']) {
      expect(loadConfig({ host }, {}).host).toBe(host);
    }
  });

  it('refuses what can be neither, naming HOST or --host', () => {
    expect(() => loadConfig({}, { HOST: '999.1.1.1' })).toThrow(new ConfigError('HOST: must be an IP address or a host name, not "999.1.1.1"'));
    for (const host of ['bad host', 'http://x', '-x', 'x_y', '1.2.3']) {
      expect(() => loadConfig({ host }, {}), host).toThrow(/^--host: must be an IP address or a host name/);
    }
  });

  it('takes a public address without a path, and refuses anything else naming MICROPAY_PUBLIC_URL', () => {
    expect(loadConfig({}, {}).publicUrl).toBeNull();
    expect(loadConfig({}, { MICROPAY_PUBLIC_URL: 'https://pay.example.com/' }).publicUrl).toBe('https://pay.example.com');
    expect(loadConfig({}, { MICROPAY_PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl).toBe('http://10.0.0.5:8080');
    for (const value of ['pay.example.com', 'ftp://pay.example.com', 'https://pay.example.com/micropay', 'https://pay.example.com/?a=1', 'https://u@pay.example.com']) {
      expect(() => loadConfig({}, { MICROPAY_PUBLIC_URL: value }), value).toThrow(/^MICROPAY_PUBLIC_URL: must be an http:\/\/ or https:\/\/ address without a path/);
    }
  });

  it('refuses the admin listener on the API port, naming both settings; 0 picks a free port for each', () => {
    expect(() => loadConfig({ port: '4538', adminPort: '4538' }, {}))
      .toThrow(new ConfigError('--admin-port: must differ from --port (4538): health and metrics get a listener of their own'));
    expect(() => loadConfig({}, { PORT: '9000', MICROPAY_ADMIN_PORT: '9000' })).toThrow(/^MICROPAY_ADMIN_PORT: must differ from PORT \(9000\)/);
    expect(() => loadConfig({ adminPort: '8080' }, {})).toThrow(/^--admin-port: must differ from PORT \(8080\)/);
    expect(loadConfig({ port: '0', adminPort: '0' }, {})).toMatchObject({ port: 0, adminPort: 0 });
    expect(loadConfig({ port: '9000', adminPort: '9001' }, {})).toMatchObject({ port: 9000, adminPort: 9001 });
  });
});

describe('loadConfig: the master key from a file', () => {
  const key = 'u8Wl1y8k4oW3m2fJ9c0pQ7rS6tV5xY4zA3bC2dE1fG0=';

  it('reads MICROPAY_MASTER_KEY_FILE (a systemd credential), its line end dropped, as MICROPAY_MASTER_KEY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-key-'));
    try {
      const file = join(dir, 'master-key');
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
      const fromFile = loadConfig({}, { MICROPAY_MASTER_KEY_FILE: file });
      expect(fromFile.masterKey?.id).toBe(loadConfig({}, { MICROPAY_MASTER_KEY: key }).masterKey?.id);
      // Both at once, or a file that is not there, is refused by name, never repeating the key.
      expect(() => loadConfig({}, { MICROPAY_MASTER_KEY: key, MICROPAY_MASTER_KEY_FILE: file }))
        .toThrow(new ConfigError('MICROPAY_MASTER_KEY and MICROPAY_MASTER_KEY_FILE: are both set; set one of them'));
      expect(() => loadConfig({}, { MICROPAY_OLD_MASTER_KEY_FILE: join(dir, 'none'), MICROPAY_MASTER_KEY: key }))
        .toThrow(new ConfigError(`MICROPAY_OLD_MASTER_KEY_FILE: cannot read ${join(dir, 'none')} (ENOENT)`));
      writeFileSync(join(dir, 'empty'), '');
      // A key found wrong is blamed on the file it was read from, and still never repeated.
      expect(() => loadConfig({}, { MICROPAY_MASTER_KEY_FILE: join(dir, 'empty') }))
        .toThrow(new ConfigError(`MICROPAY_MASTER_KEY_FILE (${join(dir, 'empty')}): must be ${MASTER_KEY_FORMAT}`));
      writeFileSync(join(dir, 'short'), key.slice(0, 40));
      expect(() => loadConfig({}, { MICROPAY_MASTER_KEY: key, MICROPAY_NEXT_MASTER_KEY_FILE: join(dir, 'short') }))
        .toThrow(new ConfigError(`MICROPAY_NEXT_MASTER_KEY_FILE (${join(dir, 'short')}): must be ${MASTER_KEY_FORMAT}`));
      expect(() => loadConfig({}, { MICROPAY_MASTER_KEY: key.slice(0, 40) })).toThrow(new ConfigError(`MICROPAY_MASTER_KEY: must be ${MASTER_KEY_FORMAT}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('unknownSettings: a MICROPAY_ name no setting reads is said at serve', () => {
  it('names a typo and a name spelled otherwise here, and none of the settings configuration.md lists', () => {
    const documented = [...new Set(readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8').split('\n').filter((line) => line.startsWith('| ')).join('\n').match(/\bMICROPAY_[A-Z0-9_]*[A-Z0-9]\b(?!_)/g))];
    expect(documented.length).toBeGreaterThan(25);
    const env: Record<string, string> = Object.fromEntries(documented.map((name) => [name, '']));
    expect(unknownSettings(env)).toEqual([]);
    expect(unknownSettings({ ...env, MICROPAY_PORT: '8081', MICROPAY_CONFRIM_LIMIT: '10.00', MICROPAY_REFUND_STALE: '3', MICROPAY_COLOUR: 'x', MICROPAY_KEY: 'k', MICROPAY_TEST_PG_URL: 'x' })).toEqual([
      { name: 'MICROPAY_PORT', hint: 'not a setting: it is PORT' },
      { name: 'MICROPAY_CONFRIM_LIMIT', hint: 'not a setting: did you mean MICROPAY_CONFIRM_LIMIT?' },
      { name: 'MICROPAY_REFUND_STALE', hint: 'not a setting: did you mean MICROPAY_REFUND_STALE_S?' },
      { name: 'MICROPAY_COLOUR', hint: 'not a setting (docs/configuration.md)' },
    ]);
  });

  it('serve warns of each at start, and starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-settings-'));
    try {
      const server = await startServerProcess(['--port', '0', '--db', join(dir, 'm.db')], { env: { MICROPAY_PORT: '18555' } });
      expect(server.url).not.toContain(':18555');
      await expect.poll(() => server.stdout() + server.stderr()).toContain('"msg":"MICROPAY_PORT is ignored: not a setting: it is PORT"');
    } finally {
      await stopAllChildren();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
