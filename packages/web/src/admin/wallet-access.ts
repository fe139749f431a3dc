import { askFirst, button, field, form } from '../console/forms.js';
import { formatTime } from '../shared/time.js';
import type { WalletAct, WalletDetail } from './wallet-detail.js';

/**
 * The holder's ways in, in a wallet's detail (wallet care: admin and support; docs/consoles.md):
 * a new PIN, the confirmation limit, a new app token after a lost phone (asked first: the old one
 * stops), and a one-use sign-in link for the wallet page. A token and a link are shown once,
 * above the detail (`showSecret`); a PIN is never shown back.
 */
export function holderAccessPart(w: WalletDetail, act: WalletAct, showSecret: (what: string, secret: string) => void): HTMLElement {
  const part = Object.assign(document.createElement('div'), { className: 'holder-access' });
  const asking = document.createElement('div');
  const pin = form('set-pin', 'New PIN', [field('set-pin-value', 'New PIN (4 to 6 digits)', { inputMode: 'numeric', type: 'password', maxLength: 6 })], 'Set PIN', async (v) => {
    if (v['set-pin-value'] === '') return;
    await act('set-pin', { walletId: w.walletId, pin: v['set-pin-value'] }, () => `Wallet ${w.walletId} has a new PIN; payments above its limit are confirmed with it.`);
    return 'clear';
  });
  const limit = form('set-limit', 'Confirmation limit', [
    field('set-limit-value', 'Confirmation limit (an amount, or default)', { inputMode: 'decimal', maxLength: 20, value: w.confirmLimit ?? 'default' }),
  ], 'Set limit', async (v) =>
    act('set-limit', { walletId: w.walletId, confirmLimit: v['set-limit-value'] }, (after) =>
      `Wallet ${w.walletId}: payments above ${after.effectiveConfirmLimit}${after.confirmLimit === null ? " (the platform's limit)" : ''} ask the holder to confirm.`));
  const buttons = Object.assign(document.createElement('div'), { className: 'actions' });
  buttons.append(
    button('New app token…', async () => askFirst(asking, `Give wallet ${w.walletId} a new app token? The holder's app stops working with the old one at once; the new one is shown once here.`,
      `New token for ${w.walletId}`, () => act('new-token', { walletId: w.walletId }, (_after, data) => {
        showSecret(`App token of wallet ${w.walletId}`, data.token as string);
        return `Wallet ${w.walletId} has a new app token: the old one no longer works.`;
      }), 'Keep the old token')),
    button('Sign-in link', () => act('sign-in-link', { walletId: w.walletId }, (_after, data) => {
      // The link is on the address this console was reached at: the one the operator knows works.
      showSecret(`Sign-in link for wallet ${w.walletId}, one use until ${formatTime(data.expiresAtMs as number)}`, `${location.origin}/wallet#link=${data.linkToken as string}`);
      return `A sign-in link for wallet ${w.walletId}: give it to the holder; it signs in once.`;
    })),
  );
  part.append(Object.assign(document.createElement('h4'), { textContent: 'Holder access' }), pin, limit, buttons, asking);
  return part;
}
