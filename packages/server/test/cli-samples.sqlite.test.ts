import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDoc } from './doc-blocks.js';
import { samples, SampleValues, type Sample } from './doc-transcripts.js';
import { CLI, cleanEnv, freePort, startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * docs/cli.md's samples (`$ micropay …` and what it prints), run in the doc's order as one
 * session, as the doc says they are: from `serve --sandbox` on an empty SQLite store, each command
 * a real `micropay` process on that store, the API commands against that server. What a command
 * prints (stdout and stderr together, as a terminal shows them) must be the doc's lines, and its
 * exit code the doc's `# exit N` (else 0). Ids, keys, passwords, codes and times are matched by
 * shape and carried from sample to sample: doc-transcripts.ts says how.
 *
 * In a command line, `…` alone stands for the connection flags (--url, --mch-id, --key) of the
 * API sample before; `WORD…` for the one value the samples showed that starts with WORD (a key
 * cut short); `COMMAND …same again…` for the sample before, run again.
 *
 * A sample that cannot run here is in LEFT_OUT with the reason, so leaving one out is a decision
 * in this file; an entry that names no sample of the doc fails. SQLite only: the serve banner, the
 * migrate sample and the audit's last check are the SQLite store's (docs-examples.test.ts checks
 * the audit sample on PostgreSQL). About 20 s: one store, one server, one process per sample.
 */

const LEFT_OUT: Record<string, string> = {
  'micropay paycode --offline olive-phone.json': 'needs a device file, and no sample enrols a device',
  'micropay wallet devices list 601234567890': 'its wallet and devices are made by no sample (enrolling writes a device file)',
  'micropay wallet devices renew 601234567890 32934852 --file olive-phone.json': 'its wallet and device are made by no sample',
  'micropay wallet list --limit 2': 'wallets are listed in the order of their ids, which are random: which two come first differs from run to run',
  'micropay wallet list --after 605862554373 --limit 2': 'the page after the one above, whose wallets differ from run to run',
  'micropay notifications list': "what the worker has attempted by then depends on the run's timing, and its error on this machine's DNS (canteen.example)",
  'micropay notifications retry f17a424c-d27e-4dec-9087-63b4a6c5d2ec': 'names a notification of the list above, and says how many attempts were made (timing)',
  'micropay notifications attempts c5e9a517-38c2-4150-962b-a14a7896561c': 'the attempts made depend on timing and DNS, as above',
  'micropay notifications health': 'the pending, the wait and the attempts depend on timing, as above',
  'micropay report platform --date 2024-03-10': "platform-day.test.ts runs it on a day of its own, with a reversal, a failed payout and a closed wallet's payout; this session's day is today, not over",
  'micropay report balances': "admin-ops.test.ts runs it after a payment awaiting confirmation and a payout in flight, which fill every line; this session has neither",
  'MICROPAY_OLD_MASTER_KEY="$OLD" MICROPAY_MASTER_KEY="$NEW" micropay rotate-master-key':
    "takes the shell's $OLD and $NEW keys, and would re-key the store under the running server",
  'micropay backup --to /srv/backups/micropay-2026-11-27.db': 'writes under /srv',
};

const API_COMMANDS = new Set(['pay', 'query', 'close', 'refund', 'refund-query']);
const CONNECTION = new Set(['--url', '--mch-id', '--key']);

const all = samples(readDoc('cli.md'));
const values = new SampleValues();
let dir: string;
let env: Record<string, string>;
/** The real words of the sample before, and of the last API sample (for `…`). */
let before: string[] = [];
let beforeApi: string[] = [];


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'micropay-cli-samples-'));
  // A port nothing listens on: the API commands' default URL, so "no answer" is certain.
  env = { DATABASE_URL: join(dir, 'micropay.db'), PORT: String(await freePort()) };
});
afterAll(async () => {
  await stopAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** A shell-like split of a documented command line: quotes group words. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The sample's command as this run runs it (see the header for `…`). */
function commandWords(command: string): string[] {
  const rest = /^micropay (.*)$/.exec(command)?.[1];
  if (rest === undefined) throw new Error(`only \`micropay\` commands run: leave "${command}" out in LEFT_OUT, with the reason`);
  const again = /^(\S+) …same again…$/.exec(rest);
  if (again !== null) {
    expect(before[0], `"${command}" repeats the sample before`).toBe(again[1]);
    return before;
  }
  return words(rest).flatMap((word) => {
    if (word === '…') return connectionFlags();
    if (word.endsWith('…')) {
      const meant = values.startingWith(word.slice(0, -1));
      if (meant.length !== 1) throw new Error(`"${word}" should abbreviate one value the samples showed; it starts ${meant.length}`);
      return [values.command(meant[0]!)];
    }
    return [values.command(word)];
  });
}

/** --url, --mch-id and --key as the last API sample gave them. */
function connectionFlags(): string[] {
  const flags: string[] = [];
  for (let i = 0; i < beforeApi.length; i++) if (CONNECTION.has(beforeApi[i]!)) flags.push(beforeApi[i]!, beforeApi[++i]!);
  if (flags.length === 0) throw new Error('"…" stands for the connection flags of the API sample before, and there is none');
  return flags;
}

/** Runs `micropay ...args` in the run's directory; stdout and stderr into one file, in the order written. */
async function run(args: readonly string[]): Promise<{ code: number | null; printed: string }> {
  const file = join(dir, 'printed.txt');
  const fd = openSync(file, 'w');
  try {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd: dir, stdio: ['ignore', fd, fd], timeout: 15_000, killSignal: 'SIGKILL' });
    const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
    return { code, printed: readFileSync(file, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * `serve`: the session's server, for all the samples after it, on a free port (the URL it prints
 * is matched like any value). Its log lines go to stderr and are not compared: what it prints
 * on stdout up to its "listening" log line is.
 */
async function serve(args: readonly string[]): Promise<{ code: number; printed: string }> {
  const flags = args.slice(1);
  const port = flags.indexOf('--port');
  if (port !== -1) flags[port + 1] = '0';
  const server: ServerProcess = await startServerProcess(flags, { env, lifetimeMs: 10 * 60_000 });
  const deadline = Date.now() + 10_000;
  while (!server.stderr().includes('"msg":"listening"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return { code: 0, printed: server.stdout() };
}

async function runSample(sample: Sample): Promise<void> {
  const args = commandWords(sample.command);
  const isServe = args[0] === 'serve';
  const { code, printed } = isServe ? await serve(args) : await run(args);
  before = args;
  if (API_COMMANDS.has(args[0]!)) beforeApi = args;
  const doc = isServe ? sample.output.filter((line) => !line.startsWith('{"level":')) : sample.output;
  const lines = printed === '' ? [] : printed.replace(/\n$/, '').split('\n');
  const expected = doc.map((line, i) => values.match(line, lines[i] ?? '').expected);
  expect({ exit: code, printed: lines }, `docs/cli.md line ${sample.line}`).toEqual({ exit: sample.exit, printed: expected });
}

describe('docs/cli.md: every sample, run in order as one session', () => {
  it('leaves out only samples the doc has', () => {
    const commands = new Set(all.map((s) => s.command));
    expect(Object.keys(LEFT_OUT).filter((c) => !commands.has(c))).toEqual([]);
    expect(all.length).toBeGreaterThan(80);
  });

  // The samples left out are not tests at all: LEFT_OUT says why of each, and the test above
  // holds it to samples the doc has.
  for (const sample of all.filter((s) => LEFT_OUT[s.command] === undefined)) {
    it(`line ${sample.line}: $ ${sample.command}`, () => runSample(sample));
  }
});
