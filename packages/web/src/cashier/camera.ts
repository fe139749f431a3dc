import { say } from '../shared/page.js';
import { isPayCode, normalizePayCode } from '../shared/pay-code.js';
import type { Decoding } from './decoder.js';

export interface CameraElements {
  readonly button: HTMLButtonElement;
  readonly video: HTMLVideoElement;
  readonly status: HTMLElement;
}

/**
 * The camera button: the first tap opens the camera and decodes QR and Code 128 frames until one
 * holds a payment code, which it hands on and closes the camera. A second tap closes it unused.
 */
export class Camera {
  private decoding: Decoding | null = null;
  /** The camera is being opened: a tap meanwhile does nothing (the button is not disabled, see open). */
  private opening = false;

  constructor(
    private readonly elements: CameraElements,
    private readonly onCode: (digits: string) => void,
  ) {
    elements.button.addEventListener('click', () => {
      if (this.opening) return;
      void (this.decoding === null ? this.open() : this.close());
    });
  }

  private async open(): Promise<void> {
    const { button, video, status } = this.elements;
    // Not disabled while the camera opens: a disabled button loses the focus to the page's start,
    // and the next Tab skipped Close camera. It keeps the focus and becomes Close camera, or stays
    // Scan with camera with the reason said when there is none.
    this.opening = true;
    button.setAttribute('aria-disabled', 'true');
    say(status, 'Opening the camera…');
    try {
      const { startDecoding } = await import('./decoder.js');
      video.hidden = false;
      this.decoding = await startDecoding(video, (text) => this.read(text));
      button.textContent = 'Close camera';
      button.setAttribute('aria-pressed', 'true');
      say(status, 'Hold the code in front of the camera.');
    } catch (error) {
      this.close();
      say(status, cameraProblem(error), 'error');
    } finally {
      this.opening = false;
      button.removeAttribute('aria-disabled');
    }
  }

  private read(text: string): void {
    const digits = normalizePayCode(text);
    // Another barcode in view (a product's, say) is not a payment code: keep looking.
    if (this.decoding === null || !isPayCode(digits)) return;
    this.close();
    this.onCode(digits);
  }

  private close(): void {
    this.decoding?.stop();
    this.decoding = null;
    this.elements.video.hidden = true;
    this.elements.button.textContent = 'Scan with camera';
    this.elements.button.setAttribute('aria-pressed', 'false');
  }
}

/** What the cashier can do about it, from the browser's error names (MediaDevices.getUserMedia). */
function cameraProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError') return 'The browser was not allowed to use the camera. Allow it in the site settings.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this device.';
  if (name === 'NotReadableError') return 'The camera is in use by another program.';
  if (!window.isSecureContext) return 'The camera needs this page over HTTPS (or on localhost).';
  return 'The camera could not be opened.';
}
