import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, useChromium } from './browser.js';
import { fakeCameraArgs, screenshotToY4m } from './fake-camera.js';
import { tillFor } from './cashier-page.js';
import { useServedPlatform } from './platform.js';
import { walletShowingCode } from './wallet-page.js';

// The camera for real: the wallet page's own QR code (and, separately, its barcode) is
// photographed, played to a second Chromium as its camera, and decoded by the cashier page.
describe('the cashier page reads a code with the camera', () => {
  const platform = useServedPlatform();
  const walletChromium = useChromium();
  let videoDir = '';
  beforeEach(() => {
    videoDir = mkdtempSync(join(tmpdir(), 'micropay-camera-'));
  });
  afterEach(() => {
    rmSync(videoDir, { recursive: true, force: true });
  });

  for (const symbol of [{ name: 'QR code', selector: '#qr' }, { name: 'Code 128 barcode', selector: '#barcode' }]) {
    it(`decodes the wallet page's ${symbol.name} into the code field, exactly its 18 digits`, async () => {
      const { page: walletPage, digits } = await walletShowingCode(platform, walletChromium.browser);
      const photo = screenshotPath(`camera-input-${symbol.selector.slice(1)}`);
      await walletPage.locator(symbol.selector).screenshot({ path: photo });
      const video = join(videoDir, 'camera.y4m');
      await screenshotToY4m(photo, video);

      const cashierBrowser = await launchChromium(fakeCameraArgs(video));
      try {
        const { page: cashier, problems } = await tillFor(platform, cashierBrowser);
        await cashier.getByRole('button', { name: 'Scan with camera' }).click();
        // A passing test takes 8–12 s here (Chromium's fake camera, decoding frame by frame); with
        // another browser test running beside it on two cores, 15 s was once too little.
        await expect.poll(() => cashier.locator('#code').inputValue(), { timeout: 40_000 }).toBe(digits);
        expect(await cashier.locator('#code-status').textContent()).toBe(`Code taken: ${digits.match(/.{1,4}/g)!.join(' ')}`);
        // The camera is closed once the code is read; with no amount yet, the keyboard goes to Amount.
        expect(await cashier.locator('#camera').isHidden()).toBe(true);
        expect(await cashier.evaluate(() => document.activeElement?.id)).toBe('amount');
        await cashier.screenshot({ path: screenshotPath(`cashier-after-camera-${symbol.selector.slice(1)}`) });
        expect(problems).toEqual([]);
      } finally {
        await cashierBrowser.close();
      }
    }, 60_000);
  }

  /** The camera button pressed as a keyboard user does: focused, then Enter. */
  async function pressCameraButton(page: Page): Promise<void> {
    await page.locator('#camera-button').focus();
    await page.keyboard.press('Enter');
  }

  it('the camera button keeps the focus while the camera opens, as Close camera, and after closing it', async () => {
    // A camera that shows no code (Chromium's test pattern): it opens and waits.
    const cashierBrowser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    try {
      const { page: cashier, problems } = await tillFor(platform, cashierBrowser);
      await pressCameraButton(cashier);
      await expect.poll(() => cashier.locator('#code-status').textContent(), { timeout: 20_000 }).toBe('Hold the code in front of the camera.');
      expect(await cashier.evaluate(() => [document.activeElement?.id, document.activeElement?.textContent, document.activeElement?.getAttribute('aria-pressed')]))
        .toEqual(['camera-button', 'Close camera', 'true']);
      await cashier.screenshot({ path: screenshotPath('cashier-camera-open') });
      // Enter again closes it, and the focus stays on the button.
      await cashier.keyboard.press('Enter');
      expect(await cashier.locator('#camera').isHidden()).toBe(true);
      expect(await cashier.evaluate(() => [document.activeElement?.id, document.activeElement?.textContent])).toEqual(['camera-button', 'Scan with camera']);
      expect(problems).toEqual([]);
    } finally {
      await cashierBrowser.close();
    }
  }, 60_000);

  it('with no camera the reason is said and the focus stays on the button', async () => {
    const { page: cashier, problems } = await tillFor(platform, walletChromium.browser);
    await pressCameraButton(cashier);
    await expect.poll(() => cashier.locator('#code-status').textContent()).not.toMatch(/^(Opening the camera…)?$/);
    expect(await cashier.locator('#code-status').textContent()).toBe('No camera was found on this device.');
    expect(await cashier.evaluate(() => [document.activeElement?.id, document.activeElement?.textContent])).toEqual(['camera-button', 'Scan with camera']);
    expect(problems).toEqual([]);
  });
});
