import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatZonedTime, sign, zonedWireTime, type SignableParams } from '@micropay/protocol';
import { COMMANDS } from '../src/cli/commands.js';
import { CommandLineError, parseCommandLine, usage } from '../src/cli/command-line.js';
import { newCodeHint } from '../src/cli/platform-commands.js';
import { redactUrl } from '../src/platform.js';
import { docBlock, readDoc } from './doc-blocks.js';
import { createWalletWithCode, emptyTestDatabase, micropayParams, postRaw, postSigned } from './helpers.js';
import { CLI, cleanEnv, runCli, startServerProcess, stopAllChildren, usePlatformWithCli } from './process-helpers.js';

/**
 * The `micropay` command's table (each command takes exactly its own options and has its own
 * help), its one-line usage errors, its connection errors, and the commands of issue 11: importing
 * and rolling merchant keys, listing and showing, `sign`, and times shown with their zone. Real
 * child processes of the built CLI on this run's store, next to an in-process server.
 */

const ALL = COMMANDS.flatMap((g) => g.commands);
const SPEC_KEY = 'P8yAFr213xcvb41xfgkjELoOhWl';

/** Runs `micropay ...args` with `input` on stdin. */
function runWithStdin(args: readonly string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(input);
  });
}

/** Runs a shell command line from the docs, with `micropay` meaning the built CLI. */
function runShell(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const command = line.replace(/^micropay /, `"${process.execPath}" "${CLI}" `);
    const child = spawn('sh', ['-c', command], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the promises' makers a few at a time: the machine is shared. */
async function inBatches<T>(makers: (() => Promise<T>)[], size = 4): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < makers.length; i += size) results.push(...(await Promise.all(makers.slice(i, i + size).map((m) => m()))));
  return results;
}

