import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { cliJson, runCli, startServerProcess, stopAllChildren, type CliResult, type ServerProcess } from '../../server/test/process-helpers.js';

/**
 * A real `micropay serve` per test, as an operator starts it (a child process, production mode),
 * on a fresh SQLite store in a temp directory, and the CLI on that store. The pages are served by
 * that process on its one port, like the API.
 */
export function useServedPlatform(env: Record<string, string> = {}, lifetimeMs = 120_000) {
  const ctx = {} as {
    server: ServerProcess;
    dbPath: string;
    cli(args: readonly string[]): Promise<CliResult>;
    cliJ<T = Record<string, unknown>>(args: readonly string[]): Promise<T>;
    /** A merchant's real signed payment with `micropay pay`: what the code is worth at a till. */
    pay(code: string, order: string): Promise<CliResult>;
    /** A one-time sign-in link to the wallet page, as `micropay wallet link` prints it. */
    walletLink(walletId: string): Promise<string>;
    /** A merchant with a cashier account, as the operator makes them. */
    cashier(name?: string): Promise<TestCashier>;
  };
  let dir = '';
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'micropay-pages-'));
    const dbPath = join(dir, 'micropay.db');
    ctx.dbPath = dbPath;
    ctx.server = await startServerProcess(['--port', '0', '--db', dbPath], { lifetimeMs, env });
    ctx.cli = (args) => runCli([...args, '--db', dbPath]);
    ctx.cliJ = (args) => cliJson([...args, '--db', dbPath]);
    ctx.pay = async (code, order) => {
      const merchant = await ctx.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Test Till']);
      const flags = ['--url', ctx.server.url, '--mch-id', merchant.mchId, '--order', order, '--amount', '1.00', '--code', code];
      return runCli(['pay', ...flags], { env: { MICROPAY_KEY: merchant.apiKey } });
    };
    ctx.walletLink = async (walletId) => (await ctx.cliJ<{ link: string }>(['wallet', 'link', walletId, '--url', ctx.server.url])).link;
    ctx.cashier = async (name = 'lane-1') => {
      const merchant = await ctx.cliJ<{ mchId: string; apiKey: string; name: string }>(['merchant', 'create', '--name', 'Corner Shop']);
      const account = await ctx.cliJ<{ password: string }>(['cashier', 'create', '--mch-id', merchant.mchId, '--name', name]);
      return { mchId: merchant.mchId, apiKey: merchant.apiKey, merchantName: merchant.name, name, password: account.password };
    };
  });
  afterEach(async () => {
    await stopAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}

/** What `useServedPlatform` gives a test. */
export type ServedPlatform = ReturnType<typeof useServedPlatform>;

export interface TestCashier {
  readonly mchId: string;
  readonly apiKey: string;
  readonly merchantName: string;
  readonly name: string;
  readonly password: string;
}

/** A wallet made as an operator makes one, with the token its app (here: the page) opens it with. */
export async function createWallet(
  cliJ: <T>(args: readonly string[]) => Promise<T>,
  balance = '50.00',
  extra: readonly string[] = [],
): Promise<{ walletId: string; token: string }> {
  return cliJ<{ walletId: string; token: string }>(['wallet', 'create', '--name', 'Alice', '--balance', balance, ...extra]);
}

/** The hour `atMs` in the platform's zone (the server's default, Asia/Kuala_Lumpur), as the pages show hours. */
export function platformHour(atMs = Date.now()): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kuala_Lumpur', hour: '2-digit', hourCycle: 'h23' }).format(atMs);
}

/** A time as the pages write it for people: `6 Dec 2026, 10:12:32`. */
export const PEOPLE_TIME = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/;
