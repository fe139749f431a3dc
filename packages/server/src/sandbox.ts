import { formatSen, Secret } from '@micropay/protocol';
import type { Config } from './config.js';
import type { ActingAs } from './domain/audit-log.js';
import { hashPin } from './domain/credentials.js';
import { newApiKey } from './domain/ids.js';
import { newCashierPassword } from './domain/page-access.js';
import type { Store } from './store/store.js';
import { isRefused } from './services/merchant-users.js';

export interface SandboxCredentials {
  readonly mchId: string;
  readonly apiKey: string;
  readonly walletId: string;
  readonly balance: string;
  readonly payCode: string;
  readonly payCodeExpiresAtMs: number;
  /** A one-time sign-in link's token for the wallet page (each start issues a new one). */
  readonly walletLinkToken: string | null;
  /** The sandbox merchant's cashier account; each start gives it a new password (only its hash is kept). */
  readonly cashierName: string;
  readonly cashierPassword: string;
  /** The merchant's owner, for /merchant, and an operator (no TOTP), for /admin: new passwords each start too. */
  readonly ownerName: string;
  readonly ownerPassword: string;
  readonly operatorName: string;
  readonly operatorPassword: string;
  /** Merchants of the store besides the sandbox's (made by `merchant create` since, say): their payments rehearse faults too. */
  readonly otherMerchants: number;
}

const SANDBOX_SETTING = 'sandbox';
export const SANDBOX_CASHIER = 'sandbox-till';
export const SANDBOX_OWNER = 'sandbox-owner';
export const SANDBOX_OPERATOR = 'sandbox-ops';
export const SANDBOX_OPENING_SEN = 1_000_00;

/** Whether this store was made a sandbox by `serve --sandbox` (as `npm start` runs it). */
export async function isSandboxStore(store: Store): Promise<boolean> {
  return (await store.getSetting(SANDBOX_SETTING)) !== null;
}

/**
 * Sandbox mode: on an empty store, create a merchant and a funded wallet so a newcomer can pay at
 * once; on later starts, show the same ones again with a fresh payment code. A store that already
 * has merchants of its own gets nothing created. Each start gives the sandbox's three users new
 * passwords (enabling one that was disabled); each reset is in the audit log as `acting`'s (who ran `serve --sandbox`), never the password.
 */
export async function prepareSandbox(store: Store, config: Config, acting: ActingAs): Promise<SandboxCredentials | null> {
  let saved = await store.getSetting(SANDBOX_SETTING);
  // Counted, not listed: a list reads (and decrypts the key of) every merchant of the store.
  const { merchants } = await store.platformCounts();
  if (saved === null) {
    if (merchants > 0) return null;
    // One transaction: a start that dies half-way leaves an empty store, so the next start
    // creates the sandbox afresh instead of finding "merchants of its own".
    await store.createSandbox({
      merchant: { name: 'Sandbox Merchant', apiKey: new Secret(newApiKey()) },
      wallet: { name: 'Sandbox Wallet', openingSen: SANDBOX_OPENING_SEN },
      setting: SANDBOX_SETTING,
    });
    saved = (await store.getSetting(SANDBOX_SETTING))!;
  }
  const { mchId, walletId } = JSON.parse(saved) as { mchId: string; walletId: string };
  const merchant = await store.findMerchant(mchId);
  const code = await store.issuePayCode(walletId, config.payCodeTtlS * 1000);
  const wallet = await store.findWallet(walletId);
  if (merchant === null || wallet === null || typeof code === 'string') return null;
  const link = await store.issueSignInLink(walletId);
  const cashierPassword = await sandboxUser(store, mchId, SANDBOX_CASHIER, 'cashier', acting);
  const ownerPassword = await sandboxUser(store, mchId, SANDBOX_OWNER, 'owner', acting);
  const operatorPassword = newCashierPassword();
  const operatorHash = await hashPin(operatorPassword);
  if ((await store.resetOperator(SANDBOX_OPERATOR, operatorHash, undefined, acting)) === null) await store.createOperator(SANDBOX_OPERATOR, operatorHash, null, { acting });
  // Enabled again if someone disabled it, so the password printed signs in (a production server does not do this).
  await store.setOperatorStatus(SANDBOX_OPERATOR, 'active', acting);
  return {
    ownerName: SANDBOX_OWNER,
    ownerPassword,
    operatorName: SANDBOX_OPERATOR,
    operatorPassword,
    walletLinkToken: typeof link === 'string' ? null : link.token,
    cashierName: SANDBOX_CASHIER,
    cashierPassword,
    mchId,
    apiKey: merchant.apiKey.expose(),
    walletId,
    balance: formatSen(wallet.balanceSen),
    payCode: code.code,
    payCodeExpiresAtMs: code.expiresAtMs,
    otherMerchants: merchants - 1,
  };
}

/**
 * The sandbox merchant's user of this name and role, with a new password (created on the first
 * start; enabled again if someone disabled it, so the password printed signs in).
 */
async function sandboxUser(store: Store, mchId: string, name: string, role: 'owner' | 'cashier', acting: ActingAs): Promise<string> {
  const password = newCashierPassword();
  const hash = await hashPin(password);
  let reset = await store.resetCashierPassword(mchId, name, hash, acting);
  if (isRefused(reset)) {
    await store.setUserStatus(mchId, name, 'active', acting);
    reset = await store.resetCashierPassword(mchId, name, hash, acting);
  }
  if (reset === null) await store.createCashier(mchId, name, hash, { role }, acting);
  return password;
}
