import { describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { as, pageCall, sessionOf, type Session } from './page-helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * Disabling an operator (docs/consoles.md, "Operators"; `micropay admin disable` / `enable`), on
 * both stores over real HTTP and the real CLI: its sessions end, its right password answers 9024
 * (a wrong one 9020), its log rows stay, enabling lets it in with the password it had, and a
 * disable racing its own sign-ins leaves no live session.
 */
const t = usePlatformWithCli();
const call = (path: string, body: unknown = {}, s: Session | null = null) => pageCall(t.p, path, body, as(s));
const PASSWORD = 'operator-pass-1';
const signIn = (name: string, password = PASSWORD) => call('admin/sign-in', { name, password });

async function operator(name: string, role: 'admin' | 'finance' | 'support' = 'admin'): Promise<void> {
  if (typeof (await t.p.store.createOperator(name, await hashPin(PASSWORD), null, { role })) === 'string') throw new Error('taken');
}

describe('micropay admin disable and enable', () => {
  it('ends the sessions, answers the right password 9024 and a wrong one 9020, lists the state, logs both, and enables with the same password', async () => {
    await operator('ops');
    await operator('leaver', 'support');
    const session = sessionOf(await signIn('leaver'));
    const disabled = await t.cli(['admin', 'disable', '--name', 'leaver']);
    expect([disabled.code, disabled.stdout.trim()]).toEqual([0, 'Operator leaver is disabled: its sessions have ended and its sign-ins answer 9024.']);
    expect((await call('admin/operators', {}, session)).code).toBe(9120);
    const refused = await signIn('leaver');
    expect([refused.code, refused.msg]).toEqual([9024, 'user disabled: this operator is disabled: ask whoever runs the platform to enable it (micropay admin enable)']);
    expect((await signIn('leaver', 'not-the-password')).code).toBe(9020);

    const listed = await t.cliJ<{ operators: { name: string; disabledAtMs: string | null }[] }>(['admin', 'list']);
    expect(listed.operators.find((o) => o.name === 'leaver')!.disabledAtMs).toMatch(/^\d+$/);
    expect((await t.cli(['admin', 'list'])).stdout).toMatch(/^leaver {2}support {2}TOTP off {2}DISABLED {2}created /m);
    const ops = sessionOf(await signIn('ops'));
    expect(((await call('admin/operators', {}, ops)).data!.operators as { name: string; disabledAtMs: number | null }[]).map((o) => [o.name, o.disabledAtMs === null]))
      .toEqual([['leaver', false], ['ops', true]]);

    // A reset of a disabled operator says it signs in only once enabled.
    expect((await t.cli(['admin', 'reset', '--name', 'leaver'])).stdout).toContain('Operator leaver is disabled: it signs in with this once enabled (micropay admin enable --name leaver).');
    const { password } = await t.cliJ<{ password: string }>(['admin', 'reset', '--name', 'leaver']);
    expect((await signIn('leaver', password)).code).toBe(9024);
    // The same status again changes nothing, logs nothing, and says so.
    expect((await t.cli(['admin', 'disable', '--name', 'leaver'])).stdout.trim()).toBe('Operator leaver is disabled already: nothing changed.');
    expect((await t.cli(['admin', 'enable', '--name', 'leaver'])).stdout.trim()).toBe('Operator leaver is enabled: it signs in with the password it had.');
    expect((await signIn('leaver', password)).code).toBe(0);
    const log = (await t.p.store.listAuditLog({ limit: 20 })).map((e) => [e.action, e.detail]);
    expect(log.filter(([a]) => a === 'operator.disable' || a === 'operator.enable')).toEqual([
      ['operator.enable', { name: 'leaver', role: 'support' }], ['operator.disable', { name: 'leaver', role: 'support' }],
    ]);
    expect(log).toContainEqual(['session.signInFailed', expect.objectContaining({ outcome: 'disabled' })]);
    expect((await t.cli(['admin', 'disable', '--name', 'nobody'])).code).toBe(1);
  });

  it('admin list says until when a locked operator stays locked', async () => {
    await operator('ops');
    for (let i = 0; i < 5; i++) await signIn('ops', 'wrong-password-1');
    // Locked: the right password is refused too, until the lock ends.
    expect((await signIn('ops')).code).toBe(9021);
    expect((await t.cli(['admin', 'list'])).stdout).toMatch(/^ops {2}admin {4}TOTP off {2}LOCKED until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d {2}created /m);
    const [listed] = (await t.cliJ<{ operators: { locked: boolean; lockedUntilMs: string | null }[] }>(['admin', 'list'])).operators;
    expect(listed!.locked).toBe(true);
    // Fifteen minutes from the fifth wrong try (docs/consoles.md, "Sign-in limits").
    expect(Number(listed!.lockedUntilMs) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Number(listed!.lockedUntilMs) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  });

  it('warns when the last active admin is disabled: the console can no longer manage merchants', async () => {
    await operator('only-admin');
    const out = await t.cli(['admin', 'disable', '--name', 'only-admin']);
    expect(out.stdout).toContain("Warning: no active admin operator is left: the operator console can no longer manage merchants or wallets' accounts");
  });

  it("a disable racing the operator's own sign-ins leaves no live session: each either ends with the disable or is refused (9024)", async () => {
    await operator('racer');
    const started = Date.now();
    const before = sessionOf(await signIn('racer'));
    const halfASignIn = (Date.now() - started) / 2;
    const racing = [signIn('racer'), signIn('racer')];
    await new Promise((resolve) => setTimeout(resolve, halfASignIn));
    expect(await t.p.store.setOperatorStatus('racer', 'disabled')).not.toBeNull();
    const after = await signIn('racer');
    expect((await call('admin/operators', {}, before)).code).toBe(9120);
    expect(after.code).toBe(9024);
    for (const a of await Promise.all(racing)) {
      expect([0, 9024], a.msg).toContain(a.code);
      if (a.code === 0) expect((await call('admin/operators', {}, sessionOf(a))).code).toBe(9120);
    }
  });
});
