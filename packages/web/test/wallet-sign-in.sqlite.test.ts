import { describe, expect, it } from 'vitest';
import { PHONE, screenshotPath, useChromium, watchForProblems } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen } from './wallet-page.js';

// The page's side of sign-in, in real Chromium; the rules themselves (once, expiry, lockout,
// CSRF) are proven on both stores over HTTP in packages/server/test/page-sessions.test.ts.
describe('signing in to the wallet page', () => {
  const platform = useServedPlatform({ MICROPAY_LOG_LEVEL: 'debug' });
  const chromium = useChromium();

  it('a sign-in link opens the code screen once, and leaves the address bar at once', async () => {
    const wallet = await createWallet(platform.cliJ);
    const link = await platform.walletLink(wallet.walletId);
    const { page, problems } = await openCodeScreen(chromium.browser, link);
    expect(page.url()).toBe(`${platform.server.url}/wallet`);
    expect(await page.locator('#wallet-line').textContent()).toBe(`Alice · wallet ending ${wallet.walletId.slice(-4)} · available 50.00`);
    // The session is a cookie no script can read, sent to this site only.
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }))).toEqual([
      { name: 'micropay_wallet', httpOnly: true, sameSite: 'Strict', path: '/' },
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(problems).toEqual([]);

    // The same link in another browser profile: refused in plain words, the sign-in form shown.
    const other = await chromium.browser.newPage(PHONE);
    const otherProblems = watchForProblems(other);
    await other.goto(link);
    await expect.poll(() => other.getByRole('alert').textContent()).toBe(
      'This sign-in link was used already or has expired. Ask for a new one, or sign in with your wallet id and PIN.',
    );
    expect(await other.locator('#code-screen').isHidden()).toBe(true);
    expect(other.url()).toBe(`${platform.server.url}/wallet`);
    await other.screenshot({ path: screenshotPath('wallet-link-used'), fullPage: true });
    expect(otherProblems).toEqual([]);
    // Neither the link nor the session id reached the server's log.
    const session = cookies[0]!.value;
    const token = new URL(link).hash.slice('#link='.length);
    expect(platform.server.stderr() + platform.server.stdout()).not.toContain(token);
    expect(platform.server.stderr() + platform.server.stdout()).not.toContain(session);
  });

  it('walletId and PIN sign in; a wrong PIN is refused; sign-out ends the session, also after a reload', async () => {
    const wallet = await createWallet(platform.cliJ, '50.00', ['--pin', '2468']);
    const page = await chromium.browser.newPage(PHONE);
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/wallet`);
    // Nothing typed: what to type, not the API's "param error".
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Enter your wallet id (12 digits, starting 60) and your PIN (4 to 6 digits).');
    // … tied to the field to fix: marked, described by the error, and focused.
    const marks = () => page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]);
    expect(await marks()).toEqual(['wallet-id', 'true', 'sign-in-error']);
    // The id as cards group it, with spaces: they are not part of it.
    await page.getByLabel('Wallet id').fill(wallet.walletId.replace(/^(\d{4})(\d{4})(\d{4})$/, '$1 $2 $3'));
    await page.getByLabel('PIN', { exact: true }).fill('1111');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The wallet id and PIN do not match. After 5 wrong PINs in a row the wallet locks until the operator unlocks it.');
    expect(await page.getByLabel('PIN', { exact: true }).inputValue()).toBe('');
    // A wrong PIN marks the PIN (still described by the help beside it); the id typed since is not marked.
    expect(await marks()).toEqual(['pin', 'true', 'sign-in-error sign-in-help']);
    expect(await page.getByLabel('Wallet id').getAttribute('aria-invalid')).toBeNull();
    // A forgotten or locked PIN: the page says whom to ask, and the PIN field is described by it.
    expect(await page.locator('#sign-in-help').textContent()).toBe('Or open the one-time sign-in link the operator gave you. '
      + 'Forgot your PIN, or is it locked after wrong tries? Ask the operator: they unlock it, or give you a new PIN or a sign-in link.');
    await page.screenshot({ path: screenshotPath('wallet-sign-in-wrong-pin'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);

    await page.getByLabel('PIN', { exact: true }).fill('2468');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#qr svg').waitFor();
    // The sign-in form is gone: the keyboard starts at the code.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code-heading');
    // A reload keeps the session: the cookie, not the page's memory, holds it.
    await page.reload();
    await page.locator('#qr svg').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('You are signed out.');
    expect(await page.context().cookies()).toEqual([]);
    await page.reload();
    await page.getByLabel('Wallet id').waitFor();
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});
