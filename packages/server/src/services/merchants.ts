import type { Secret } from '@micropay/protocol';
import { audited, type ActingAs, type AuditRecord } from '../domain/audit-log.js';
import { unchanged, type Decided } from '../domain/effects.js';
import { merchantIdPrefix, newWalletId } from '../domain/ids.js';
import {
  checkMerchantName,
  freeMerchantId,
  importedMerchantId,
  MerchantIdTakenError,
  openMerchant,
  type NewMerchant,
} from '../domain/merchant.js';
import { isFirstUseOfNewKey, rollKeys } from '../domain/merchant-keys.js';
import type { Merchant, MerchantStatus, Wallet } from '../domain/model.js';
import { openWallet, type NewWallet } from '../domain/wallet.js';
import { IdClashError, retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';

/**
 * Merchants: creation (a generated id, or an imported one) and every change of the row, each one
 * transaction. A generated id is the first free candidate of the month (domain/merchant.ts); a
 * clash with a merchant created meanwhile runs the creation again.
 */
export function createMerchant(port: StorePort, timeZone: string, input: NewMerchant, acting?: ActingAs): Promise<Merchant> {
  return withMerchantId(port, timeZone, input, (mchId, nowMs) => {
    const { merchant, effects } = openMerchant(input, mchId, nowMs);
    return audited({ result: merchant, effects }, acting, nowMs, (m) => ({
      action: input.mchId === undefined ? 'merchant.create' : 'merchant.import',
      mchId: m.mchId, subjectId: m.mchId, detail: { name: m.name, notifyUrl: m.notifyUrl },
    }));
  });
}

/**
 * The sandbox's merchant and funded wallet, and the setting that remembers them, in one
 * transaction: a start that dies half-way leaves nothing behind.
 */
export function createSandbox(
  port: StorePort, timeZone: string, input: { merchant: NewMerchant; wallet: NewWallet; setting: string },
): Promise<{ merchant: Merchant; wallet: Wallet }> {
  return withMerchantId(port, timeZone, input.merchant, (mchId, nowMs) => {
    const merchant = openMerchant(input.merchant, mchId, nowMs);
    const wallet = openWallet(input.wallet, newWalletId(), nowMs);
    const value = JSON.stringify({ mchId, walletId: wallet.wallet.walletId });
    return {
      result: { merchant: merchant.merchant, wallet: wallet.wallet },
      effects: [...merchant.effects, ...wallet.effects, { kind: 'insertSetting', name: input.setting, value }],
    };
  });
}

/** Runs a creation under the merchant's id: the imported one if free, else the month's first free one. */
async function withMerchantId<R>(
  port: StorePort, timeZone: string, input: NewMerchant, create: (mchId: string, nowMs: number) => Decided<R>,
): Promise<R> {
  if (input.mchId !== undefined) {
    const mchId = importedMerchantId(input.mchId);
    const imported = port.decide({ view: 'merchant', mchId }, (existing, nowMs) => {
      if (existing !== null) throw new MerchantIdTakenError(mchId);
      return create(mchId, nowMs);
    });
    // Another process imported it first: the same answer as finding it.
    return imported.catch((error: unknown) => Promise.reject(error instanceof IdClashError ? new MerchantIdTakenError(mchId) : error));
  }
  return retryOnIdClash(() => {
    const atMs = port.nowMs();
    return port.decide({ view: 'merchantIds', prefix: merchantIdPrefix(atMs, timeZone) }, (taken, nowMs) =>
      create(freeMerchantId(atMs, timeZone, taken), nowMs),
    );
  });
}

export function setMerchantStatus(port: StorePort, mchId: string, status: MerchantStatus, acting?: ActingAs): Promise<Merchant | null> {
  // Setting the status it has already writes nothing, so it logs nothing.
  const record = merchantRecord(status === 'active' ? 'merchant.enable' : 'merchant.disable', mchId);
  return changeMerchant(port, mchId, (m) => (m.status === status ? m : { ...m, status }), acting, record);
}

export async function updateMerchant(
  port: StorePort, mchId: string, changes: { name?: string; notifyUrl?: string | null }, acting?: ActingAs,
): Promise<Merchant | null> {
  if (changes.name !== undefined) checkMerchantName(changes.name);
  return changeMerchant(
    port, mchId, (m) => ({ ...m, name: changes.name ?? m.name, notifyUrl: changes.notifyUrl === undefined ? m.notifyUrl : changes.notifyUrl }),
    acting, { ...merchantRecord('merchant.update', mchId), detail: { ...changes } },
  );
}

/** Gives the merchant `newKey`; the key in service keeps verifying for `overlapMs` (domain/merchant-keys.ts). */
export function rollMerchantKey(port: StorePort, mchId: string, newKey: Secret, overlapMs: number, acting?: ActingAs): Promise<Merchant | null> {
  // The log says that the key was rolled and how long the old one verifies; never either key.
  const record = { ...merchantRecord('merchant.rollKey', mchId), detail: { overlapMinutes: Math.round(overlapMs / 60_000) } };
  return changeMerchant(port, mchId, (m, nowMs) => ({ ...m, ...rollKeys(m, newKey, overlapMs, nowMs) }), acting, record);
}

function merchantRecord(action: AuditRecord['action'], mchId: string): AuditRecord {
  return { action, mchId, subjectId: mchId, detail: {} };
}

/** Records the first request verified with the current key `key` after a roll; once per roll. */
export async function recordKeyFirstUse(port: StorePort, mchId: string, key: Secret): Promise<void> {
  await changeMerchant(port, mchId, (m, nowMs) =>
    isFirstUseOfNewKey(m, 'current') && m.apiKey.expose() === key.expose() ? { ...m, keyFirstUsedAtMs: nowMs } : m,
  );
}

/**
 * Writes the merchants' keys again under the current master key, all in one transaction: the keys
 * are unchanged, only their ciphertexts are new (the store seals every merchant it writes).
 */
export function resealMerchantKeys(port: StorePort, scope: 'plain' | 'all', acting?: ActingAs): Promise<number> {
  return port.decide({ view: 'merchantsToReseal', plainOnly: scope === 'plain' }, (found, nowMs) => audited({
    result: found.length,
    effects: found.map((merchant) => ({ kind: 'updateMerchant' as const, merchant })),
  }, acting, nowMs, (merchants) => ({ action: 'merchantKeys.reseal', mchId: null, subjectId: null, detail: { scope, merchants } })));
}

/**
 * Reads the merchant locked and writes it back changed; an unchanged merchant writes nothing. A
 * change by an actor appends `record` to the audit log with it.
 */
function changeMerchant(
  port: StorePort, mchId: string, change: (m: Merchant, nowMs: number) => Merchant, acting?: ActingAs, record?: AuditRecord,
): Promise<Merchant | null> {
  return port.decide({ view: 'merchant', mchId }, (merchant, nowMs): Decided<Merchant | null> => {
    if (merchant === null) return unchanged(null);
    const changed = change(merchant, nowMs);
    if (changed === merchant) return unchanged(merchant);
    return audited({ result: changed, effects: [{ kind: 'updateMerchant', merchant: changed }] }, acting, nowMs, () => record ?? null);
  });
}
