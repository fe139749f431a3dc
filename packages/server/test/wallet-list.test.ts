import { afterEach, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/model.js';
import type { WalletFilter } from '../src/store/store.js';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/** Listing wallets, a page at a time, with filters (issue 11, item 9): the store side of `wallet list`. */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

async function withWallets(names: readonly string[]): Promise<{ t: TestPlatform; wallets: Wallet[] }> {
  const t = await startTestPlatform();
  p = t;
  const wallets: Wallet[] = [];
  for (const [i, name] of names.entries()) wallets.push(await t.store.createWallet({ name, openingSen: i * 100 }));
  return { t, wallets };
}

function ids(wallets: readonly Wallet[]): string[] {
  return wallets.map((w) => w.walletId);
}

function sortedIds(wallets: readonly Wallet[]): string[] {
  return ids(wallets).sort();
}

/** Every page of a listing, following the cursor. */
async function allPages(t: TestPlatform, filter: Omit<WalletFilter, 'afterWalletId'>): Promise<Wallet[][]> {
  const pages: Wallet[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await t.store.listWallets({ ...filter, afterWalletId: after });
    if (page.length === 0) return pages;
    pages.push(page);
    after = page[page.length - 1]!.walletId;
  }
}

describe('listing wallets', () => {
  it('lists them by walletId, page after page, each wallet once, with its balance', async () => {
    const { t, wallets } = await withWallets(['Alice', 'Bob', 'Chen', 'Dina', 'Eko', 'Farah', 'Gita']);
    const pages = await allPages(t, { limit: 3 });
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((w) => w.walletId)).toEqual(sortedIds(wallets));
    const byId = new Map(wallets.map((w) => [w.walletId, w]));
    for (const w of pages.flat()) expect(w).toEqual(byId.get(w.walletId));
    expect(pages.flat().find((w) => w.name === 'Gita')?.balanceSen).toBe(600);
  });

  it('filters by status', async () => {
    const { t, wallets } = await withWallets(['Alice', 'Bob', 'Chen', 'Dina']);
    await t.store.setWalletStatus(wallets[1]!.walletId, 'frozen');
    await t.store.setWalletStatus(wallets[3]!.walletId, 'closed');
    expect(ids(await t.store.listWallets({ status: 'frozen', limit: 10 }))).toEqual([wallets[1]!.walletId]);
    expect(ids(await t.store.listWallets({ status: 'closed', limit: 10 }))).toEqual([wallets[3]!.walletId]);
    expect(ids(await t.store.listWallets({ status: 'active', limit: 10 }))).toEqual(sortedIds([wallets[0]!, wallets[2]!]));
  });

  it('finds a part of the name in any case, and pages within the filter', async () => {
    const { t, wallets } = await withWallets(['Alice Tan', 'ALICE', 'Malice', 'Bob', 'alicia', 'Ali']);
    const expected = sortedIds([wallets[0]!, wallets[1]!, wallets[2]!, wallets[4]!]);
    expect(ids(await t.store.listWallets({ nameContains: 'aLiC', limit: 10 }))).toEqual(expected);
    expect((await allPages(t, { nameContains: 'alic', limit: 1 })).flat().map((w) => w.walletId)).toEqual(expected);
    expect(await t.store.listWallets({ nameContains: 'zzz', limit: 10 })).toEqual([]);
  });

  it('takes LIKE wildcards in the name literally', async () => {
    const { t, wallets } = await withWallets(['100% Cafe', '100 Cafe', 'a_b', 'axb', 'back\\slash', 'backslash']);
    expect(ids(await t.store.listWallets({ nameContains: '%', limit: 10 }))).toEqual([wallets[0]!.walletId]);
    expect(ids(await t.store.listWallets({ nameContains: '0%', limit: 10 }))).toEqual([wallets[0]!.walletId]);
    expect(ids(await t.store.listWallets({ nameContains: '_', limit: 10 }))).toEqual([wallets[2]!.walletId]);
    expect(ids(await t.store.listWallets({ nameContains: 'a_b', limit: 10 }))).toEqual([wallets[2]!.walletId]);
    expect(ids(await t.store.listWallets({ nameContains: 'k\\s', limit: 10 }))).toEqual([wallets[4]!.walletId]);
  });

  it('combines the filters', async () => {
    const { t, wallets } = await withWallets(['Alice', 'Alina', 'Bob']);
    await t.store.setWalletStatus(wallets[1]!.walletId, 'frozen');
    expect(ids(await t.store.listWallets({ status: 'frozen', nameContains: 'ali', limit: 10 }))).toEqual([wallets[1]!.walletId]);
    expect(await t.store.listWallets({ status: 'frozen', nameContains: 'bob', limit: 10 })).toEqual([]);
  });

  it('a page needs room for at least one wallet', async () => {
    const { t } = await withWallets(['Alice']);
    await expect(t.store.listWallets({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(t.store.listWallets({ limit: 1.5 })).rejects.toThrow(RangeError);
  });
});
