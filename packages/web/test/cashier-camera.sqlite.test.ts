import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, watchForProblems } from './browser.js';
import { fakeCameraArgs, screenshotToY4m } from './fake-camera.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openTill } from './cashier-page.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

// The camera for real: the wallet page's own QR code (and, separately, its barcode) is
// photographed, played to a second Chromium as its camera, and decoded by the cashier page.
describe('the cashier page reads a code with the camera', () => {
  const platform = useServedPlatform();
  let walletBrowser: Browser;
  let videoDir = '';
  beforeAll(async () => {
    walletBrowser = await launchChromium();
  });
  afterAll(async () => {
    await walletBrowser?.close();
  });
  beforeEach(() => {
    videoDir = mkdtempSync(join(tmpdir(), 'micropay-camera-'));
  });
  afterEach(() => {
    rmSync(videoDir, { recursive: true, force: true });
  });

  for (const symbol of [{ name: 'QR code', selector: '#qr' }, { name: 'Code 128 barcode', selector: '#barcode' }]) {
    it(`decodes the wallet page's ${symbol.name} into the code field, exactly its 18 digits`, async () => {
      const wallet = await createWallet(platform.cliJ);
      const { page: walletPage } = await openCodeScreen(walletBrowser, await platform.walletLink(wallet.walletId));
      const digits = await revealDigits(walletPage);
      const photo = screenshotPath(`camera-input-${symbol.selector.slice(1)}`);
      await walletPage.locator(symbol.selector).screenshot({ path: photo });
      const video = join(videoDir, 'camera.y4m');
      await screenshotToY4m(photo, video);

      const cashierBrowser = await launchChromium(fakeCameraArgs(video));
      try {
        const cashier = await cashierBrowser.newPage({ viewport: { width: 800, height: 900 } });
        const problems = watchForProblems(cashier);
        await openTill(cashier, platform.server.url, await platform.cashier());
        await cashier.getByRole('button', { name: 'Scan with camera' }).click();
        await expect.poll(() => cashier.locator('#code').inputValue(), { timeout: 15_000 }).toBe(digits);
        expect(await cashier.locator('#code-status').textContent()).toBe(`Code taken: ${digits.match(/.{1,4}/g)!.join(' ')}`);
        // The camera is closed once the code is read, and the field has focus for the next scan.
        expect(await cashier.locator('#camera').isHidden()).toBe(true);
        expect(await cashier.evaluate(() => document.activeElement?.id)).toBe('code');
        await cashier.screenshot({ path: screenshotPath(`cashier-after-camera-${symbol.selector.slice(1)}`) });
        expect(problems).toEqual([]);
      } finally {
        await cashierBrowser.close();
      }
    });
  }
});
