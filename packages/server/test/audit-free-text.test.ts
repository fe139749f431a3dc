import { describe, expect, it } from 'vitest';
import { auditDetailProblem, auditText, MAX_DETAIL_TEXT } from '../src/domain/audit-log.js';
import { merchantNameProblem } from '../src/domain/merchant.js';
import { walletNameProblem } from '../src/domain/wallet.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * Free text an operator may type (a 2048-character notify URL, a 100-character name) fits the
 * audit log's detail (auditText) instead of failing the command on the log's bug guard; names with
 * control or bidi characters are refused by their rule, with a message naming it.
 */
const LONG_URL = `https://hooks.example.com/${'p'.repeat(2048 - 'https://hooks.example.com/'.length)}`;

describe('auditText', () => {
  it('keeps short printable text, cuts long text with "…" and shows unprintable characters as U+FFFD', () => {
    expect(auditText('Kedai Ali')).toBe('Kedai Ali');
    expect(auditText(null)).toBeNull();
    const cut = auditText(LONG_URL);
    expect(cut).toHaveLength(MAX_DETAIL_TEXT);
    expect(cut.endsWith('…')).toBe(true);
    expect(LONG_URL.startsWith(cut.slice(0, -1))).toBe(true);
    expect(auditText('a\tb\u202Ec\u0085d\u200F')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFD');
    // A cut never leaves half of a surrogate pair.
    expect(auditText(`${'x'.repeat(MAX_DETAIL_TEXT - 2)}😀😀`)).toBe(`${'x'.repeat(MAX_DETAIL_TEXT - 2)}…`);
    for (const text of [LONG_URL, 'a\tb\u2066', `${'x'.repeat(300)}\u0007`]) expect(auditDetailProblem({ text: auditText(text) })).toBeNull();
  });

  it('names refuse C0, C1 and bidi controls; wallet names are 1 to 100 characters', () => {
    for (const bad of ['a\tb', 'a\u0085b', 'evil\u202Etxt', 'a\u2066b', 'a\u200Eb', 'a\u200Fb', 'a\u007fb']) {
      expect(merchantNameProblem(bad), JSON.stringify(bad)).toMatch(/control/);
      expect(walletNameProblem(bad), JSON.stringify(bad)).toMatch(/control/);
    }
    expect(walletNameProblem('')).toMatch(/empty/);
    expect(walletNameProblem('w'.repeat(101))).toMatch(/at most 100/);
    expect(walletNameProblem('w'.repeat(100))).toBeNull();
    expect(walletNameProblem('Siti Aminah')).toBeNull();
  });
});

describe('the CLI with long or odd free text', () => {
  const t = usePlatformWithCli();
  const auditRows = () => t.p.store.listAuditLog({ limit: 100 });

  it('merchant create and update take a 2048-character notify URL; the log keeps it cut with "…"', async () => {
    const made = await t.cliJ<{ mchId: string; notifyUrl: string }>(['merchant', 'create', '--name', 'Long Hook', '--notify-url', LONG_URL]);
    expect(made.notifyUrl).toBe(LONG_URL);
    const updated = await t.cliJ<{ notifyUrl: string }>(['merchant', 'update', made.mchId, '--notify-url', `${LONG_URL.slice(0, -1)}q`]);
    expect(updated.notifyUrl).toHaveLength(2048);
    const [update, create] = await auditRows();
    expect(create).toMatchObject({ action: 'merchant.create', detail: { name: 'Long Hook' } });
    expect(update!.action).toBe('merchant.update');
    for (const row of [create!, update!]) {
      const url = row.detail['notifyUrl'] as string;
      expect(url).toHaveLength(MAX_DETAIL_TEXT);
      expect(url.endsWith('…')).toBe(true);
    }
  }, 60_000);

  it('refuses merchant and wallet names with control or bidi characters, and over-long wallet names, and logs nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['merchant', 'create', '--name', 'Shop\u202Egnp.exe'], /name.*bidi controls/],
      [['merchant', 'create', '--name', 'Shop\u0085'], /name.*control characters/],
      [['wallet', 'create', '--name', 'Bob\tSmith'], /name.*control characters/],
      [['wallet', 'create', '--name', 'w'.repeat(201)], /name.*at most 100 characters/],
    ];
    for (const [args, message] of cases) {
      const r = await t.cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/invariant|Error:|at .*\.js/);
    }
    expect(await auditRows()).toEqual([]);
    const wallet = await t.cliJ<{ walletId: string; name: string }>(['wallet', 'create', '--name', 'w'.repeat(100)]);
    expect(wallet.name).toHaveLength(100);
    expect((await auditRows())[0]).toMatchObject({ action: 'wallet.create', detail: { name: 'w'.repeat(100) } });
  }, 60_000);
});
