import { element, say } from '../shared/page.js';
import { CodeLifetime } from './code-lifetime.js';
import { CodeScreen } from './code-screen.js';
import { issuePayCode } from './paycode-api.js';
import './wallet.css';

/**
 * The wallet page. Until wallet sign-in (links, PIN, sessions) lands, the holder opens it with the
 * wallet app's token (`micropay wallet token WALLETID`), which stays in this tab's memory only:
 * not in storage, not in the URL, gone on reload.
 */
const signIn = element('sign-in', HTMLFormElement);
const tokenField = element('token', HTMLInputElement);
const signInError = element('sign-in-error', HTMLElement);
const codeSection = element('code-screen', HTMLElement);
const codeStatus = element('code-status', HTMLElement);
const renewButton = element('renew', HTMLButtonElement);
const screen = new CodeScreen({ qr: element('qr', HTMLElement), barcode: element('barcode', HTMLElement), digits: element('digits', HTMLButtonElement) });
const lifetime = new CodeLifetime(element('countdown', HTMLElement), () => void showNextCode());

let token: string | null = null;
// Only the answer to the latest request is shown: a slow earlier answer carries a retired code.
let latestRequest = 0;

signIn.addEventListener('submit', (event) => {
  event.preventDefault();
  token = tokenField.value.trim();
  tokenField.value = '';
  void showNextCode();
});
renewButton.addEventListener('click', () => void showNextCode());
// Timers sleep with the phone: back on screen, the code shown may be dead, so get a fresh one.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !codeSection.hidden) void showNextCode();
});

async function showNextCode(): Promise<void> {
  if (token === null) return;
  const request = ++latestRequest;
  renewButton.disabled = true;
  const issued = await issuePayCode(token);
  if (request !== latestRequest) return;
  renewButton.disabled = false;
  if (issued.ok) {
    screen.show(issued.payCode);
    lifetime.start(issued.validForMs);
    signIn.hidden = true;
    codeSection.hidden = false;
    say(codeStatus, 'A new code is shown.');
    return;
  }
  lifetime.stop();
  screen.clear();
  // Said where the holder is looking: on the form before any code was shown, else on the code screen.
  say(codeSection.hidden ? signInError : codeStatus, issued.message, 'error');
  if (issued.reason === 'unauthorized') {
    token = null;
    codeSection.hidden = true;
    signIn.hidden = false;
    say(signInError, issued.message, 'error');
    tokenField.focus();
  }
}
