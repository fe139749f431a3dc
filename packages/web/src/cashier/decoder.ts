import { BrowserMultiFormatReader, type IScannerControls } from '@zxing/browser';
import { BarcodeFormat, DecodeHintType } from '@zxing/library';

/**
 * The camera decoder, ZXing's browser port. It is its own chunk, loaded on the first tap of the
 * camera button, so a till that only uses a scanner never downloads it.
 *
 * One decoder on every browser rather than BarcodeDetector where present: BarcodeDetector is
 * missing on desktop Chromium for Linux and Windows and on Firefox, so it would be a second path
 * that the tills this runs on, and our browser tests, would never exercise.
 */
export type Decoding = IScannerControls;

export function startDecoding(video: HTMLVideoElement, onText: (text: string) => void): Promise<Decoding> {
  // Only the two symbologies the wallet shows: fewer readers to try per frame, fewer false reads.
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [BarcodeFormat.QR_CODE, BarcodeFormat.CODE_128]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  const reader = new BrowserMultiFormatReader(hints, { delayBetweenScanAttempts: 100 });
  // The back camera on a phone or tablet; a laptop's only camera otherwise.
  return reader.decodeFromConstraints({ audio: false, video: { facingMode: 'environment' } }, video, (result) => {
    // Frames without a code come with an error instead of a result: that is the normal case.
    if (result !== undefined) onText(result.getText());
  });
}
