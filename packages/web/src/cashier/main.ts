import { element } from '../shared/page.js';
import { Camera } from './camera.js';
import { CodeField } from './code-field.js';
import './cashier.css';

/**
 * The cashier page: it takes a payment code from a scanner, the camera or the keyboard. Charging
 * needs a signed-in cashier of a merchant, which is not built yet; until then a taken code is
 * shown, and nothing is charged.
 */
const status = element('code-status', HTMLElement);
const field = new CodeField(
  { form: element('take-code', HTMLFormElement), field: element('code', HTMLInputElement), status },
  () => undefined,
);
new Camera(
  { button: element('camera-button', HTMLButtonElement), video: element('camera', HTMLVideoElement), status },
  (digits) => field.take(digits),
);
