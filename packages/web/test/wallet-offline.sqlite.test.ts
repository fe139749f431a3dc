import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium } from './browser.js';
import { createWallet, PEOPLE_TIME, useServedPlatform } from './platform.js';
import { openCodeScreen, payOfflineHere, revealDigits } from './wallet-page.js';

// The page's offline code is computed in the browser (WebCrypto); the store side of offline codes
// is proven on both stores by the server's tests (offline-codes.test.ts).
describe('the wallet page with its network cut (docs/offline-codes.md)', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  /** The wallet page's code screen with no network: the offline code this browser shows, once it pays offline. */
  async function offlineCodeShown(link: string, walletId: string) {
    const { page, problems } = await openCodeScreen(chromium.browser, link);
    await payOfflineHere(page, walletId);
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('No network: this offline code was made on your phone. It pays once.');
    return { page, problems, offline: await revealDigits(page) };
  }

  it('shows an offline code made in the browser, which pays once at the till; signing out revokes the browser\'s device', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    // Signed in, the page makes no offline codes by itself: a shared browser left open would make
    // them for whoever opens it offline. It offers them, for the holder's own phone.
    await page.locator('#keep-offline').waitFor();
    expect(await page.locator('#keep-offline-help').textContent())
      .toBe('Only on your own phone: until you sign out here, anyone who opens this browser with no network could show its codes and pay with them.');
    expect(await page.evaluate((id) => localStorage.getItem(`micropay.offline.${id}`), wallet.walletId)).toBeNull();
    expect((await platform.cliJ<{ devices: unknown[] }>(['wallet', 'devices', 'list', wallet.walletId])).devices).toEqual([]);
    await docsScreenshot(page.locator('#account'), 'wallet-pay-offline-offer');
    await payOfflineHere(page, wallet.walletId);
    await expect.poll(() => page.locator('#device-status').textContent()).toBe('This phone now pays offline: with no network, its code screen shows a code made here.');
    expect(await page.locator('#this-device').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('device-status');
    const online = await revealDigits(page);
    expect(online).toMatch(/^39/);

    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('No network: this offline code was made on your phone. It pays once.');
    const offline = await revealDigits(page);
    expect(offline).toMatch(/^38[0-9]{16}$/);
    await docsScreenshot(page.locator('#code-screen'), 'wallet-offline-code');

    // The cashier's till is online: the code pays, once.
    const paid = await platform.pay(offline, 'offline-page-1');
    expect(paid.stdout).toContain('PAID, amount 1.00');
    const again = await platform.pay(offline, 'offline-page-2');
    expect(again.stdout + again.stderr).toContain('1036');

    // Back online, signing out revokes this browser's device and forgets its secret.
    await page.context().setOffline(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    const devices = await platform.cliJ<{ devices: { status: string }[] }>(['wallet', 'devices', 'list', wallet.walletId]);
    expect(devices.devices.map((d) => d.status)).toEqual(['revoked']);
    expect(await page.evaluate((id) => localStorage.getItem(`micropay.offline.${id}`), wallet.walletId)).toBeNull();
    // The failed fetches of the offline minute are the test's doing, not the page's.
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('an offline code paid at a till after the page is back online: the page reads the wallet again by itself while the code may pay', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems, offline } = await offlineCodeShown(await platform.walletLink(wallet.walletId), wallet.walletId);
    await page.context().setOffline(false);
    await expect.poll(() => page.locator('#code-status').textContent(), { timeout: 15_000 }).toBe('A new code is shown.');
    expect(await page.locator('#wallet-line').textContent()).toMatch(/ · available 50\.00$/);
    // The holder walks to the till with the offline code still in mind (a screenshot, a slow till):
    // nobody tells the page, which reads the wallet again while such a code may still pay.
    expect((await platform.pay(offline, 'offline-late-1')).stdout).toContain('PAID, amount 1.00');
    await expect.poll(() => page.locator('#wallet-line').textContent(), { timeout: 10_000 }).toMatch(/ · available 49\.00$/);
    await expect.poll(() => page.locator('#history li').first().textContent()).toContain('-1.00');
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('an offline code charged above the confirmation limit: back online, the page asks for the PIN by itself', async () => {
    const wallet = await createWallet(platform.cliJ, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page, problems, offline } = await offlineCodeShown(await platform.walletLink(wallet.walletId), wallet.walletId);
    // The till is online: 1.00 is above the wallet's limit, so the payment waits for the holder.
    const pending = await platform.pay(offline, 'offline-confirm-1');
    expect(pending.stdout + pending.stderr).toContain('1024');
    await page.context().setOffline(false);
    // No code of the page shows this payment: once the platform answers again, it is asked for anyway.
    await page.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#confirm-amount').textContent()).toBe('1.00');
    await page.getByLabel('Your PIN', { exact: true }).fill('2468');
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.locator('#result-screen').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.locator('#result-heading').textContent()).toBe('Paid');
    expect(await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ balance: '49.00', held: '0.00' });
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('left on with no network, the page shows one offline code per 10-second step and never runs out; online again, the platform\'s code comes back by itself', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const key = `micropay.offline.${wallet.walletId}`;
    await payOfflineHere(page, wallet.walletId);
    // The page's clock starts 70 s behind the platform's, so after the minute it runs here its
    // code is still within the platform's window (±40 s) and pays at the till.
    await page.clock.install({ time: Date.now() - 70_000 });
    await page.reload();
    await page.locator('#qr svg').waitFor();
    const shown = async () => ({
      status: await page.locator('#code-status').textContent(),
      countdown: (await page.locator('#countdown').textContent())!,
      code: await revealDigits(page),
      counter: JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!).lastCounter as number,
      step: Math.floor((await page.evaluate(() => Date.now())) / 10_000),
    });
    const OFFLINE = 'No network: this offline code was made on your phone. It pays once.';

    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe(OFFLINE);
    const first = await shown();
    expect(first.counter).toBe(first.step);
    expect(first.countdown).toMatch(/^New code in ([1-9]|10) s$/);
    // From here the page's clock moves only when the test moves it, 1 s into each step: on a busy
    // machine, running time carried it past a step's end between reading the code and the clock.
    await page.clock.pauseAt((first.step + 1) * 10_000 + 1_000);
    await expect.poll(async () => (await shown()).counter).toBe(first.step + 1);

    // A minute with the screen left on: each step shows that step's code, one counter a step; the
    // status, read out by screen readers, is said once, not again at every step.
    await page.evaluate(() => {
      const w = window as unknown as { statusChanges: number };
      w.statusChanges = 0;
      new MutationObserver((changes) => { w.statusChanges += changes.length; })
        .observe(document.getElementById('code-status')!, { childList: true, characterData: true, subtree: true });
    });
    let last = await shown();
    for (let i = 0; i < 6; i++) {
      await page.clock.fastForward(10_000);
      await expect.poll(async () => (await shown()).counter).toBe(last.counter + 1);
      const now = await shown();
      expect(now).toMatchObject({ status: OFFLINE, counter: now.step });
      expect(now.code).not.toBe(last.code);
      last = now;
    }
    expect(await page.evaluate(() => (window as unknown as { statusChanges: number }).statusChanges)).toBe(0);
    const paid = await platform.pay(last.code, 'offline-left-on');
    expect(paid.stdout).toContain('PAID, amount 1.00');

    // Codes asked for ahead are kept, not passed, when the step ends. The clock stops 1 s into a
    // step (S), so the steps below are the test's alone.
    const S = last.step + 2;
    await page.clock.pauseAt(S * 10_000 + 1_000);
    await expect.poll(async () => (await shown()).counter).toBe(S);
    const newCode = async (counter: number) => {
      await page.getByRole('button', { name: 'New code' }).click();
      await expect.poll(async () => (await shown()).counter).toBe(counter);
    };
    await newCode(S + 1);
    await newCode(S + 2);
    const ahead = await shown();
    // It is shown until its own step ends (S + 3), not the clock's.
    expect(ahead.countdown).toBe('New code in 29 s');
    await page.clock.fastForward(10_000);
    await expect.poll(() => page.locator('#countdown').textContent()).toBe('New code in 19 s');
    expect(await shown()).toMatchObject({ code: ahead.code, counter: S + 2, step: S + 1 });
    // The window ahead is 4 steps (S + 5 from step S + 1): past it, no code, and when the next one comes.
    await newCode(S + 3);
    await newCode(S + 4);
    await newCode(S + 5);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent())
      .toBe('No network, and this phone has made all the offline codes it may for now. The next one comes in a few seconds.');
    expect(await page.locator('#digits').isVisible()).toBe(false);
    expect(await page.locator('#countdown').textContent()).toBe('New code in 9 s');
    await page.clock.fastForward(9_000);
    await expect.poll(() => page.locator('#code-status').textContent()).toBe(OFFLINE);
    expect(await shown()).toMatchObject({ counter: S + 6, step: S + 2 });

    // The network is back: the platform's code replaces the offline one without a tap.
    await page.context().setOffline(false);
    // At once, from the browser's online event; when that first try races the network's return
    // (a loaded machine), the page tries again at its next step: the test's clock goes on as the
    // holder's would, a second at a time. Never a tap.
    await expect.poll(async () => {
      const said = await page.locator('#code-status').textContent();
      if (said !== 'A new code is shown.') await page.clock.fastForward(1_000);
      return said;
    }, { timeout: 20_000 }).toBe('A new code is shown.');
    expect(await revealDigits(page)).toMatch(/^39/);
    expect(await page.locator('#countdown').textContent()).toMatch(/^Valid for \d+ s$/);
    // The offline code paid meanwhile: the balance is read again, not left as it was before.
    await expect.poll(() => page.locator('#wallet-line').textContent()).toMatch(/ · available 49\.00$/);
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('opened with no network, the page comes from the browser\'s own copy and shows the last wallet\'s offline code, which pays; back online it starts again', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await payOfflineHere(page, wallet.walletId);
    // The service worker keeps the page's shell once it is active.
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/wallet'))?.active?.state ?? null)).toBe('activated');
    await page.context().setOffline(true);
    await page.reload();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('No network: this offline code was made on your phone. It pays once.');
    expect(await page.locator('#wallet-line').textContent()).toBe(`Wallet ending ${wallet.walletId.slice(-4)}`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code-heading');
    const code = await revealDigits(page);
    expect(code).toMatch(/^38/);
    await docsScreenshot(page.locator('#code-screen'), 'wallet-offline-start');
    expect((await platform.pay(code, 'offline-start-1')).stdout).toContain('PAID, amount 1.00');

    // Back online: the page starts again, signed in as before, with the platform's code and the balance.
    await page.context().setOffline(false);
    await expect.poll(() => page.locator('#code-status').textContent(), { timeout: 10_000 }).toBe('Your payment code is shown.');
    expect(await revealDigits(page)).toMatch(/^39/);
    await expect.poll(() => page.locator('#wallet-line').textContent()).toMatch(/ · available 49\.00$/);
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('a browser signed in and left open, whose holder never asked for offline codes, shows none when opened with no network', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await page.locator('#keep-offline').waitFor();
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/wallet'))?.active?.state ?? null)).toBe('activated');
    // A shared computer: the tab is closed without a sign-out, and the next person opens the page offline.
    await page.context().setOffline(true);
    await page.reload();
    await page.locator('#sign-in').waitFor();
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
    // The browser remembers which wallet was here last, and no device of it: no secret, no code.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('micropay.offline.')))).toEqual(['micropay.offline.last']);
    await page.context().setOffline(false);
    expect((await platform.cliJ<{ devices: unknown[] }>(['wallet', 'devices', 'list', wallet.walletId])).devices).toEqual([]);
  });

  it('a device an earlier version enrolled at sign-in (the holder never asked) is forgotten at the next start, and offered again', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const key = `micropay.offline.${wallet.walletId}`;
    await payOfflineHere(page, wallet.walletId);
    const device = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!) as { deviceId: string; asked?: true };
    expect(device.asked).toBe(true);
    // As the earlier version kept it: no mark of the holder's asking.
    await page.evaluate((k) => localStorage.setItem(k, JSON.stringify({ ...JSON.parse(localStorage.getItem(k)!), asked: undefined })), key);
    await page.reload();
    await page.locator('#keep-offline').waitFor();
    await expect.poll(() => page.evaluate((k) => localStorage.getItem(k), key)).toBeNull();
    // Its secret is gone from the only place it was; not renewed, the device ends at its expiry,
    // and the holder stays signed in (a sign-out by its proof would end this session too).
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('MicroPay cannot be reached. Check the connection and try again.');
    expect(await page.locator('#digits').isVisible()).toBe(false);
    await page.context().setOffline(false);
    expect(await page.locator('#sign-in').isHidden()).toBe(true);
  });

  it('a browser whose session ended without a sign-out shows no offline code when opened with no network', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await payOfflineHere(page, wallet.walletId);
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/wallet'))?.active?.state ?? null)).toBe('activated');
    // The session ends (here: its cookie gone, as when it expires); the page, opened online, finds none.
    await page.context().clearCookies();
    await page.reload();
    await page.locator('#sign-in').waitFor();
    await page.context().setOffline(true);
    await page.reload();
    await page.locator('#sign-in').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('MicroPay cannot be reached. Check the connection and try again.');
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
    await page.context().setOffline(false);
  });

  it('a code request still on its way when the holder signs out does not bring the code screen back', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    let release: (() => void) | undefined;
    await page.route('**/api/page/wallet/paycode', (route) => {
      // A network that hangs: the answer comes after the sign-out, and says a code was issued.
      release = () => void route.fulfill({ json: { code: 0, msg: 'success', data: { payCode: '391234567890123456', expiresAtMs: String(Date.now() + 60_000) } } });
    });
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => release !== undefined).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    release!();
    // Nothing of the late answer is drawn: no code announced, and the sign-out's own words stay
    // (a code drawn would have been watched, refused, and signed out again in other words).
    await page.waitForTimeout(1_000);
    expect(await page.locator('#code-status').textContent()).not.toBe('A new code is shown.');
    expect(await page.getByRole('alert').textContent()).toBe('You are signed out.');
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
  });

  it('lists the wallet\'s devices; the holder signs another one out, and its codes pay no more', async () => {
    const wallet = await createWallet(platform.cliJ);
    const tabletFile = join(platform.dbPath, '..', 'tablet.json');
    const tablet = await platform.cliJ<{ deviceId: string }>(['wallet', 'devices', 'enrol', wallet.walletId, '--out', tabletFile, '--label', "Alice's tablet"]);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await payOfflineHere(page, wallet.walletId);
    const list = page.locator('#device-list');
    // The browser names itself by what it is, so two browsers of one holder tell apart.
    await expect.poll(() => list.locator('.device-name').allTextContents()).toEqual(["Alice's tablet", 'Chrome on Linux (this browser)']);
    // This browser has no button of its own there: the page's Sign out ends it.
    expect(await list.getByRole('button').count()).toBe(1);
    const meta = (await list.locator('.device-meta').first().textContent())!;
    expect(meta).toMatch(/^Enrolled .+; offline codes until .+$/);
    expect(meta.split('until ')[1]).toMatch(PEOPLE_TIME);
    await docsScreenshot(page.locator('#account'), 'wallet-devices');

    await list.getByRole('button', { name: /^Sign out Alice's tablet/ }).click();
    await expect.poll(() => page.locator('#device-status').textContent()).toBe("Alice's tablet is signed out: its offline codes pay no more.");
    expect(await list.locator('.device-name').allTextContents()).toEqual(['Chrome on Linux (this browser)']);
    // The keyboard lands on what happened, not at the top of the page.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('device-status');
    const code = (await platform.cli(['paycode', '--offline', tabletFile])).stdout.trim();
    const refused = await platform.pay(code, 'tablet-1');
    expect(refused.stdout + refused.stderr).toContain('1036');
    const devices = await platform.cliJ<{ devices: { deviceId: string; status: string }[] }>(['wallet', 'devices', 'list', wallet.walletId]);
    expect(devices.devices.find((d) => d.deviceId === tablet.deviceId)!.status).toBe('revoked');
    expect(problems).toEqual([]);
  });

  it('an enrolment past its end shows no offline code, and says so; online again, the page renews it or enrols anew', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const key = `micropay.offline.${wallet.walletId}`;
    await payOfflineHere(page, wallet.walletId);
    const first = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!) as { deviceId: string; expiresAtMs: number };
    expect(first.expiresAtMs).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // The browser kept the device past its end (a week away from the network, here written in).
    await page.evaluate((k) => localStorage.setItem(k, JSON.stringify({ ...JSON.parse(localStorage.getItem(k)!), expiresAtMs: Date.now() - 1000 })), key);
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toMatch(/^No network, and this phone's offline codes ended on .+\. Connect once to renew them\.$/);
    expect(await page.locator('#digits').isVisible()).toBe(false);
    await docsScreenshot(page.locator('#code-screen'), 'wallet-offline-expired');

    // Online again, a start renews the same device: offline codes come back.
    await page.context().setOffline(false);
    await page.reload();
    await expect.poll(async () => JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!).expiresAtMs).toBeGreaterThan(Date.now());
    expect(JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!).deviceId).toBe(first.deviceId);

    // A device the operator revoked is not renewed, and its page was signed out with it: after the
    // holder's next sign-in the page offers offline codes again, and makes a new device when asked.
    await platform.cliJ(['wallet', 'devices', 'revoke', wallet.walletId, first.deviceId]);
    await page.reload();
    await page.locator('#sign-in').waitFor();
    // A new link opened in the same tab: only the fragment changes, and the page signs in by it.
    await page.goto(await platform.walletLink(wallet.walletId));
    await page.locator('#qr svg').waitFor();
    await page.locator('#keep-offline').waitFor();
    expect(await page.evaluate((k) => localStorage.getItem(k), key)).toBeNull();
    await payOfflineHere(page, wallet.walletId);
    expect(JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!).deviceId).not.toBe(first.deviceId);
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('No network: this offline code was made on your phone. It pays once.');
    const code = await revealDigits(page);
    await page.context().setOffline(false);
    expect((await platform.pay(code, 'renewed-1')).stdout).toContain('PAID, amount 1.00');
  });

  it('signing out after the session ended, or with no network, still ends the browser\'s device', async () => {
    const wallet = await createWallet(platform.cliJ);
    const key = `micropay.offline.${wallet.walletId}`;
    const deviceOf = async (page: Page) => (JSON.parse((await page.evaluate((k) => localStorage.getItem(k), key))!) as { deviceId: string }).deviceId;
    const statusOf = async (deviceId: string) =>
      (await platform.cliJ<{ devices: { deviceId: string; status: string }[] }>(['wallet', 'devices', 'list', wallet.walletId])).devices.find((d) => d.deviceId === deviceId)!.status;

    // The session ended (here: its cookie gone) while the page was open: Sign out ends the device by its proof.
    const first = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await payOfflineHere(first.page, wallet.walletId);
    const expiredSession = await deviceOf(first.page);
    await first.page.context().clearCookies();
    await first.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await first.page.locator('#sign-in').waitFor();
    await expect.poll(() => statusOf(expiredSession)).toBe('revoked');

    // With no network: the secret goes at once; the proof waits in the browser and is sent at the next start.
    const second = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await payOfflineHere(second.page, wallet.walletId);
    const offline = await deviceOf(second.page);
    await second.page.context().setOffline(true);
    await second.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => second.page.evaluate((k) => localStorage.getItem(k), key)).toBeNull();
    const pending = await second.page.evaluate(() => localStorage.getItem('micropay.offline.sign-outs'));
    expect(pending).toContain(offline);
    expect(await statusOf(offline)).toBe('active');
    await second.page.context().setOffline(false);
    await second.page.reload();
    await expect.poll(() => statusOf(offline)).toBe('revoked');
    // The session the offline sign-out could not end is ended at this start, before anything is shown
    // (by the owed sign-out, or by the device's own sign-out, which ends the page it was enrolled in).
    const sessionAlive = () => second.page.evaluate(async () => {
      const r = await fetch('/api/page/wallet/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return ((await r.json()) as { data: { signedIn: boolean } }).data.signedIn;
    });
    await expect.poll(sessionAlive).toBe(false);
    expect(await second.page.evaluate(() => localStorage.getItem('micropay.wallet.sign-out-owed'))).toBeNull();
    expect(await second.page.locator('#sign-in').isVisible()).toBe(true);
    expect(await second.page.getByRole('alert').textContent()).toBe('You are signed out.');
    await expect.poll(() => second.page.evaluate(() => localStorage.getItem('micropay.offline.sign-outs'))).toBeNull();
  });
});
