import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { startTestPlatform, TEST_MASTER_KEY, TEST_RECEIVERS, type TestPlatform } from './helpers.js';

/**
 * Runs the built `micropay` CLI (packages/server/dist/cli/main.js) as real child processes.
 * Build it first: `npx tsc -b packages/server` (the root `npm test` does).
 */
export const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -b packages/server\` before these tests`);
}

/**
 * The test runner's environment without any setting the CLI reads, so only what a test passes
 * counts; and the tests' master key, unless the test passes its own (or '' for none).
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('MICROPAY_') || name === 'DATABASE_URL' || name === 'PORT' || name === 'HOST') continue;
    env[name] = value;
  }
  // No warm-up before listening (half a second per server): warm-up.test.ts turns it on.
  // Notifications may go to the tests' receivers on loopback.
  return { ...env, MICROPAY_MASTER_KEY: TEST_MASTER_KEY, MICROPAY_WARM_UP: 'off', MICROPAY_NOTIFY_PRIVATE_NETWORKS: TEST_RECEIVERS, ...extra };
}

export interface CliResult {
  /** The exit code; null when the process was killed (e.g. by the timeout). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from the first output on stderr (e.g. the error message) to the exit; null without any. */
  readonly exitAfterStderrMs: number | null;
}

const running = new Set<ChildProcess>();

/** Runs `micropay ...args` to completion; killed (and reported with code null) after `timeoutMs`. */
export function runCli(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 15_000,
      killSignal: 'SIGKILL',
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let firstStderrAt: number | null = null;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      firstStderrAt ??= performance.now();
      stderr += s;
    });
    child.on('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      const exitAfterStderrMs = firstStderrAt === null ? null : performance.now() - firstStderrAt;
      resolve({ code, signal, stdout, stderr, exitAfterStderrMs });
    });
  });
}

/** Runs a CLI command that must succeed with --json and returns its parsed output. */
export async function cliJson<T = Record<string, unknown>>(args: readonly string[], env?: Record<string, string>): Promise<T> {
  const r = await runCli([...args, '--json'], env === undefined ? {} : { env });
  if (r.code !== 0) throw new Error(`micropay ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** From the first stdout line, "MicroPay is listening on http://127.0.0.1:PORT ...". */
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches, or fails after `timeoutMs`. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `micropay serve ...args` (add `--port 0` to get a free port) and waits for its listening
 * line. The process is killed by stopAllChildren(), and in any case after `lifetimeMs`.
 */
export async function startServerProcess(
  args: readonly string[],
  options: { env?: Record<string, string>; lifetimeMs?: number; startTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.lifetimeMs ?? 25_000,
    killSignal: 'SIGKILL',
  });
  running.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      for (const l of listeners) l();
      resolve({ code, signal });
    });
  });
  const waitForStdout = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = out.match(pattern);
        if (match !== null) {
          done();
          resolve(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`the server exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out}\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the server did not print ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  const listening = await waitForStdout(/MicroPay is listening on (http:\/\/\S+)/, options.startTimeoutMs ?? 10_000);
  return { child, url: listening[1]!, stdout: () => out, stderr: () => err, waitForStdout, exited };
}

/** Kills (SIGKILL) every child these helpers started that is still running, and waits for them. */
export async function stopAllChildren(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  running.clear();
}

/**
 * A running server (in-process) per test, and the CLI on its store: `cli(args)` runs
 * `micropay ...args --db <the server's store>`, `cliJ` the same with --json, parsed.
 */
export function usePlatformWithCli() {
  const ctx = {} as {
    p: TestPlatform;
    cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
    cliJ<T = Record<string, unknown>>(args: readonly string[], env?: Record<string, string>): Promise<T>;
  };
  beforeEach(async () => {
    const p = await startTestPlatform();
    ctx.p = p;
    ctx.cli = (args, env) => runCli([...args, '--db', p.dbPath], env === undefined ? {} : { env });
    ctx.cliJ = (args, env) => cliJson([...args, '--db', p.dbPath], env);
  });
  afterEach(async () => {
    await stopAllChildren();
    await ctx.p?.stop();
    delete (ctx as Partial<typeof ctx>).p;
  });
  return ctx;
}

/** A port that was free a moment ago on 127.0.0.1: nothing listens there (until something is started on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
