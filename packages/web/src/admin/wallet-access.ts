import { askFirst, button, field, fieldRefusal, form } from '../console/forms.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import type { WalletAct, WalletDetail } from './wallet-detail.js';

/** What a new PIN or app token ends with it (domain/wallet.ts walletSecurityEffects), said before it is set. */
const ENDS_WITH_IT = 'the wallet page is signed out, unused sign-in links stop, and its offline-code devices are revoked (the holder enrols them again)';

/**
 * The holder's ways in, in a wallet's detail (the admin's: each lets whoever sets it spend the
 * holder's money; docs/consoles.md): a new PIN and a new app token after a lost phone, each asked
 * first with what ends with it; the confirmation limit; and a one-use sign-in link for the wallet
 * page. A token and a link are shown once, above the detail (`showSecret`); a PIN is never shown back.
 */
export function holderAccessPart(w: WalletDetail, act: WalletAct, showSecret: (what: string, secret: string) => void): HTMLElement {
  const part = Object.assign(document.createElement('div'), { className: 'holder-access' });
  const asking = document.createElement('div');
  const said = Object.assign(document.createElement('p'), { role: 'status', className: 'field-error' });
  const refused = (words: Readonly<Record<string, string>>) => (msg: string) => say(said, fieldRefusal(msg, words).words, 'error');
  const pin = form('set-pin', 'New PIN', [field('set-pin-value', 'New PIN (4 to 6 digits)', { inputMode: 'numeric', type: 'password', maxLength: 6, autocomplete: 'new-password' })], 'Set PIN', async (v) => {
    const value = v['set-pin-value']!;
    if (value === '') return void say(said, 'Type the new PIN first.', 'error');
    say(said, '');
    askFirst(asking, `Give wallet ${w.walletId} the PIN typed? With it ${ENDS_WITH_IT}.`, `Set the PIN of ${w.walletId}`, () =>
      act('set-pin', { walletId: w.walletId, pin: value }, () => `Wallet ${w.walletId} has a new PIN: ${ENDS_WITH_IT}.`, refused({ pin: 'The PIN' })), 'Keep the old PIN');
    return 'clear';
  });
  const limit = form('set-limit', 'Confirmation limit', [
    field('set-limit-value', 'Confirmation limit (an amount, or default)', { inputMode: 'decimal', maxLength: 20, value: w.confirmLimit ?? 'default' }),
  ], 'Set limit', async (v) => {
    say(said, '');
    await act('set-limit', { walletId: w.walletId, confirmLimit: v['set-limit-value'] }, (after) =>
      `Wallet ${w.walletId}: payments above ${after.effectiveConfirmLimit}${after.confirmLimit === null ? " (the platform's limit)" : ''} ask the holder to confirm.`,
    refused({ confirmLimit: 'The confirmation limit' }));
  });
  const buttons = Object.assign(document.createElement('div'), { className: 'actions' });
  buttons.append(
    button('New app token…', async () => askFirst(asking, `Give wallet ${w.walletId} a new app token? The holder's app stops working with the old one at once, ${ENDS_WITH_IT}; the new token is shown once here.`,
      `New token for ${w.walletId}`, () => act('new-token', { walletId: w.walletId }, (_after, data) => {
        showSecret(`App token of wallet ${w.walletId}`, data.token as string);
        return `Wallet ${w.walletId} has a new app token: the old one no longer works, and ${ENDS_WITH_IT}.`;
      }), 'Keep the old token')),
    button('Sign-in link', () => act('sign-in-link', { walletId: w.walletId }, (_after, data) => {
      // On the platform's public address when the operator set one (MICROPAY_PUBLIC_URL), else on the one this console was reached at.
      const base = (data.publicUrl as string | null) ?? location.origin;
      showSecret(`Sign-in link for wallet ${w.walletId}, one use until ${formatTime(data.expiresAtMs as number)}`, `${base}/wallet#link=${data.linkToken as string}`);
      return `A sign-in link for wallet ${w.walletId}: give it to the holder; it signs in once.`;
    })),
  );
  part.append(Object.assign(document.createElement('h4'), { textContent: 'Holder access' }), pin, limit, said, buttons, asking);
  return part;
}
