import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, totpCode, totpStepAt } from '../../server/src/domain/totp.js';
import { cliJson, runCli, startServerProcess, stopAllChildren, type ServerProcess } from '../../server/test/process-helpers.js';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { signInToOperatorConsole } from './console-page.js';

// The operator console's Merchants, Wallets and Payouts in real Chromium against `micropay serve
// --sandbox`, signed in as the sandbox's operator (no TOTP); every access rule is proven on both
// stores over HTTP in packages/server/test/admin-manage.test.ts.
/** The payout account of the merchant whose payouts the Payouts section shows; the server keeps the IBAN without spaces. */
const HOLDER = 'Night Market Sdn Bhd';
const BANK = 'Westminster Bank';
const IBAN = 'GB82WEST12345698765432';

describe('the operator console: Merchants, Wallets, Payouts', () => {
  const chromium = useChromium();
  let server: ServerProcess;
  let dir = '';
  let db = '';
  let operatorPassword = '';
  let sandboxMchId = '';
  const cliJ = <T>(args: readonly string[]) => cliJson<T>([...args, '--db', db]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'micropay-admin-'));
    db = join(dir, 'micropay.db');
    server = await startServerProcess(['--port', '0', '--db', db, '--sandbox'], { lifetimeMs: 120_000 });
    operatorPassword = (await server.waitForStdout(/operator sandbox-ops, password (\S+)/))[1]!;
    sandboxMchId = (await server.waitForStdout(/Sandbox merchant {2}mchId ([0-9]+)/))[1]!;
  });
  afterEach(async () => {
    await stopAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(name: string, password: string, code = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchForProblems(page);
    await signInToOperatorConsole(page, `${server.url}/admin`, { name, password, code });
    return { page, problems };
  }

  const status = (page: Page) => page.locator('#section [role=status]').first().textContent();

  /**
   * Two payouts of merchant `mchId` (its API key `key`) after a payment to it: one to the account the CLI set, and one
   * as a payout requested before payout accounts has it (none recorded: the test takes it away).
   */
  async function merchantPayouts(mchId: string, key: string): Promise<{ toAccount: string; notRecorded: string }> {
    const wallet = await cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Shopper', '--balance', '10.00']);
    const { payCode } = await cliJ<{ payCode: string }>(['paycode', wallet.walletId]);
    const flags = ['--url', server.url, '--mch-id', mchId, '--order', 'night-1', '--amount', '5.00', '--code', payCode];
    expect((await runCli(['pay', ...flags], { env: { MICROPAY_KEY: key } })).code).toBe(0);
    await cliJ(['merchant', 'payout-account', mchId, '--holder', HOLDER, '--bank', BANK, '--account', 'GB82 WEST 1234 5698 7654 32']);
    const made: string[] = [];
    for (const requestId of ['night-a', 'night-b']) made.push((await cliJ<{ payoutId: string }>(['payout', 'create', '--mch-id', mchId, '--amount', '2.00', '--request-id', requestId])).payoutId);
    const store = new Database(db);
    store.prepare('UPDATE payouts SET to_holder_name = NULL, to_bank_name = NULL, to_account_number = NULL, to_account_set_at_ms = NULL WHERE payout_id = ?').run(made[1]);
    store.close();
    return { toAccount: made[0]!, notRecorded: made[1]! };
  }

  it('creates, imports, disables and enables a merchant and rolls its key; tops up, freezes, unfreezes, unlocks and closes a wallet; confirms a payout', async () => {
    const { page, problems } = await signIn('sandbox-ops', operatorPassword);
    const focused = () => page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`);
    // Signed in, the focus is on the first section's heading, not lost to the page.
    await expect.poll(focused).toBe('H2 Dashboard');
    await page.getByRole('link', { name: 'Merchants' }).click();
    await expect.poll(focused).toBe('H2 Merchants');
    await page.getByLabel('Name', { exact: true }).fill('Night Market');
    await page.getByLabel('Notify URL (optional)').fill('https://night.example/notify');
    await page.getByRole('button', { name: 'Create merchant' }).click();
    await expect.poll(() => status(page)).toMatch(/^Merchant [0-9]+ "Night Market" created\.$/);
    const firstKey = (await page.locator('.shown-once code').textContent())!;
    expect(firstKey.length).toBeGreaterThanOrEqual(32);
    const mchId = /Merchant ([0-9]+)/.exec((await status(page))!)![1]!;
    // The form is cleared once the merchant exists: a second Enter cannot make a second one.
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('');

    await page.getByLabel('Name (import)').fill('Moved Stall');
    await page.getByLabel('Merchant id on the old platform').fill('55550001');
    await page.getByLabel('Its key there').fill('Moved-Stall-Key-0123456789abcdef');
    await page.getByRole('button', { name: 'Import merchant' }).click();
    await expect.poll(() => status(page)).toBe('Merchant 55550001 "Moved Stall" imported with its key: its integration keeps working.');
    expect(await page.locator('.shown-once').count()).toBe(0);
    expect(await page.content()).not.toContain('Moved-Stall-Key');

    // Disabling stops a live integration: it asks first, and the way out has the focus.
    await page.getByRole('button', { name: `Disable ${mchId}` }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it active');
    await page.keyboard.press('Enter');
    expect(await page.locator('.confirm-step').count()).toBe(0);
    await page.getByRole('button', { name: `Disable ${mchId}` }).click();
    await page.getByRole('button', { name: `Disable ${mchId} now` }).click();
    await expect.poll(() => status(page)).toBe(`Merchant ${mchId} is disabled: its requests answer 1022.`);
    await page.getByRole('button', { name: `Enable ${mchId}` }).click();
    await expect.poll(() => status(page)).toBe(`Merchant ${mchId} is enabled.`);

    await page.getByLabel('Merchant id (roll key)').fill(mchId);
    await page.getByLabel('Old key works for (hours)').fill('1');
    await page.getByRole('button', { name: 'Roll key' }).click();
    expect(await page.locator('.confirm-step p').textContent()).toBe(`Roll the key of merchant ${mchId}? Its systems must switch to the new key: the old key works for 1 hour more.`);
    await page.getByRole('button', { name: `Roll the key of ${mchId}` }).click();
    await expect.poll(() => status(page)).toBe(`Merchant ${mchId} has a new key; the old one works for 1 hour.`);
    await expect.poll(() => page.getByLabel('Old key works for (hours)').inputValue()).toBe('24');
    const newKey = (await page.locator('.shown-once code').textContent())!;
    expect(newKey).not.toBe(firstKey);
    const row = page.locator('tr', { hasText: 'Night Market' });
    // The status line comes first, then the list is read again: the row is waited for.
    await expect.poll(() => row.locator('td').nth(5).textContent()).toMatch(/^Rolled .+; old key until .+$/);
    expect(await row.locator('td').nth(2).textContent()).toBe('Active');
    expect(await page.locator('tr', { hasText: 'Moved Stall' }).locator('td').first().textContent()).toBe('55550001');
    await docsScreenshot(page, 'admin-merchants', { fullPage: true });
    // The keys were shown once: a reload of the list has neither.
    await page.reload();
    await page.locator('tr', { hasText: 'Night Market' }).waitFor();
    expect(await page.content()).not.toContain(newKey);

    // Its payout account: none yet. A mistyped IBAN is refused beside the form before anything is asked.
    await page.getByRole('button', { name: `Payout account of ${mchId}` }).click();
    await expect.poll(focused).toBe(`H3 Payout account of merchant ${mchId}`);
    expect(await page.locator('.merchant-account p').first().textContent()).toBe('None set: its payouts are refused (9044) until one is.');
    await page.getByLabel('Account holder').fill(HOLDER);
    await page.getByLabel('Bank', { exact: true }).fill(BANK);
    await page.getByLabel('IBAN or account number').fill('GB82 WEST 1234 5698 7654 33');
    await page.getByRole('button', { name: 'Set payout account' }).click();
    await expect.poll(() => page.locator('.merchant-account [role=alert]').textContent())
      .toBe('The IBAN or account number is not a valid IBAN: its check digits do not match (a mistyped character?)');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('payout-account');
    expect(await page.locator('.merchant-account .confirm-step').count()).toBe(0);
    await page.getByLabel('IBAN or account number').fill('gb82 west 1234 5698 7654 32');
    expect(await page.locator('.merchant-account [role=alert]').textContent()).toBe('');
    // The question names the account as it will be kept.
    await page.getByRole('button', { name: 'Set payout account' }).click();
    await expect.poll(() => page.locator('.merchant-account .confirm-step p').textContent()).toBe(
      `Send the payouts of merchant ${mchId} to ${HOLDER}, ${BANK}, account ${IBAN} from now on? Payouts already requested keep their account.`);
    await page.getByRole('button', { name: `Set the account of ${mchId}` }).click();
    await expect.poll(() => status(page)).toBe(`Payouts of merchant ${mchId} now go to ${HOLDER}, ${BANK}, account ${IBAN}.`);
    expect(await page.locator('.merchant-account .account-number span').allTextContents()).toEqual(['GB82', 'WEST', '1234', '5698', '7654', '32']);
    await docsScreenshot(page.locator('.merchant-account'), 'admin-merchant-payout-account');

    await page.getByRole('link', { name: 'Wallets' }).click();
    // A refused search is said in the words of its label, at the field: marked, described, focused.
    await page.getByLabel('Wallet id or its first digits').fill('abc!');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => status(page)).toBe('The wallet id must be 1 to 12 digits (the start of a wallet id, or all of it)');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual(['search-id', 'true', 'wallets-status']);
    // Typed in again: the mark goes.
    await page.getByLabel('Wallet id or its first digits').fill('');
    expect(await page.getByLabel('Wallet id or its first digits').getAttribute('aria-invalid')).toBeNull();
    await page.getByLabel('Holder name contains').fill('sandbox');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#section tbody tr').count()).toBe(1);
    const walletId = (await page.locator('#section tbody tr td').first().textContent())!;
    await page.getByRole('button', { name: `Open ${walletId}` }).click();
    await expect.poll(focused).toBe(`H3 Wallet ${walletId}`);
    // The wallets found stay under the search; the wallet opened comes after them.
    expect(await page.evaluate(() => {
      const found = document.querySelector('#section .table-wrap')!;
      return found.compareDocumentPosition(document.querySelector('#wallet-detail')!) & Node.DOCUMENT_POSITION_FOLLOWING;
    })).toBeTruthy();
    // An amount that is none is said at the field, tied to it and focused, and nothing is asked.
    await page.getByLabel('Top-up amount').fill('-3');
    await page.keyboard.press('Enter');
    expect(await page.locator('#wallet-detail .confirm-step').count()).toBe(0);
    expect(await page.locator('#top-up-amount-problem').textContent()).toBe('The top-up amount must be an amount above 0.00, like 25.00, not "-3".');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual(['top-up-amount', 'true', 'top-up-amount-problem']);
    // A top-up asks once more, naming the amount as typed; "Not now" (the focus) moves nothing.
    await page.getByLabel('Top-up amount').fill('5.00');
    expect(await page.locator('#top-up-amount-problem').count()).toBe(0);
    await page.getByRole('button', { name: 'Top up', exact: true }).click();
    expect(await page.locator('#wallet-detail .confirm-step p').textContent()).toBe(`Top up wallet ${walletId} of Sandbox Wallet by 5.00? It holds 1000.00 now.`);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Not now');
    await page.keyboard.press('Enter');
    expect(await page.locator('#wallet-detail .confirm-step').count()).toBe(0);
    expect(await page.locator('#wallet-detail dd').nth(3).textContent()).toBe('1000.00');
    await page.getByRole('button', { name: 'Top up', exact: true }).click();
    await page.getByRole('button', { name: 'Top up 5.00' }).click();
    await expect.poll(() => status(page)).toBe(`Topped up 5.00: wallet ${walletId} holds 1005.00.`);
    // The holder's offline-code devices: one revoked alone, then the other by Revoke all.
    const phone = await cliJ<{ deviceId: string }>(['wallet', 'devices', 'enrol', walletId, '--out', join(dir, 'phone.json'), '--label', 'Phone']);
    const tablet = await cliJ<{ deviceId: string }>(['wallet', 'devices', 'enrol', walletId, '--out', join(dir, 'tablet.json'), '--label', 'Tablet']);
    await page.getByRole('button', { name: `Open ${walletId}` }).click();
    const devices = page.locator('.wallet-devices tbody tr');
    await expect.poll(() => devices.count()).toBe(2);
    await page.getByRole('button', { name: `Revoke device ${phone.deviceId}` }).click();
    await expect.poll(() => status(page)).toBe(`Device ${phone.deviceId} of wallet ${walletId} is revoked: its offline codes pay no more.`);
    // The detail was drawn anew: the keyboard lands on the status line, not at the top.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');
    expect(await page.locator('.wallet-devices tr', { hasText: phone.deviceId }).locator('td').nth(2).textContent()).toBe('Revoked');
    expect(await page.locator('.wallet-devices tr', { hasText: tablet.deviceId }).locator('td').nth(2).textContent()).toBe('Active');
    // Revoking all is asked once more; keeping them changes nothing.
    await page.getByRole('button', { name: 'Revoke all devices…' }).click();
    expect(await page.locator('.wallet-devices .confirm-step p').textContent()).toBe(
      `Revoke all 1 active device of wallet ${walletId}? Their offline codes stop paying, and the wallet pages they were enrolled in are signed out.`);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep them');
    // One question at a time: asking to close the wallet puts the revoke's question away, unanswered.
    await page.getByRole('button', { name: 'Close wallet…' }).click();
    expect(await page.locator('.confirm-step').count()).toBe(1);
    expect(await page.locator('.wallet-devices .confirm-step').count()).toBe(0);
    await page.keyboard.press('Escape');
    expect(await page.locator('.confirm-step').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke all devices…' }).click();
    await page.getByRole('button', { name: 'Keep them' }).click();
    expect(await page.locator('.wallet-devices .confirm-step').count()).toBe(0);
    expect(await page.locator('.wallet-devices tr', { hasText: tablet.deviceId }).locator('td').nth(2).textContent()).toBe('Active');
    await page.getByRole('button', { name: 'Revoke all devices…' }).click();
    await page.getByRole('button', { name: `Revoke every device of ${walletId}` }).click();
    await expect.poll(() => status(page)).toBe(`Every device of wallet ${walletId} is revoked: its offline codes pay no more.`);
    expect(await page.locator('.wallet-devices tr', { hasText: tablet.deviceId }).locator('td').nth(2).textContent()).toBe('Revoked');
    await page.getByRole('button', { name: 'Freeze' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId} is frozen: its payments fail until it is unfrozen.`);
    // The Freeze button is gone with the wallet drawn anew: the focus is on what was said, not lost to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');
    await page.getByRole('button', { name: 'Unfreeze' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId} is active again.`);
    expect(await page.locator('.wallet-devices tbody td:nth-child(3)').allTextContents()).toEqual(['Revoked', 'Revoked']);
    expect(await page.getByRole('button', { name: 'Revoke all devices…' }).count()).toBe(0);
    // Without a PIN, or with no wrong tries, there is nothing to unlock, and no button; after wrong tries there is.
    expect(await page.getByRole('button', { name: 'Unlock PIN' }).count()).toBe(0);
    await cliJ(['wallet', 'set-pin', walletId, '--pin', '2468']);
    await page.getByRole('button', { name: `Open ${walletId}` }).click();
    await expect.poll(() => page.locator('#wallet-detail dd').last().textContent()).toBe('Set (0 wrong tries)');
    expect(await page.getByRole('button', { name: 'Unlock PIN' }).count()).toBe(0);
    // Three wrong PINs, as the wallet API counts them (its own tests make them: wallet-api.test.ts).
    const file = new Database(db);
    file.prepare('UPDATE wallets SET pin_failures = 3 WHERE wallet_id = ?').run(walletId);
    file.close();
    await page.getByRole('button', { name: `Open ${walletId}` }).click();
    await page.getByRole('button', { name: 'Unlock PIN' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId}: confirmation with the PIN works again.`);
    // The holder's ways in: a PIN, a limit, a new app token (asked first) and a sign-in link, each shown once.
    // A new PIN signs the holder's pages out and revokes its devices: asked first, saying so.
    await page.getByRole('button', { name: 'Set PIN' }).click();
    expect(await page.locator('.holder-access [role=status]').textContent()).toBe('Type the new PIN first.');
    await page.getByLabel('New PIN (4 to 6 digits)').fill('8642');
    expect(await page.getByLabel('New PIN (4 to 6 digits)').getAttribute('autocomplete')).toBe('new-password');
    await page.getByRole('button', { name: 'Set PIN' }).click();
    expect(await page.locator('.holder-access .confirm-step p').textContent()).toBe(`Give wallet ${walletId} the PIN typed? With it the wallet page is signed out, unused sign-in links stop, and its offline-code devices are revoked (the holder enrols them again).`);
    expect(await page.getByLabel('New PIN (4 to 6 digits)').inputValue()).toBe('');
    await page.getByRole('button', { name: `Set the PIN of ${walletId}` }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId} has a new PIN: the wallet page is signed out, unused sign-in links stop, and its offline-code devices are revoked (the holder enrols them again).`);
    // A limit the rule refuses is said in the form's words.
    await page.getByLabel('Confirmation limit (an amount, or default)').fill('ten');
    await page.getByRole('button', { name: 'Set limit' }).click();
    await expect.poll(() => page.locator('.holder-access [role=status]').textContent()).toBe('The confirmation limit must be an amount like 250.00');
    await page.getByLabel('Confirmation limit (an amount, or default)').fill('40.00');
    await page.getByRole('button', { name: 'Set limit' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId}: payments above 40.00 ask the holder to confirm.`);
    await page.getByRole('button', { name: 'New app token…' }).click();
    expect(await page.locator('.holder-access .confirm-step p').textContent()).toBe(
      `Give wallet ${walletId} a new app token? The holder's app stops working with the old one at once, the wallet page is signed out, unused sign-in links stop, and its offline-code devices are revoked (the holder enrols them again); the new token is shown once here.`);
    await page.getByRole('button', { name: `New token for ${walletId}` }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${walletId} has a new app token: the old one no longer works, and the wallet page is signed out, unused sign-in links stop, and its offline-code devices are revoked (the holder enrols them again).`);
    expect(await page.locator('.shown-once').textContent()).toMatch(new RegExp(`^App token of wallet ${walletId}, shown once: wt_`));
    await page.getByRole('button', { name: 'Sign-in link' }).click();
    await expect.poll(() => status(page)).toBe(`A sign-in link for wallet ${walletId}: give it to the holder; it signs in once.`);
    const link = (await page.locator('.shown-once code').textContent())!;
    expect(link).toMatch(new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/wallet#link=\\S+$`));
    await docsScreenshot(page.locator('#wallet-detail').locator('..'), 'admin-wallet-access');
    // Its transactions, as the holder sees them, read when asked: the console's top-up is the newest.
    await page.getByRole('button', { name: 'Show transactions' }).click();
    const moves = page.locator('.wallet-history tbody tr');
    await expect.poll(() => moves.count()).toBeGreaterThan(1);
    const when = expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/);
    expect(await moves.first().locator('td').allTextContents()).toEqual([when, 'TOPUP', '5.00', '—', '—', '—', expect.stringMatching(/^[1-9][0-9]*$/), 'Reverse…']);
    expect(await page.locator('.wallet-history caption').textContent()).toBe(`Transactions of wallet ${walletId}, newest first`);
    // The console's top-up was a mistake: Reverse… asks why, then once more, naming the amount.
    const topUpEntry = (await moves.first().locator('td').nth(6).textContent())!;
    await moves.first().getByRole('button', { name: `Reverse the top-up of 5.00 (entry ${topUpEntry})` }).click();
    expect(await page.locator('.wallet-history .confirm-step p').first().textContent()).toMatch(
      new RegExp(`^Reverse the top-up of 5\\.00 made .+ \\(entry ${topUpEntry}\\)\\? 5\\.00 goes from wallet ${walletId} back to the platform float; the holder sees it in their history\\.$`));
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(`reverse-reason-${topUpEntry}`);
    await page.getByRole('button', { name: 'Reverse 5.00' }).click();
    await expect.poll(() => page.locator('.wallet-history .confirm-step [role=alert]').textContent()).toBe('Say why the top-up is reversed first.');
    await page.getByLabel('Why (kept in the audit log)').fill('typed twice at the desk');
    await page.getByRole('button', { name: 'Reverse 5.00' }).click();
    await expect.poll(() => status(page)).toBe(`Top-up of 5.00 reversed: wallet ${walletId} holds 1000.00.`);
    // The transactions stay shown, read again: the reversal on top, the top-up marked, without its button.
    await expect.poll(() => moves.first().locator('td').nth(1).textContent()).toBe('TOPUP_REVERSAL');
    expect(await moves.first().locator('td').allTextContents()).toEqual([when, 'TOPUP_REVERSAL', '-5.00', '—', '—', '—', expect.stringMatching(/^[1-9][0-9]*$/), '']);
    expect(await moves.nth(1).locator('td').allTextContents()).toEqual([when, 'TOPUP', '5.00', '—', '—', 'REVERSED', topUpEntry, '']);
    await docsScreenshot(page.locator('.wallet-history'), 'admin-wallet-reversed-top-up');
    const reversal = await cliJ<{ entries: { action: string; detail: Record<string, unknown> }[] }>(['audit-log', '--limit', '1']);
    expect(reversal.entries[0]).toMatchObject({ action: 'wallet.reverseTopUp', detail: { entryId: Number(topUpEntry), amount: '5.00', reason: 'typed twice at the desk' } });
    const holder = await chromium.browser.newPage({ viewport: { width: 390, height: 844 } });
    await holder.goto(link);
    await expect.poll(() => holder.locator('body').textContent(), { timeout: 10_000 }).toContain('Sandbox Wallet');
    await holder.close();
    expect(await page.locator('#wallet-detail dd').allTextContents()).toEqual(expect.arrayContaining([walletId, 'Active', '1000.00']));
    await docsScreenshot(page, 'admin-wallets', { fullPage: true });

    // A wallet that leaves: created here, closed after the confirm step; its money waits in Payouts.
    await page.getByLabel('Holder name', { exact: true }).fill('Leaving Holder');
    await page.getByLabel('Opening balance (optional)').fill('3.00');
    await page.getByLabel('PIN (optional, 4 to 6 digits)').fill('482915');
    await page.getByRole('button', { name: 'Create wallet' }).click();
    // Its opening balance is money from the float: asked about first, naming it as typed; the PIN is not kept in the form meanwhile.
    expect(await page.locator('.confirm-step p').textContent()).toBe('Create a wallet for Leaving Holder holding 3.00? The money comes from the platform float, as a top-up does.');
    expect(await page.getByLabel('PIN (optional, 4 to 6 digits)').inputValue()).toBe('');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Not now');
    await page.getByRole('button', { name: 'Create with 3.00' }).click();
    await expect.poll(() => status(page)).toMatch(/^Wallet [0-9]{12} created for Leaving Holder\.$/);
    const leaving = /Wallet ([0-9]{12})/.exec((await status(page))!)![1]!;
    await expect.poll(async () => [await page.getByLabel('Holder name', { exact: true }).inputValue(), await page.getByLabel('Opening balance (optional)').inputValue()]).toEqual(['', '']);
    expect(await page.locator('.shown-once code').textContent()).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    await page.getByRole('button', { name: 'Close wallet…' }).click();
    // Half an account closes nothing: the refusal names the missing field.
    await page.getByLabel("Holder's account name").fill('Leaving Holder');
    await page.getByRole('button', { name: `Close ${leaving} for good` }).click();
    // The step stays, with what was typed, says why in it, and puts the focus on the missing field.
    await expect.poll(() => page.locator('.confirm-step [role=alert]').textContent()).toBe('The bank is required: a bank account takes its holder, its bank and its number, all three');
    expect(await page.getByLabel("Holder's account name").inputValue()).toBe('Leaving Holder');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('close-bank');
    await page.getByLabel('Bank', { exact: true }).fill('East Bank');
    expect(await page.locator('.confirm-step [role=alert]').textContent()).toBe('');
    await page.getByLabel('IBAN or account number').fill('000 1234 5678');
    await docsScreenshot(page.locator('#wallet-detail'), 'admin-wallet-close');
    await page.getByRole('button', { name: `Close ${leaving} for good` }).click();
    await expect.poll(() => status(page)).toMatch(new RegExp(`^Wallet ${leaving} is closed; payout [0-9]+ of 3\\.00 waits in Payouts\\.$`));
    const payoutId = /payout ([0-9]+)/.exec((await status(page))!)![1]!;
    const { toAccount, notRecorded } = await merchantPayouts(mchId, newKey);

    // Each payout says where finance transfers it: the merchant's account, number whole.
    await page.getByRole('link', { name: 'Payouts' }).click();
    const payoutRow = page.locator('tr', { hasText: payoutId });
    await payoutRow.waitFor();
    expect(await payoutRow.locator('td').nth(1).textContent()).toBe(`Wallet ${leaving} (closed)\nLeaving Holder\nEast Bank\n00012345678`);
    // Its account was set a moment before it was requested: finance is told, before transferring.
    expect(await page.locator('tr', { hasText: toAccount }).locator('td').nth(1).textContent()).toBe(`Merchant ${mchId}\n${HOLDER}\n${BANK}\n${IBAN}`
      + '\nNew account: set under a minute before this payout was requested. Check the change with the merchant before transferring.');
    expect(await page.locator('tr', { hasText: toAccount }).locator('.new-account').count()).toBe(1);
    expect(await page.locator('tr', { hasText: notRecorded }).locator('td').nth(1).textContent()).toBe(`Merchant ${mchId}\nNot recorded (requested before payout accounts)`);
    await docsScreenshot(page, 'admin-payouts', { fullPage: true });
    // The payout file of what the list shows: the days chosen, in the platform's zone, then Download CSV.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kuala_Lumpur' }).format(Date.now());
    // A day with none: the list says so (it read the days chosen).
    const tomorrow = new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Requested from').fill(tomorrow);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('caption', { hasText: 'No payouts here' }).waitFor();
    // A choice refused (from after to) shows no rows of the choice before, and offers no file of them.
    await page.getByLabel('Requested to').fill(today);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => status(page)).toBe(`param error: from (${tomorrow}) is after to (${today})`);
    expect(await page.locator('#section table').count()).toBe(0);
    expect(await page.locator('#payouts-download').isDisabled()).toBe(true);
    await page.getByLabel('Requested from').fill(today);
    await page.getByLabel('Requested to').fill(today);
    expect(await page.locator('#payout-days').textContent()).toBe('Days are in Asia/Kuala_Lumpur, both included; leave one empty for no bound.');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('tr', { hasText: toAccount }).waitFor();
    expect(await page.locator('#section caption').textContent()).toBe('Payouts in no payout file yet');
    // The payouts in no file yet become payout file 1: the file saved, and the list showing it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as a new payout file', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('payout-file-1.csv');
    const payoutCsv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(payoutCsv[0]).toBe('payoutId,status,amount,merchantId,walletId,requestId,holderName,bankName,accountNumber,newAccount,requestedAt,finishedAt,failReason,file');
    expect(payoutCsv.filter((line) => line.startsWith(toAccount))).toEqual([expect.stringMatching(
      new RegExp(`^${toAccount},REQUESTED,2\\.00,${mchId},,night-a,${HOLDER},${BANK},${IBAN},yes,${today} [0-9:]{8},,,1$`))]);
    expect(payoutCsv.filter((line) => /^[0-9]/.test(line)).map((line) => line.split(',')[0]).sort()).toEqual([payoutId, toAccount, notRecorded].sort());
    await expect.poll(() => status(page)).toBe('Downloaded payout-file-1.csv: Payout file 1: 3 payouts, 7.00 in all; '
      + '1 to a NEW ACCOUNT (newAccount yes): check it with the merchant before transferring. They are marked as in file 1, and no new file will hold them again; '
      + 'confirm or fail each when the bank answers.');
    expect(await page.locator('#section caption').textContent()).toBe('Payout file 1');
    expect([await page.getByLabel('Show').inputValue(), await page.getByLabel('Payout file').inputValue(), await page.getByLabel('Requested from').inputValue()]).toEqual(['REQUESTED', '1', '']);
    expect(await page.locator('tr', { hasText: toAccount }).locator('td').nth(4).textContent()).toBe('REQUESTED\nIn payout file 1');
    expect(await page.getByRole('button', { name: 'Download CSV of these payouts' }).textContent()).toBe('Download CSV');
    await docsScreenshot(page.locator('#section'), 'admin-payouts-file');
    // What no file holds is what is new: nothing, until another payout is requested.
    await page.getByLabel('Show').selectOption('new');
    await page.getByLabel('Payout file').fill('');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('caption', { hasText: 'No payouts here' }).waitFor();
    await page.getByLabel('Show').selectOption('all');
    await page.getByLabel('Payout file').fill('1');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('tr', { hasText: toAccount }).waitFor();
    // Confirming names the account the bank should have paid, and says again, first and in red, that it is new.
    await page.getByRole('button', { name: `Confirm ${toAccount}` }).click();
    expect(await page.locator('.confirm-step p').textContent()).toBe(
      'New account: set under a minute before this payout was requested. Check the change with the merchant before transferring. '
      + `Has the bank paid 2.00 to merchant ${mchId} (${HOLDER}, ${BANK}, account ${IBAN})? Payout ${toAccount} becomes PAID_OUT, which is final: the money has left the platform.`);
    expect(await page.locator('.confirm-step p .new-account').count()).toBe(1);
    await page.getByRole('button', { name: 'Not yet' }).click();
    // "Not yet" gives the focus back to what asked.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Confirm ${toAccount}`);
    // The bank refused the closed wallet's transfer: Enter in the reason asks the Fail question, and
    // only asks it: neither the key nor its repeat, held down, presses the question's "Not yet".
    // An empty reason is asked for first: the question waits for it.
    await page.getByLabel(`Why payout ${payoutId} failed`).press('Enter');
    await expect.poll(() => status(page)).toBe(`Type the bank's reason for payout ${payoutId} first: it is kept with the failed payout.`);
    expect(await page.locator('.confirm-step').count()).toBe(0);
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual([`reason-${payoutId}`, 'true', 'payouts-status']);
    // Another row's reason is not described by this refusal; refused in turn, it is, and this one no longer.
    const other = page.locator(`input[id^="reason-"]:not(#reason-${payoutId})`).first();
    expect(await other.getAttribute('aria-describedby')).toBeNull();
    await other.press('Enter');
    expect(await other.evaluate((i) => [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby')])).toEqual(['true', 'payouts-status']);
    expect(await page.getByLabel(`Why payout ${payoutId} failed`).evaluate((i) => [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby')])).toEqual([null, null]);
    await page.getByLabel(`Why payout ${payoutId} failed`).fill('account closed');
    expect(await page.getByLabel(`Why payout ${payoutId} failed`).evaluate((i) => [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby')])).toEqual([null, null]);
    await page.keyboard.down('Enter');
    await page.keyboard.down('Enter');
    await page.keyboard.up('Enter');
    expect(await page.locator('.confirm-step p').textContent()).toBe(
      `Did the bank refuse payout ${payoutId} ("account closed")? It becomes FAILED, which is final, and 3.00 goes back to the holder of wallet ${leaving}.`);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Not yet');
    // The request to type the reason has gone with the question.
    expect(await status(page)).toBe('');
    await page.getByRole('button', { name: `Yes, ${payoutId} failed` }).click();
    await expect.poll(() => status(page)).toBe(`Payout ${payoutId} FAILED: 3.00 went back.`);

    // The bank paid the rest of file 1: its waiting payouts at once, checked against the bank's total.
    await page.getByLabel('Show').selectOption('REQUESTED');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.locator('caption', { hasText: 'Payout file 1' }).waitFor();
    await expect.poll(() => page.locator('#section tbody tr').count()).toBe(2);
    const bankTotal = page.getByLabel('Total the bank paid of file 1');
    await page.getByRole('button', { name: 'Confirm the rest of file 1…' }).click();
    await expect.poll(() => status(page)).toBe('Type the total the bank reports it paid of file 1 first.');
    // Said at the total: marked, described by what was said, and focused.
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual(['payout-file-total', 'true', 'payouts-status']);
    // The file's whole 7.00, as if the refusal had not been recorded: the server refuses, nothing moves.
    await bankTotal.fill('7.00');
    await bankTotal.press('Enter');
    expect(await page.locator('.confirm-step p').textContent()).toBe('Has the bank paid every payout of file 1 still waiting, 7.00 in all? '
      + 'Record the ones it refused with Fail first. Those still waiting become PAID_OUT together, which is final: the money has left the platform.');
    await page.getByRole('button', { name: 'Yes, file 1 is paid out' }).click();
    await expect.poll(() => status(page)).toBe('payout file total differs: the 2 payouts of file 1 still REQUESTED come to 4.00, not 7.00: '
      + "no payout was confirmed. Record the bank's refusals first, then confirm the rest");
    expect(await page.locator('#section tbody tr').count()).toBe(2);
    // The keyboard is back on the total, marked, to correct it.
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['payout-file-total', 'true']);
    await bankTotal.fill('4.00');
    await page.getByRole('button', { name: 'Confirm the rest of file 1…' }).click();
    await docsScreenshot(page.locator('#section'), 'admin-payouts-file-paid');
    await page.getByRole('button', { name: 'Yes, file 1 is paid out' }).click();
    await expect.poll(() => status(page)).toBe('Payout file 1: 2 payouts are PAID_OUT, 4.00 in all: the money has left the platform.');
    await page.locator('caption', { hasText: 'No payouts here' }).waitFor();
    expect(await page.getByRole('button', { name: 'Confirm the rest of file 1…' }).count()).toBe(0);

    // The money is back in the closed wallet, which can only pay it out again: with another account.
    await page.getByRole('link', { name: 'Wallets' }).click();
    // A search that finds nothing says so, with no column names over an empty table.
    await page.getByLabel('Wallet id or its first digits').fill('999999');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('caption', { hasText: 'No wallet matches' }).waitFor();
    expect(await page.locator('#section thead').count()).toBe(1);
    expect(await page.locator('#section thead').isHidden()).toBe(true);
    await page.getByLabel('Wallet id or its first digits').fill(leaving);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Open ${leaving}` }).click();
    await expect.poll(() => page.locator('#wallet-detail dd').allTextContents()).toEqual(expect.arrayContaining([leaving, 'Closed', '3.00']));
    expect(await page.getByRole('button', { name: 'Freeze' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Pay out again…' }).click();
    expect(await page.locator('.confirm-step p').first().textContent()).toBe(
      `Pay 3.00 out to the holder of closed wallet ${leaving}? A payout of it failed and the money came back (or it was closed before payouts); a new payout waits in Payouts.`);
    await page.getByLabel("Holder's account name").fill('Leaving Holder');
    await page.getByLabel('Bank', { exact: true }).fill('West Bank');
    await page.getByLabel('IBAN or account number').fill('98765-4321');
    await page.getByRole('button', { name: `Pay out ${leaving} again` }).click();
    await expect.poll(() => status(page)).toMatch(new RegExp(`^Wallet ${leaving} is paid out again; payout [0-9]+ of 3\\.00 waits in Payouts\\.$`));
    const again = /payout ([0-9]+)/.exec((await status(page))!)![1]!;
    expect(again).not.toBe(payoutId);
    expect(await page.getByRole('button', { name: 'Pay out again…' }).count()).toBe(0);

    // A payout's outcome is final: Confirm asks whether the bank paid, naming the amount and the account.
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.getByRole('button', { name: `Confirm ${again}` }).click();
    expect(await page.locator('.confirm-step p').textContent()).toBe(
      `Has the bank paid 3.00 to the holder of wallet ${leaving} (Leaving Holder, West Bank, account 987654321)? Payout ${again} becomes PAID_OUT, which is final: the money has left the platform.`);
    await page.getByRole('button', { name: `Yes, ${again} is paid out` }).click();
    await expect.poll(() => status(page)).toBe(`Payout ${again} is PAID_OUT: the money has left the platform.`);
    // The row is gone; the focus is on what was done, not lost to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');
    await expect.poll(() => page.locator('tr', { hasText: again }).count()).toBe(0);

    // The CLI sees what the console did, each action in the audit log under the operator.
    const listed = await cliJ<{ payouts: { payoutId: string; status: string; failReason: string | null }[] }>(['payout', 'list', '--status', 'all']);
    expect(listed.payouts.find((x) => x.payoutId === payoutId)).toMatchObject({ status: 'FAILED', failReason: 'account closed' });
    expect([toAccount, notRecorded].map((id) => listed.payouts.find((x) => x.payoutId === id)?.status)).toEqual(['PAID_OUT', 'PAID_OUT']);
    expect(listed.payouts.find((x) => x.payoutId === again)?.status).toBe('PAID_OUT');
    expect((await cliJ<{ balance: string }>(['wallet', 'show', leaving])).balance).toBe('0.00');
    const log = await cliJ<{ entries: { action: string; actor: { name: string } }[] }>(['audit-log', '--actor', 'operator']);
    // Its sign-in is there too, the PIN it unlocked after three wrong tries, and the holder's ways in.
    expect(new Set(log.entries.map((e) => e.action).filter((a) => !a.startsWith('session.')))).toEqual(new Set([
      'merchant.create', 'merchant.import', 'merchant.disable', 'merchant.enable', 'merchant.rollKey', 'merchant.setPayoutAccount',
      'wallet.topUp', 'wallet.reverseTopUp', 'device.revoke', 'wallet.freeze', 'wallet.unfreeze', 'wallet.unlockPin', 'wallet.setPin', 'wallet.setConfirmLimit', 'wallet.newToken',
      'wallet.signInLink', 'wallet.create', 'wallet.close', 'payout.download', 'payout.fail', 'payout.confirm', 'payout.confirmFileRefused',
    ]));
    expect(new Set(log.entries.map((e) => e.actor.name))).toEqual(new Set(['sandbox-ops']));
    expect(sandboxMchId).not.toBe(mchId);
    expect(problems).toEqual([]);
  }, 120_000);

  it('a support operator reads payouts and merchants but sees no button to change them, and cares for wallets; made finance, it confirms payouts', async () => {
    const sam = await cliJ<{ password: string }>(['admin', 'create', '--name', 'sam', '--role', 'support']);
    const leaving = await cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Leaving', '--balance', '3.00']);
    const closed = await cliJ<{ payout: { payoutId: string } }>(['wallet', 'close', leaving.walletId]);
    const kept = await cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Kept', '--balance', '5.00']);
    const { page, problems } = await signIn('sam', sam.password);
    expect(await page.locator('#console-who').textContent()).toBe('Operator sam · support');

    await page.getByRole('link', { name: 'Payouts' }).click();
    const row = page.locator('tr', { hasText: closed.payout.payoutId });
    await row.waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.locator('#section .role-note').textContent())
      .toBe('Your role, support, reads this; downloading the payout file and confirming and failing payouts is for admin or finance.');
    // The payout file holds every account number whole: support is offered none (the server refuses it 9122).
    expect(await page.locator('#payouts-download').count()).toBe(0);
    await docsScreenshot(page.locator('#section'), 'admin-support-payouts');

    await page.getByRole('link', { name: 'Merchants' }).click();
    await page.locator('tr', { hasText: 'Sandbox Merchant' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create merchant' }).count()).toBe(0);
    // It reads the merchant's payout account, with no form to change it.
    const sandboxRow = page.locator('tr', { hasText: 'Sandbox Merchant' });
    expect(await sandboxRow.getByRole('button').allTextContents()).toEqual(['Payout account', 'Users']);
    await sandboxRow.getByRole('button', { name: /^Payout account of / }).click();
    await page.locator('.merchant-account h3').waitFor();
    expect(await page.locator('.merchant-account form').count()).toBe(0);
    // It reads the merchant's users and their state, with no button to change them.
    await sandboxRow.getByRole('button', { name: /^Users of / }).click();
    await expect.poll(() => page.locator('.merchant-users table tbody tr').count()).toBe(2);
    expect(await page.locator('.merchant-users table tbody tr').nth(0).locator('td').allTextContents()).toEqual(['sandbox-owner', 'owner', '—', 'Active']);
    expect(await page.locator('.merchant-users button').count()).toBe(0);
    expect(await page.locator('.merchant-account h3').count()).toBe(0);

    // Wallet care is support's: Freeze and Unlock PIN; not Top up or Close.
    await page.getByRole('link', { name: 'Wallets' }).click();
    await page.getByRole('button', { name: `Open ${kept.walletId}` }).click();
    await page.getByRole('button', { name: 'Freeze' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${kept.walletId} is frozen: its payments fail until it is unfrozen.`);
    expect(await page.getByRole('button', { name: 'Top up' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Close wallet…' }).count()).toBe(0);
    // Nor a holder's ways in, which would let it spend the holder's money; it reads the transactions.
    expect(await page.locator('.holder-access').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Show transactions' }).count()).toBe(1);
    expect(await page.locator('#section .role-note').textContent()).toMatch(/^Your role, support, reads everything; /);

    await page.getByRole('link', { name: 'Operators' }).click();
    await expect.poll(() => page.locator('tr', { hasText: 'sam' }).locator('td').nth(1).textContent()).toBe('support');

    // A new role applies to the console already open, from its next request: a change refused for
    // the role (Unfreeze, which finance may not) draws the console anew for the role it has now.
    await page.getByRole('link', { name: 'Wallets' }).click();
    await page.getByRole('button', { name: `Open ${kept.walletId}` }).click();
    await cliJ(['admin', 'set-role', '--name', 'sam', '--role', 'finance']);
    await page.getByRole('button', { name: 'Unfreeze' }).click();
    await expect.poll(() => page.locator('#console-who').textContent()).toBe('Operator sam · finance');
    expect(await page.locator('#console-notice').textContent())
      .toBe('Your role changed since the console was drawn: it is now drawn for Operator sam · finance, with what that role may do.');
    expect((await cliJ<{ status: string }>(['wallet', 'show', kept.walletId])).status).toBe('frozen');
    await page.getByRole('link', { name: 'Payouts' }).click();
    await row.getByRole('button', { name: `Confirm ${closed.payout.payoutId}` }).waitFor();
    expect(await page.locator('#console-who').textContent()).toBe('Operator sam · finance');
    expect(await page.getByRole('button', { name: 'Download as a new payout file', exact: true }).count()).toBe(1);
    // The refused Unfreeze is the test's doing: its 403 is the only problem.
    expect(problems.filter((p) => !/403/.test(p))).toEqual([]);
  }, 90_000);

  it('an operator created with --totp signs in with the code computed from the printed secret and reaches Merchants', async () => {
    const created = await cliJ<{ password: string; totpSecret: string }>(['admin', 'create', '--name', 'night-ops', '--totp']);
    const { page, problems } = await signIn('night-ops', created.password, totpCode(base32Decode(created.totpSecret)!, totpStepAt(Date.now())));
    expect(await page.locator('#console-who').textContent()).toBe('Operator night-ops · admin');
    await page.getByRole('link', { name: 'Merchants' }).click();
    await expect.poll(() => page.locator('tr', { hasText: 'Sandbox Merchant' }).locator('td').first().textContent()).toBe(sandboxMchId);
    expect(problems).toEqual([]);
  }, 60_000);

  it('a top-up whose answer is lost says it may have been made; asked again as it was, it tops up once', async () => {
    const fin = await cliJ<{ password: string }>(['admin', 'create', '--name', 'fin', '--role', 'finance']);
    const w = await cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Lost Top-up', '--balance', '42.00']);
    const { page, problems } = await signIn('fin', fin.password);
    await page.getByRole('link', { name: 'Wallets' }).click();
    await page.getByLabel('Wallet id or its first digits').fill(w.walletId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Open ${w.walletId}` }).click();
    // The server tops up; the browser never gets the answer.
    await page.route('**/api/page/admin/wallets/top-up', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByLabel('Top-up amount').fill('5.00');
    await page.getByRole('button', { name: 'Top up', exact: true }).click();
    await page.getByRole('button', { name: 'Top up 5.00' }).click();
    await expect.poll(() => status(page)).toBe('MicroPay cannot be reached. Check the connection and try again. It may have been done all the same: '
      + 'the wallet below is as it is now. A top-up asked again with the same amount tops up once.');
    expect((await cliJ<{ balance: string }>(['wallet', 'show', w.walletId])).balance).toBe('47.00');
    await page.unroute('**/api/page/admin/wallets/top-up');
    await page.getByLabel('Top-up amount').fill('5.00');
    await page.getByRole('button', { name: 'Top up', exact: true }).click();
    await page.getByRole('button', { name: 'Top up 5.00' }).click();
    await expect.poll(() => status(page)).toBe(`Wallet ${w.walletId} was topped up by 5.00 already (the answer to the earlier Top up was lost): nothing moved again; it holds 47.00.`);
    expect((await cliJ<{ balance: string }>(['wallet', 'show', w.walletId])).balance).toBe('47.00');
    expect(problems.filter((x) => !/ERR_CONNECTION_RESET|Failed to load resource/.test(x))).toEqual([]);
  }, 60_000);

  it('a new payout file whose answer is lost: the list is read again, and the words say that a file may have been made and where', async () => {
    const fin = await cliJ<{ password: string }>(['admin', 'create', '--name', 'fin', '--role', 'finance']);
    const leaving = await cliJ<{ walletId: string }>(['wallet', 'create', '--name', 'Lost Answer', '--balance', '4.00']);
    const closed = await cliJ<{ payout: { payoutId: string } }>(['wallet', 'close', leaving.walletId]);
    const { page, problems } = await signIn('fin', fin.password);
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.locator('tr', { hasText: closed.payout.payoutId }).waitFor();
    // The server answers (the file is made); the browser never gets the answer.
    await page.route('**/api/page/admin/payouts/download', async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Download as a new payout file', exact: true }).click();
    await expect.poll(() => status(page)).toBe('MicroPay cannot be reached. Check the connection and try again. A payout file may have been made all the same: '
      + 'payouts gone from this list are in it. Choose Waiting for the bank (REQUESTED) to see "In payout file N" under each, and save that file by its number.');
    await page.locator('caption', { hasText: 'No payouts here' }).waitFor();
    const listed = await cliJ<{ payouts: { payoutId: string; fileNo: number | null }[] }>(['payout', 'list']);
    expect(listed.payouts.find((x) => x.payoutId === closed.payout.payoutId)?.fileNo).toBe(1);
    await page.getByLabel('Show').selectOption('REQUESTED');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => page.locator('tr', { hasText: closed.payout.payoutId }).locator('td').nth(4).textContent()).toBe('REQUESTED\nIn payout file 1');
    expect(problems.filter((x) => !/ERR_CONNECTION_RESET|Failed to load resource/.test(x))).toEqual([]);
  }, 60_000);
});