/** A shell-like split of a documented command line: quotes group words, `# ...` ends it. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(#.*$)|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m[3] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[4]!);
  }
  return out;
}

describe('the command table', () => {
  it('the top-level usage lists every command, and each command has its own help naming each of its options', () => {
    const text = usage(COMMANDS);
    for (const command of ALL) {
      expect(text).toContain(`\n  ${command.name}`);
      const help = parseCommandLine([...command.name.split(' '), '--help'], COMMANDS);
      expect(help.kind).toBe('help');
      const helpText = (help as { text: string }).text;
      expect(helpText.startsWith(`Usage: micropay ${command.name}`)).toBe(true);
      for (const name of Object.keys(command.options)) expect(helpText).toContain(`--${name}`);
    }
  });

  it('every micropay command line in docs/cli.md and README.md is one the CLI accepts (or refuses, where marked "# exit 2")', () => {
    let checked = 0;
    for (const doc of [readDoc('cli.md'), readDoc('../README.md')]) {
      for (const line of doc.split('\n')) {
        // A command line, not an output line such as "micropay wallet show: ...".
        const m = /^\s*(?:\$ )?(?:npx )?micropay ((?:[a-z-]+ )?[a-z-]+(?:\s.*)?)$/.exec(line);
        // "…" stands for text left out of an example; such lines are not whole commands.
        if (m === null || /^(?:[a-z-]+ )?[a-z-]+:/.test(m[1]!) || line.includes('…') || line.includes('...')) continue;
        const refused = line.includes('# exit 2');
        let problem: string | null = null;
        try {
          parseCommandLine(words(m[1]!), COMMANDS);
        } catch (error) {
          if (!(error instanceof CommandLineError)) throw error;
          problem = error.message;
        }
        if (refused) expect(problem, `docs: \`micropay ${m[1]}\` should be refused`).not.toBeNull();
        else expect(problem, `docs: \`micropay ${m[1]}\``).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

describe('each command takes exactly its own options', () => {
  let empty: Awaited<ReturnType<typeof emptyTestDatabase>>;
  let db: string;
  let missing: string;
  beforeAll(async () => {
    empty = await emptyTestDatabase();
    db = empty.dbPath;
    expect((await runCli(['migrate', '--db', db])).code).toBe(0);
    missing = join(tmpdir(), `micropay-missing-${process.pid}.db`);
  });
  afterAll(async () => {
    await stopAllChildren();
    await empty.drop();
  });

  it('every command refuses an option that is not its own, by name, exit 2, before doing anything', async () => {
    const results = await inBatches(ALL.map((c) => () => runCli([...c.name.split(' '), '--frobnicate', 'x', '--db', missing])));
    results.forEach((r, i) => {
      const name = ALL[i]!.name;
      expect(r.code, name).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`micropay ${name}: unknown option --frobnicate (see micropay ${name} --help)\n`);
    });
    // Not even the commands that create a store created one.
    expect(existsSync(missing)).toBe(false);
  }, 90_000); // one process per command (over fifty), four at a time

  it('options of other commands are refused: merchant create --pin, wallet show --amount, pay --db, query --amount', async () => {
    const cases: [string[], string][] = [
      [['merchant', 'create', '--name', 'X', '--pin', '1234', '--db', missing], 'micropay merchant create: unknown option --pin (see micropay merchant create --help)\n'],
      [['wallet', 'show', '601234567890', '--amount', '5', '--db', missing], 'micropay wallet show: unknown option --amount (see micropay wallet show --help)\n'],
      [['pay', '--mch-id', '202006001', '--key', SPEC_KEY, '--order', 'o', '--amount', '1.00', '--code', '391234567890123456', '--db', missing], 'micropay pay: unknown option --db (see micropay pay --help)\n'],
      [['query', '--mch-id', '202006001', '--key', SPEC_KEY, '--order', 'o', '--amount', '1.00'], 'micropay query: unknown option --amount (see micropay query --help)\n'],
      [['merchant', 'list', '--name', 'X', '--db', missing], 'micropay merchant list: unknown option --name (see micropay merchant list --help)\n'],
    ];
    const results = await inBatches(cases.map(([args]) => () => runCli(args)));
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(cases[i]![1]);
    });
    // Nothing was created: the refusal came before the store was opened.
    expect(existsSync(missing)).toBe(false);
  });

  it('per-command help: `micropay X --help`, `micropay help X` and `-h` print the same help, exit 0', async () => {
    const [flag, word, short, group, subgroup] = await Promise.all([
      runCli(['merchant', 'create', '--help']),
      runCli(['help', 'merchant', 'create']),
      runCli(['merchant', 'create', '-h', '--pin', '1']),
      runCli(['wallet', '--help']),
      runCli(['wallet', 'devices', '--help']),
    ]);
    for (const r of [flag, word, short, group, subgroup]) expect(r.code).toBe(0);
    // A group of three-word commands has its own help too.
    expect(subgroup.stdout).toMatch(/^Usage: micropay wallet devices <command> \[options\]\n/);
    expect(subgroup.stdout).toContain('  wallet devices renew WALLETID DEVICEID');
    expect(word.stdout).toBe(flag.stdout);
    expect(short.stdout).toBe(flag.stdout);
    expect(flag.stdout).toMatch(/^Usage: micropay merchant create --name NAME \[--notify-url URL\] \[--mch-id MCHID\] \[--key KEY\]\n\n/);
    expect(flag.stdout).toContain('\nGlobal options:\n  --db PATH_OR_URL');
    expect(group.stdout).toMatch(/^Usage: micropay wallet <command> \[options\]\n/);
    expect(group.stdout).toContain('  wallet list');
    expect(group.stdout).not.toContain('merchant create');
  });

  const mistakes: { args: string[]; says: string }[] = [
    { args: ['merchant', 'create', '--name'], says: 'micropay merchant create: --name needs a value (NAME)' },
    { args: ['merchant', 'create', '--name', '--notify-url', 'http://x.example'], says: 'micropay merchant create: --name needs a value (NAME)' },
    { args: ['merchant', 'create', '--name', 'A', '--name', 'B'], says: 'micropay merchant create: --name is given twice' },
    { args: ['merchant', 'create', '--name', ''], says: 'micropay merchant create: --name must not be empty' },
    { args: ['audit', '--json=yes'], says: 'micropay audit: --json takes no value' },
    { args: ['audit', '-x'], says: 'micropay audit: unknown option -x' },
    { args: ['audit', 'now'], says: 'micropay audit: unexpected argument "now"' },
    { args: ['wallet', 'topup', '601234567890', '-5'], says: 'micropay wallet topup: unknown option -5 (no argument is a negative number)' },
    { args: ['merchant'], says: 'micropay merchant: a subcommand is needed: create, update, show, list, disable, enable, roll-key, payout-account' },
    { args: ['wallet', 'devices'], says: 'micropay wallet devices: a subcommand is needed: enrol, list, renew, revoke' },
    { args: ['wallet', 'devices', 'forget'], says: 'micropay wallet devices: unknown command: wallet devices forget' },
    { args: ['wallet', 'list', '--limit', '0'], says: 'micropay wallet list: --limit must be a whole number from 1 to 1000' },
    { args: ['merchant', 'roll-key', '202006001', '--overlap-hours', '1.5'], says: 'micropay merchant roll-key: --overlap-hours must be a whole number of hours from 0 to 720' },
    { args: ['help', 'frobnicate'], says: 'micropay: unknown command: frobnicate' },
  ];
  it('a usage mistake is one line on stderr saying what is wrong and where the help is, exit 2; no parseArgs message leaks', async () => {
    const results = await inBatches(mistakes.map(({ args }) => () => runCli([...args, '--db', db])));
    results.forEach((r, i) => {
      const { says, args } = mistakes[i]!;
      const subject = args[0] === 'help' ? '' : says.slice('micropay '.length, says.indexOf(':')) + ' ';
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${says} (see micropay ${subject}--help)\n`);
      expect(r.stderr).not.toMatch(/Unknown option '|ambiguous|To specify an option argument|ERR_PARSE_ARGS/);
    });
    // With --json: the one JSON object, with the same message.
    const json = await runCli(['merchant', 'create', '--name', 'A', '--pin', '1', '--json', '--db', db]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { kind: 'usage', message: 'unknown option --pin (see micropay merchant create --help)' },
    });
  });
});

/** A TCP port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connection errors name the URL and say whether the request was sent', () => {
  const auth = ['--mch-id', '202006001', '--key', SPEC_KEY];
  const payArgs = [...auth, '--order', 'o-1', '--amount', '1.00', '--code', '391234567890123456'];
  let resetter: Server;
  let resetUrl: string;
  beforeAll(async () => {
    // Reads the request, then drops the connection without an answer: the request did arrive.
    resetter = createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    resetUrl = `http://127.0.0.1:${(resetter.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stopAllChildren();
    await new Promise<void>((resolve) => resetter.close(() => resolve()));
  });

  it('a refused connection (nothing listens on the port) says the request was certainly not sent', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const [pay, query, refund] = await Promise.all([
      runCli(['pay', '--url', url, ...payArgs]),
      runCli(['query', '--url', url, ...auth, '--order', 'o-1', '--json']),
      runCli(['refund', '--url', url, ...auth, '--order', 'o-1', '--refund-id', 'r-1', '--amount', '1.00']),
    ]);
    const notSent = 'the connection failed (ECONNREFUSED). The request was certainly not sent, so nothing was recorded: check the URL and that the platform is running there, then repeat the command.';
    expect(pay.code).toBe(1);
    expect(pay.stderr).toBe(`micropay: no answer from ${url}/api/micropay/micropay: ${notSent}\n`);
    expect(pay.stderr).not.toContain('micropay: micropay:');
    expect(query.code).toBe(1);
    expect(JSON.parse(query.stdout)).toEqual({ error: { kind: 'failed', message: `no answer from ${url}/api/micropay/queryBill: ${notSent}` } });
    expect(refund.stderr).toBe(`micropay: no answer from ${url}/api/micropay/refund: ${notSent}\n`);
  });

  it('without --url the default comes from HOST and PORT, and the message names it and says --url was not given', async () => {
    const port = await closedPort();
    const r = await runCli(['query', ...auth, '--order', 'o-1'], { env: { PORT: String(port) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^micropay: no answer from http://127\\.0\\.0\\.1:${port}/api/micropay/queryBill \\(no --url given: this is the default, from the HOST and PORT settings\\): the connection failed \\(ECONNREFUSED\\)\\. The request was certainly not sent`),
    );
  });

  it('a connection dropped after the request was sent says the outcome is unknown and to query, for each command', async () => {
    const [pay, refund, query] = await Promise.all([
      runCli(['pay', '--url', resetUrl, ...payArgs]),
      runCli(['refund', '--url', resetUrl, ...auth, '--order', 'o-1', '--refund-id', 'r-1', '--amount', '1.00']),
      runCli(['query', '--url', resetUrl, ...auth, '--order', 'o-1']),
    ]);
    expect(pay.code).toBe(1);
    expect(pay.stderr).toMatch(new RegExp(`^micropay: no answer from ${resetUrl}/api/micropay/micropay: the connection failed[^\\n]*\\. The payment may or may not have been made: query the order \\(micropay query --order ID\\) to learn its outcome, and never pay it again under a new order id\\.\\n$`));
    expect(pay.stderr).not.toContain('certainly not sent');
    expect(refund.stderr).toContain('The refund may or may not have been made: query it (micropay refund-query --refund-id RID), or repeat it with the same --refund-id.');
    expect(query.stderr).toContain('A query changes nothing: it is safe to repeat.');
  });
});

describe('merchant create: importing a merchant with its own id and key', () => {
  const t = usePlatformWithCli();

  it('keeps the id and key, so its signed requests work unchanged; the key is never printed', async () => {
    const args = ['merchant', 'create', '--name', 'LPR Parking System', '--mch-id', '202006001', '--key', SPEC_KEY];
    const text = await t.cli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('Merchant 202006001 "LPR Parking System" imported with its own id, with the API key given (--key).\n');
    expect(text.stdout + text.stderr).not.toContain(SPEC_KEY);

    const w = await createWalletWithCode(t.p, 10_00);
    const m = { mchId: '202006001', key: SPEC_KEY, name: 'LPR Parking System' };
    const paid = await postSigned(t.p.url, 'micropay', micropayParams(m, 'imported-1', '1.00', w.payCode), SPEC_KEY);
    expect(paid.body).toMatchObject({ code: 0, data: { merchantName: 'LPR Parking System', tradeStatus: 'PAID' } });

    // The id is taken now: refused, exit 1, nothing created.
    const again = await t.cli([...args.slice(0, 3), 'Other', ...args.slice(4)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('micropay: merchant 202006001 already exists; nothing was created\n');
    expect(again.stderr).not.toContain(SPEC_KEY);
    expect((await t.cliJ<{ merchants: unknown[] }>(['merchant', 'list'])).merchants).toHaveLength(1);
  });

  it('--key alone keeps the key under a new id; --mch-id alone keeps the id with a new key, printed once', async () => {
    const keyOnly = await t.cliJ<Record<string, unknown>>(['merchant', 'create', '--name', 'Kept Key', '--key', SPEC_KEY]);
    expect(keyOnly).toEqual({ mchId: expect.stringMatching(/^\d{9}$/), name: 'Kept Key', status: 'active', notifyUrl: null, warning: null });
    const idOnly = await t.cliJ<Record<string, unknown>>(['merchant', 'create', '--name', 'Kept Id', '--mch-id', '7']);
    expect(idOnly).toMatchObject({ mchId: '7', apiKey: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    const w = await createWalletWithCode(t.p, 10_00);
    const paid = await postSigned(t.p.url, 'micropay', micropayParams({ mchId: '7', key: idOnly.apiKey as string, name: '' }, 'k-1', '1.00', w.payCode), idOnly.apiKey as string);
    expect(paid.body.code).toBe(0);
  });

  it('a malformed id or key is a usage error that never repeats the key', async () => {
    const secretish = 'Sup3rSecret|WithAPipe123';
    const cases: [string[], string][] = [
      [['--mch-id', '0123'], '--mch-id: a merchant id is 1 to 19 digits and does not start with 0 (like 202006001)'],
      [['--mch-id', '12345678901234567890'], '--mch-id: a merchant id is 1 to 19 digits and does not start with 0 (like 202006001)'],
      [['--key', secretish], '--key: a merchant key must not contain "|"'],
      [['--key', 'short-Key1'], '--key: a merchant key is 16 to 128 characters long'],
      [['--key', 'with a space in it 123'], '--key: a merchant key is printable ASCII without spaces'],
    ];
    const results = await Promise.all(cases.map(([extra]) => t.cli(['merchant', 'create', '--name', 'X', ...extra])));
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`micropay merchant create: ${cases[i]![1]} (see micropay merchant create --help)\n`);
    });
    for (const r of results.slice(2)) expect(r.stderr).not.toMatch(/Sup3rSecret|short-Key1|with a space/);
    expect((await t.cliJ<{ merchants: unknown[] }>(['merchant', 'list'])).merchants).toEqual([]);
  });

  it('a merchant name that answers would sign re-splittable ("|"), or that is empty, too long or has a line break, is refused on create and update', async () => {
    const cases: [string, string][] = [
      ['Car|Park', 'a merchant name must not contain "|": answers sign it, and values are joined with "|" to be signed'],
      ['   ', 'a merchant name must not be empty'],
      ['x'.repeat(101), 'a merchant name is at most 100 characters'],
      ['Car\nPark', 'a merchant name must not contain control characters (tabs, line breaks) or bidi controls'],
    ];
    const created = await Promise.all(cases.map(([name]) => t.cli(['merchant', 'create', '--name', name])));
    created.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`micropay merchant create: --name: ${cases[i]![1]} (see micropay merchant create --help)\n`);
    });
    expect((await t.cliJ<{ merchants: unknown[] }>(['merchant', 'list'])).merchants).toEqual([]);

    const m = await t.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'x'.repeat(100)]);
    const renamed = await t.cli(['merchant', 'update', m.mchId, '--name', 'Car|Park']);
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toBe(`micropay merchant update: --name: ${cases[0]![1]} (see micropay merchant update --help)\n`);
    expect(await t.cliJ(['merchant', 'show', m.mchId])).toMatchObject({ name: 'x'.repeat(100) });
  });
});

describe('merchant roll-key', () => {
  const t = usePlatformWithCli();

  it('prints the new key once and when the old one stops; both verify in the window; answers switch to the new key once used', async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Roller']);
    const before = Date.now();
    const text = await t.cli(['merchant', 'roll-key', m.mchId]);
    expect(text.code).toBe(0);
    const match = new RegExp(
      `^New API key of merchant ${m.mchId}: ([A-Za-z0-9]{32}) {3}\\(shown once; keep it secret\\)\\n` +
        'The old key keeps verifying until (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) \\+08:00; each answer is signed with its request\'s key; notifications with the new key once the merchant has used it\\.\\n$',
    ).exec(text.stdout);
    expect(match, text.stdout).not.toBeNull();
    const newKey = match![1]!;
    expect(newKey).not.toBe(m.apiKey);
    // 24 hours by default, shown in the platform's zone.
    const untilShown = match![2]!;
    const expected = [before + 86_400_000, Date.now() + 86_400_000].map((ms) => formatZonedTime(ms, 'Asia/Kuala_Lumpur').slice(0, 19));
    expect(untilShown >= expected[0]! && untilShown <= expected[1]!).toBe(true);

    const merchant = (key: string) => ({ mchId: m.mchId, key, name: 'Roller' });
    const q = (key: string) => postSigned(t.p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'none' }, key);
    expect((await q(m.apiKey)).body.code).toBe(1031);
    const w = await createWalletWithCode(t.p, 10_00);
    const paidNew = await postSigned(t.p.url, 'micropay', micropayParams(merchant(newKey), 'roll-1', '1.00', w.payCode), newKey);
    expect(paidNew.body.code).toBe(0);
    // Signed with the new key now that the merchant has used it.
    expect(paidNew.body.data!.secureHash).toBe(sign(paidNew.body.data! as unknown as SignableParams, newKey));
    expect((await q(m.apiKey)).body.code).toBe(1031);

    const shown = await t.cli(['merchant', 'show', m.mchId]);
    expect(shown.stdout).toMatch(/\nKey rolled \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00; the old key verifies until .+ \+08:00; the new key is in use since .+ \+08:00\.\n$/);
  });

  it('--overlap-hours 0 stops the old key at once; --json gives the key and the end of the window', async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Switcher']);
    const rolled = await t.cliJ<{ mchId: string; apiKey: string; previousKeyUntil: string; previousKeyUntilMs: string }>([
      'merchant', 'roll-key', m.mchId, '--overlap-hours', '0',
    ]);
    expect(rolled).toEqual({
      mchId: m.mchId,
      apiKey: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      previousKeyUntil: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      previousKeyUntilMs: expect.stringMatching(/^\d+$/),
    });
    // The wire's form, in the platform's zone, of the same moment.
    expect(rolled.previousKeyUntil).toBe(formatZonedTime(Number(rolled.previousKeyUntilMs), 'Asia/Kuala_Lumpur').slice(0, 19));
    const q = (key: string) => postSigned(t.p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'none' }, key);
    expect((await q(m.apiKey)).body.code).toBe(1035);
    expect((await q(rolled.apiKey)).body.code).toBe(1031);
    const missing = await t.cli(['merchant', 'roll-key', '209912999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('micropay: no merchant 209912999\n');
  });
});

describe('wallet create', () => {
  const t = usePlatformWithCli();

  it('--balance 0 opens an empty wallet, as leaving --balance out does', async () => {
    const [zero, none] = [await t.cliJ<{ balance: string }>(['wallet', 'create', '--name', 'Empty', '--balance', '0']), await t.cliJ<{ balance: string }>(['wallet', 'create', '--name', 'Unfunded'])];
    expect([zero.balance, none.balance]).toEqual(['0.00', '0.00']);
    expect((await t.cli(['audit'])).code).toBe(0);
  });
});

describe('listing and showing', () => {
  const t = usePlatformWithCli();

  it('wallet list pages in id order with the next page printed as a command, and filters by status and name', async () => {
    const names = ['Alice Tan', 'Bob Lim', 'alina wong', 'Carol', 'Dan'];
    const created: string[] = [];
    for (const name of names) created.push((await t.cliJ<{ walletId: string }>(['wallet', 'create', '--name', name, '--balance', '5.00'])).walletId);
    await t.cli(['wallet', 'freeze', created[3]!]);
    const byId = [...created].sort();

    const first = await t.cli(['wallet', 'list', '--limit', '2']);
    expect(first.code).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${byId[0]}  (active|frozen)  balance 5\\.00 \\(held 0\\.00\\)  .+$`));
    expect(lines[2]).toBe(`More: micropay wallet list --after ${byId[1]} --limit 2`);

    // Following the printed commands visits every wallet once, in id order.
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { wallets: { walletId: string }[]; next: string | null } = await t.cliJ([
        'wallet', 'list', '--limit', '2', ...(next === null ? [] : ['--after', next]),
      ]);
      seen.push(...page.wallets.map((w) => w.walletId));
      next = page.next;
    } while (next !== null);
    expect(seen).toEqual(byId);

    const frozen = await t.cliJ<{ wallets: { walletId: string; status: string }[]; next: null }>(['wallet', 'list', '--status', 'frozen']);
    expect(frozen).toEqual({ wallets: [expect.objectContaining({ walletId: created[3], status: 'frozen' })], next: null });
    const named = await t.cliJ<{ wallets: { name: string }[] }>(['wallet', 'list', '--name', 'ALI']);
    expect(named.wallets.map((w) => w.name).sort()).toEqual(['Alice Tan', 'alina wong']);
    const paged = await t.cli(['wallet', 'list', '--name', 'ali', '--limit', '1']);
    expect(paged.stdout).toMatch(/\nMore: micropay wallet list --after 60\d{10} --name "ali" --limit 1\n$/);
    expect((await t.cli(['wallet', 'list', '--status', 'lost'])).stderr).toBe(
      'micropay wallet list: --status must be one of active, frozen, closed (see micropay wallet list --help)\n',
    );
    expect((await t.cli(['wallet', 'list', '--name', 'nobody'])).stdout).toBe('No wallets.\n');
  });

  it("merchant show and merchant list give the merchant's balance after payments", async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Kiosk', '--notify-url', 'http://127.0.0.1:9/hook']);
    const other = await t.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Quiet']);
    for (const [order, amount] of [['b-1', '2.50'], ['b-2', '0.75']] as const) {
      const w = await createWalletWithCode(t.p, 10_00);
      const res = await postSigned(t.p.url, 'micropay', micropayParams({ mchId: m.mchId, key: m.apiKey, name: 'Kiosk' }, order, amount, w.payCode), m.apiKey);
      expect(res.body.code).toBe(0);
    }
    const [show, showJson, list, listJson] = await Promise.all([
      t.cli(['merchant', 'show', m.mchId]),
      t.cliJ(['merchant', 'show', m.mchId]),
      t.cli(['merchant', 'list']),
      t.cliJ<{ merchants: unknown[] }>(['merchant', 'list']),
    ]);
    expect(show.stdout).toMatch(
      new RegExp(`^Merchant ${m.mchId} "Kiosk": active, balance 3\\.25\\nCreated \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+08:00; notifications go to http://127\\.0\\.0\\.1:9/hook\\.\\n$`),
    );
    expect(showJson).toMatchObject({ mchId: m.mchId, name: 'Kiosk', status: 'active', balance: '3.25', keyRolledAtMs: null });
    expect(JSON.stringify(showJson)).not.toContain(m.apiKey);
    expect(list.stdout).toBe(
      `${m.mchId}  active    Kiosk  balance 3.25  notify http://127.0.0.1:9/hook\n${other.mchId}  active    Quiet  balance 0.00\n`,
    );
    expect(listJson.merchants).toEqual([
      { mchId: m.mchId, name: 'Kiosk', status: 'active', notifyUrl: 'http://127.0.0.1:9/hook', balance: '3.25' },
      { mchId: other.mchId, name: 'Quiet', status: 'active', notifyUrl: null, balance: '0.00' },
    ]);
    expect((await t.cli(['merchant', 'show', '209912999'])).stderr).toBe('micropay: no merchant 209912999\n');
  });
});

describe('micropay sign', () => {
  const t = usePlatformWithCli();

  it("the documented example prints the documented hash, which is the protocol's signature", async () => {
    const [command, hash] = docBlock('cli.md', 'sign-example').trimEnd().split('\n') as [string, string];
    expect(command.startsWith('$ micropay sign ')).toBe(true);
    const r = await runShell(command.slice(2));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${hash}\n`);
    const body = JSON.parse(words(command.slice(2)).at(-1)!) as Record<string, string>;
    expect(hash).toBe(sign(body, SPEC_KEY));
  });

  it('a body signed with it is accepted by the platform; its own secureHash is ignored; stdin and --file work alike', async () => {
    await t.cli(['merchant', 'create', '--name', 'Curl Shop', '--mch-id', '202006001', '--key', SPEC_KEY]);
    const body = { mchId: '202006001', mchOrderId: 'never-paid', timestamp: String(Date.now()), secureHash: 'stale' };
    const text = JSON.stringify(body);
    const dir = mkdtempSync(join(tmpdir(), 'micropay-sign-'));
    try {
      writeFileSync(join(dir, 'body.json'), text);
      const [byBody, byFile, byStdin, json] = await Promise.all([
        runCli(['sign', '--key', SPEC_KEY, '--body', text]),
        runCli(['sign', '--key', SPEC_KEY, '--file', join(dir, 'body.json')]),
        runWithStdin(['sign', '--key', SPEC_KEY], text),
        runCli(['sign', '--key', SPEC_KEY, '--body', text, '--json']),
      ]);
      const hash = byBody.stdout.trim();
      expect(hash).toMatch(/^[0-9A-F]{64}$/);
      expect(byFile.stdout).toBe(`${hash}\n`);
      expect(byStdin.stdout).toBe(`${hash}\n`);
      expect(JSON.parse(json.stdout)).toEqual({ secureHash: hash });
      // Sent as curl would send it: answered 1031 (no such order), not 1035 (signature).
      const answer = await postRaw(t.p.url, '/api/micropay/queryBill', { ...body, secureHash: hash });
      expect(answer.body).toMatchObject({ code: 1031 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the key from MICROPAY_KEY, keeping it off the command line (sign and the API commands); with neither, a usage error', async () => {
    await t.cli(['merchant', 'create', '--name', 'Env Shop', '--mch-id', '202006001', '--key', SPEC_KEY]);
    const body = JSON.stringify({ mchId: '202006001', mchOrderId: 'env-1', timestamp: String(Date.now()) });
    const env = { MICROPAY_KEY: SPEC_KEY };
    const [byFlag, byEnv, query, none] = await Promise.all([
      runCli(['sign', '--key', SPEC_KEY, '--body', body]),
      runCli(['sign', '--body', body], { env }),
      runCli(['query', '--url', t.p.url, '--mch-id', '202006001', '--order', 'env-1', '--json'], { env }),
      runCli(['sign', '--body', body]),
    ]);
    expect(byEnv.stdout).toBe(byFlag.stdout);
    // Signed with the key from the environment: 1031 (no such order), not 1035.
    expect(JSON.parse(query.stdout)).toMatchObject({ code: 1031 });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('micropay sign: --key is required (or set MICROPAY_KEY) (see micropay sign --help)\n');
  });

  it('refuses what cannot be signed, exit 2', async () => {
    const cases: [string[], string][] = [
      [['--body', '{"a":{"b":1}}'], 'field a: objects and arrays cannot be signed'],
      [['--body', '[1]'], 'the body must be one JSON object'],
      [['--body', '{"payCode":391234567890123456}'], 'field payCode: a number this large loses digits in JSON; send it as a string'],
      [['--body', 'mchId=1'], 'the body must be one JSON object'],
      // What every endpoint refuses is not signed either: a "|" (1021), a name twice or a lone surrogate (9105).
      [['--body', '{"a":"x|y"}'], 'field a must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split; every endpoint refuses it (1021)'],
      [['--body', '{"a":"1","a":"2"}'], 'the body must be one JSON object, each name in it once'],
      [['--body', '{"a":"\\ud800"}'], 'a string in the body is not well-formed Unicode (a lone surrogate escape such as \\ud800)'],
      [['--body', '{}', '--file', 'x'], 'give the body with --body or --file, not both'],
      [[], 'the body is empty'],
    ];
    const results = await Promise.all(cases.map(([extra]) => runCli(['sign', '--key', SPEC_KEY, ...extra])));
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`micropay sign: ${cases[i]![1]} (see micropay sign --help)\n`);
    });
  });
});

describe('times people read carry their zone; JSON amounts are decimal strings', () => {
  const t = usePlatformWithCli();

  it('the protocol helper gives the offset of the zone at that time, across daylight saving', () => {
    expect(formatZonedTime(Date.UTC(2026, 11, 4, 22, 47, 48), 'Asia/Kuala_Lumpur')).toBe('2026-12-05 06:47:48 +08:00');
    expect(formatZonedTime(Date.UTC(2026, 0, 15, 12), 'America/New_York')).toBe('2026-01-15 07:00:00 -05:00');
    expect(formatZonedTime(Date.UTC(2026, 6, 15, 12), 'America/New_York')).toBe('2026-07-15 08:00:00 -04:00');
    expect(formatZonedTime(Date.UTC(2026, 0, 1), 'Asia/Kolkata')).toBe('2026-01-01 05:30:00 +05:30');
    expect(zonedWireTime('2026-07-15 08:00:00', 'America/New_York')).toBe('2026-07-15 08:00:00 -04:00');
    expect(zonedWireTime('2026-01-15 07:00:00', 'America/New_York')).toBe('2026-01-15 07:00:00 -05:00');
    expect(zonedWireTime('2026-12-05 06:47:48', 'UTC')).toBe('2026-12-05 06:47:48 +00:00');
    expect(zonedWireTime('not a time', 'UTC')).toBe('not a time');
  });

  it('paycode shows its expiry with the offset; --json gives expiresAtMs as a string, as the wallet API does', async () => {
    const w = await t.cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Zoe', '--balance', '5.00']);
    const india = { MICROPAY_TIMEZONE: 'Asia/Kolkata' };
    const [text, json] = await Promise.all([t.cli(['paycode', w.walletId], india), t.cliJ<Record<string, unknown>>(['paycode', w.walletId], india)]);
    expect(text.stdout).toMatch(new RegExp(`^Payment code 39\\d{16} for wallet ${w.walletId}, valid until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\+05:30 \\(one use\\)\\.\\n$`));
    expect(json).toEqual({
      payCode: expect.stringMatching(/^39\d{16}$/),
      walletId: w.walletId,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      expiresAtMs: expect.stringMatching(/^\d{13}$/),
    });
    expect(json.expiresAt).toBe(formatZonedTime(Number(json.expiresAtMs), 'Asia/Kolkata').slice(0, 19));
  });

  it('every …Ms field of --json is a decimal string: an operator list and the notifications health too', async () => {
    await t.cli(['admin', 'create', '--name', 'ms-ops']);
    const [operators, health] = await Promise.all([
      t.cliJ<{ operators: { createdAtMs: unknown }[] }>(['admin', 'list']), t.cliJ<Record<string, unknown>>(['notifications', 'health']),
    ]);
    expect(operators.operators[0]!.createdAtMs).toEqual(expect.stringMatching(/^\d{13}$/));
    expect(health.sinceMs).toEqual(expect.stringMatching(/^\d{13}$/));
    expect(Object.entries(health).filter(([key, value]) => key.endsWith('Ms') && typeof value === 'number')).toEqual([]);
  });

  it('pay and query print the trade and pay times with the offset', async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Clock Shop']);
    const w = await createWalletWithCode(t.p, 10_00);
    const auth = ['--url', t.p.url, '--mch-id', m.mchId, '--key', m.apiKey];
    const pay = await runCli(['pay', ...auth, '--order', 'tz-1', '--amount', '1.00', '--code', w.payCode]);
    expect(pay.stdout).toMatch(/\ntraded \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00, paid \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00\n/);
    const query = await runCli(['query', ...auth, '--order', 'tz-1', '--json']);
    // The JSON is the answer as it came: wire times stay as the spec has them.
    expect(JSON.parse(query.stdout)).toMatchObject({ data: { tradeTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) } });
  });

  it('bill starts with the hours of the day and their offset; --csv is the bare CSV; --json amounts are decimal strings', async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Bill Shop']);
    const w = await createWalletWithCode(t.p, 10_00);
    const paid = await postSigned(t.p.url, 'micropay', micropayParams({ mchId: m.mchId, key: m.apiKey, name: '' }, 'bill-1', '2.50', w.payCode), m.apiKey);
    const day = paid.body.data!.payTime!.slice(0, 10);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const args = ['bill', '--mch-id', m.mchId, '--date', day];
    const [text, csv, json, download] = await Promise.all([
      t.cli(args),
      t.cli([...args, '--csv']),
      t.cliJ<{ totals: unknown; csv: string; timeZone: string }>(args),
      postSigned(t.p.url, 'downloadBill', { mchId: m.mchId, billDate: day }, m.apiKey),
    ]);
    const downloaded = (download.body.data as unknown as { csv: string }).csv;
    expect(csv.stdout).toBe(downloaded);
    expect(text.stdout).toBe(
      `Statement of merchant ${m.mchId} "Bill Shop" for ${day}: ${day} 00:00:00 +08:00 to ${next} 00:00:00 +08:00 (Asia/Kuala_Lumpur)\n` +
        downloaded.replace(/\r\n/g, '\n'),
    );
    expect(json).toMatchObject({
      timeZone: 'Asia/Kuala_Lumpur',
      csv: downloaded,
      totals: { paymentCount: 1, grossAmount: '2.50', refundCount: 0, refundAmount: '0.00', netAmount: '2.50' },
    });
    expect((await t.cli([...args, '--csv', '--json'])).code).toBe(2);
  });

  it('migrate and notifications list show their times with the offset', async () => {
    const migrate = await t.cli(['migrate'], { MICROPAY_TIMEZONE: 'UTC' });
    expect(migrate.stdout).toMatch(/\n {2}1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00 {2}merchants/);

    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Hooked', '--notify-url', 'http://127.0.0.1:9/hook']);
    const w = await createWalletWithCode(t.p, 10_00);
    await postSigned(t.p.url, 'micropay', micropayParams({ mchId: m.mchId, key: m.apiKey, name: '' }, 'n-1', '1.00', w.payCode), m.apiKey);
    const listed = await t.cli(['notifications', 'list'], { MICROPAY_TIMEZONE: 'Asia/Kolkata' });
    expect(listed.stdout).toMatch(/^\S+ {2}pending {4}PAID .+ (next|dead since) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30/);
  });
});

describe('what a newcomer tries first: --version, help help, "--", and which commands take --db', () => {
  afterAll(stopAllChildren);

  it('--version prints the package version in one line (--json: {"version"}), exit 0; an unknown option alone is named', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const [text, json, unknown] = await Promise.all([runCli(['--version']), runCli(['--version', '--json']), runCli(['--frobnicate'])]);
    expect(text).toMatchObject({ code: 0, stdout: `micropay ${version}\n`, stderr: '' });
    expect(json).toMatchObject({ code: 0, stdout: `{"version":"${version}"}\n` });
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: 'micropay: unknown option --frobnicate (see micropay --help)\n' });
  });

  it('help help explains help; words after "--" are arguments, and the extra one is named', async () => {
    const [help, dashes] = await Promise.all([
      runCli(['help', 'help']),
      runCli(['merchant', 'create', '--', '--name', 'X', '--db', join(tmpdir(), `micropay-never-${process.pid}.db`)]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: micropay help \[COMMAND\]\n/);
    expect(dashes.code).toBe(2);
    expect(dashes.stderr).toBe(
      'micropay merchant create: unexpected argument "--name" (after "--" every word is an argument, not an option) (see micropay merchant create --help)\n',
    );
  });

  it('the usage says which commands take --db: exactly those that open a store', () => {
    const text = usage(COMMANDS);
    expect(text).not.toContain('Global options');
    const storeless = ALL.filter((c) => c.store === 'none').map((c) => c.name);
    expect(storeless).toEqual(['master-key generate', 'pay', 'query', 'close', 'refund', 'refund-query', 'sign']);
    expect(text).toContain(`The commands that use the store (all but ${storeless.join(', ')}) take --db PATH_OR_URL:`);
    for (const name of storeless) expect(() => parseCommandLine([...name.split(' '), '--db', 'x'], COMMANDS)).toThrow(/unknown option --db/);
  });
});

describe('serve --sandbox: the banner', () => {
  afterAll(stopAllChildren);

  it("names the --db the server uses in its paycode line, which then issues a code from that store", async () => {
    const empty = await emptyTestDatabase();
    try {
      const server = await startServerProcess(['--sandbox', '--port', '0', '--db', empty.dbPath]);
      const [, hint, walletId] = await server.waitForStdout(/new one: npx (micropay paycode (\d{12}) [^)]*)\)/);
      // As a shell splits it (a PostgreSQL URL with "?" is quoted).
      expect(words(hint!)).toEqual(['micropay', 'paycode', walletId, '--db', empty.dbPath]);
      const r = await runShell(hint!);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Payment code 39\\d{16} for wallet ${walletId}, valid until `));
    } finally {
      await stopAllChildren();
      await empty.drop();
    }
  });

  it("the CLI's notify-URL warning on a sandbox's database says that a --sandbox server delivers to loopback", async () => {
    const [sandbox, plain] = [await emptyTestDatabase(), await emptyTestDatabase()];
    try {
      const server = await startServerProcess(['--sandbox', '--port', '0', '--db', sandbox.dbPath]);
      await server.waitForStdout(/new one: npx micropay paycode/);
      await stopAllChildren();
      const [merchant] = (JSON.parse((await runCli(['merchant', 'list', '--json', '--db', sandbox.dbPath])).stdout) as { merchants: { mchId: string }[] }).merchants;
      const hook = 'http://127.0.0.1:9/hook';
      // The networks left unset, as `npm start` leaves them (the tests' processes allow loopback).
      const unset = { env: { MICROPAY_NOTIFY_PRIVATE_NETWORKS: '' } };
      const updated = await runCli(['merchant', 'update', merchant!.mchId, '--notify-url', hook, '--db', sandbox.dbPath], unset);
      expect(updated.code).toBe(0);
      const plainWarning = `notifications to ${hook} will not be delivered: the receiver's address 127.0.0.1 is private (loopback or a local network); `
        + 'the operator allows such networks with MICROPAY_NOTIFY_PRIVATE_NETWORKS';
      expect(updated.stdout).toContain(`Warning: ${plainWarning}, unless the server runs with --sandbox (as npm start does), which lets loopback receive.\n`);
      // Any other database: the server delivers there only if its operator allows the network.
      const created = await runCli(['merchant', 'create', '--name', 'Kiosk', '--notify-url', hook, '--json', '--db', plain.dbPath], unset);
      expect((JSON.parse(created.stdout) as { warning: string }).warning).toBe(plainWarning);
    } finally {
      await stopAllChildren();
      await sandbox.drop();
      await plain.drop();
    }
  });

  it('leaves out the default store, never prints a password, and quotes what a shell would split', () => {
    expect(newCodeHint('601234567890', './data/micropay.db')).toBe('new one: npx micropay paycode 601234567890');
    const withPassword = newCodeHint('601234567890', 'postgres://shop:s3cret@db.example:5432/pay');
    expect(withPassword).toBe("new one: npx micropay paycode 601234567890 --db with this server's database URL (its password is not printed)");
    // libpq also takes the password as a parameter: it is never printed either.
    expect(newCodeHint('601234567890', 'postgres://shop@db.example/pay?password=s3cret')).toBe(withPassword);
    expect(redactUrl('postgres://shop@db.example/pay?password=s3cret&sslmode=require')).not.toContain('s3cret');
    // The client key's password too (sslpassword), in any case.
    expect(redactUrl('postgres://shop@db.example/pay?sslpassword=Ssl9&password=s3cret')).toBe('postgres://shop@db.example/pay?sslpassword=****&password=****');
    expect(redactUrl('postgres://shop@db.example/pay?SSLPassword=Ssl9')).not.toContain('Ssl9');
    expect(newCodeHint('601234567890', 'postgres://shop@db.example/pay?sslpassword=Ssl9')).toBe(withPassword);
    expect(newCodeHint('601234567890', 'postgres://shop@db.example/pay?sslmode=require')).toBe(
      "new one: npx micropay paycode 601234567890 --db 'postgres://shop@db.example/pay?sslmode=require'",
    );
    expect(newCodeHint('601234567890', "/tmp/o'brien shop.db")).toBe("new one: npx micropay paycode 601234567890 --db '/tmp/o'\\''brien shop.db'");
  });
});

describe('serve on a port in use', () => {
  it('says the port is in use and how to choose another, exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const empty = await emptyTestDatabase();
    try {
      const r = await runCli(['serve', '--port', String(port), '--db', empty.dbPath]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter((l) => !l.startsWith('{'))).toEqual([
        `micropay: port ${port} on 127.0.0.1 is in use by another program or server (EADDRINUSE): choose another with --port N (or the PORT setting; 0 picks a free one)`,
        '',
      ]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      await empty.drop();
    }
  });

  it('creates nothing: no store, master key or lock file is left beside a server already running', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'micropay-port-taken-'));
    try {
      // The sandbox, as `npm start` twice would: it would make a store and its master key file.
      const r = await runCli(['serve', '--sandbox', '--port', String(port), '--db', join(dir, 'new.db')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('EADDRINUSE');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sign: numbers', () => {
  afterAll(stopAllChildren);

  it('refuses a number beyond JavaScript\'s range (1e400 reads as Infinity) and signs others as String(number) does', async () => {
    const [big, small, hundred] = await Promise.all([
      runCli(['sign', '--key', SPEC_KEY, '--body', '{"a":1e400}']),
      runCli(['sign', '--key', SPEC_KEY, '--body', '{"a":-1e400}']),
      runCli(['sign', '--key', SPEC_KEY, '--body', '{"a":1e2,"b":1.50}']),
    ]);
    expect(big).toMatchObject({ code: 2, stdout: '' });
    expect(big.stderr).toBe("micropay sign: field a: the number is beyond JavaScript's range (it reads as Infinity); send it as a string (see micropay sign --help)\n");
    expect(small.stderr).toContain('(it reads as -Infinity)');
    expect(hundred.stdout).toBe(`${sign({ a: '100', b: '1.5' }, SPEC_KEY)}\n`);
  });
});

/** Polls `probe` until it gives a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('notifications retry', () => {
  const t = usePlatformWithCli();

  it('counts the attempts so far in the singular for one', async () => {
    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Hook Shop', '--notify-url', 'http://127.0.0.1:9/hook']);
    const w = await createWalletWithCode(t.p, 10_00);
    await postSigned(t.p.url, 'micropay', micropayParams({ mchId: m.mchId, key: m.apiKey, name: '' }, 'r-1', '1.00', w.payCode), m.apiKey);
    const tried = await waitFor('the first attempt', async () =>
      (await t.p.store.listNotifications({ mchId: m.mchId, limit: 10 })).find((n) => n.attempts === 1),
    );
    const r = await t.cli(['notifications', 'retry', tried.notificationId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Notification ${tried.notificationId} is due now (1 attempt so far); a running server sends it within a moment.\n`);
  });
});

describe("JSON times: the wire's form, and every …Ms field a decimal string", () => {
  const t = usePlatformWithCli();
  const MS = /^\d+$/;

  it('migrate, notifications list and retry, and pay --wait give their milliseconds as strings', async () => {
    const migrate = await t.cliJ<{ migrations: { version: number; name: string; appliedAtMs: unknown }[] }>(['migrate']);
    expect(migrate.migrations.length).toBeGreaterThan(0);
    for (const m of migrate.migrations) expect(m.appliedAtMs).toMatch(MS);

    const m = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Json Shop', '--notify-url', 'http://127.0.0.1:9/hook']);
    const w = await createWalletWithCode(t.p, 10_00);
    const paid = await runCli(['pay', '--url', t.p.url, '--mch-id', m.mchId, '--key', m.apiKey, '--order', 'j-1', '--amount', '1.00', '--code', w.payCode, '--wait', '--json']);
    expect(paid.code).toBe(0);
    const steps = (JSON.parse(paid.stdout) as { steps: { step: string; elapsedMs: unknown }[] }).steps;
    expect(steps.map((s) => s.step)).toEqual(['sending', 'done']);
    for (const s of steps) expect(s.elapsedMs).toMatch(MS);

    const { notifications } = await t.cliJ<{ notifications: Record<string, unknown>[] }>(['notifications', 'list']);
    expect(notifications).toHaveLength(1);
    const n = notifications[0]!;
    expect(n).toMatchObject({ status: 'pending', createdAtMs: expect.stringMatching(MS), nextAttemptAtMs: expect.stringMatching(MS), deliveredAtMs: null });
    const retried = await t.cliJ<{ notification: Record<string, unknown> }>(['notifications', 'retry', n.notificationId as string]);
    expect(retried.notification).toMatchObject({ createdAtMs: n.createdAtMs, nextAttemptAtMs: expect.stringMatching(MS), deliveredAtMs: null });
  });
});

describe('lists line up', () => {
  const t = usePlatformWithCli();

  it('merchant list pads ids, names and balances to the widest; wallet list pads balances so the names line up', async () => {
    const long = await t.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Campus Canteen', '--notify-url', 'http://127.0.0.1:9/hook']);
    const short = await t.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Kiosk', '--mch-id', '7']);
    const w = await createWalletWithCode(t.p, 100_00);
    const paid = await postSigned(t.p.url, 'micropay', micropayParams({ mchId: long.mchId, key: long.apiKey, name: '' }, 'a-1', '12.50', w.payCode), long.apiKey);
    expect(paid.body.code).toBe(0);
    const merchants = await t.cli(['merchant', 'list']);
    const pad = ' '.repeat(long.mchId.length - 1);
    expect(merchants.stdout).toBe(
      `${long.mchId}  active    Campus Canteen  balance 12.50  notify http://127.0.0.1:9/hook\n` +
        `${short.mchId}${pad}  active    Kiosk           balance  0.00\n`,
    );

    const rich = await t.cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Rich', '--balance', '1000.00']);
    const wallets = await t.cli(['wallet', 'list']);
    const lines = wallets.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const nameAt = lines.map((l) => l.lastIndexOf('  ') + 2);
    expect(nameAt[0]).toBe(nameAt[1]);
    expect(lines.find((l) => l.startsWith(rich.walletId))).toBe(`${rich.walletId}  active  balance 1000.00 (held 0.00)  Rich`);
  });
});

describe('wallet set-limit default', () => {
  const t = usePlatformWithCli();

  it('prints the limit that now applies: the configured default', async () => {
    const w = await t.cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Limited', '--confirm-limit', '10.00']);
    const standard = await t.cli(['wallet', 'set-limit', w.walletId, 'default']);
    const configured = await t.cli(['wallet', 'set-limit', w.walletId, 'default'], { MICROPAY_CONFIRM_LIMIT: '75.00' });
    expect(standard.stdout).toBe(`Payments above 250.00 (the default, MICROPAY_CONFIRM_LIMIT) from wallet ${w.walletId} need the holder's confirmation.\n`);
    expect(configured.stdout).toBe(`Payments above 75.00 (the default, MICROPAY_CONFIRM_LIMIT) from wallet ${w.walletId} need the holder's confirmation.\n`);
  });
});

describe("docs/cli.md's session", () => {
  it('is one session in order: a wallet pays and gets codes only while active, never after it is closed or while frozen', () => {
    const lines = readDoc('cli.md').split('\n');
    const status = new Map<string, 'active' | 'frozen' | 'closed'>();
    let checked = 0;
    lines.forEach((line, i) => {
      const change = /^\$ micropay wallet (freeze|unfreeze|close) (\d{12})/.exec(line);
      if (change !== null) {
        status.set(change[2]!, change[1] === 'freeze' ? 'frozen' : change[1] === 'close' ? 'closed' : 'active');
        return;
      }
      const paycode = /^\$ micropay paycode (\d{12})/.exec(line);
      if (paycode === null || !status.has(paycode[1]!)) return;
      const issued = lines[i + 1]!.startsWith('Payment code ');
      expect(issued, `cli.md line ${i + 1}: ${line} (wallet ${status.get(paycode[1]!)})`).toBe(status.get(paycode[1]!) === 'active');
      checked++;
    });
    expect(checked).toBeGreaterThanOrEqual(2);
  });
});
