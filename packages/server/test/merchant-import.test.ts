import { afterEach, describe, expect, it } from 'vitest';
import { MCH_ID, Secret } from '@micropay/protocol';
import { merchantKeyProblem } from '../src/domain/credentials.js';
import { merchantIdPrefix, merchantIdProblem, newApiKey } from '../src/domain/ids.js';
import { MerchantIdTakenError } from '../src/store/store.js';
import {
  createMerchant,
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postSigned,
  startTestPlatform,
  type TestPlatform,
} from './helpers.js';

/** Importing a merchant with its own id and key (issue 11, item 7), and merchants' balances (item 9). */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

// The spec's example merchant and key.
const SPEC_MCH_ID = '202006001';
const SPEC_KEY = 'P8yAFr213xcvb41xfgkjELoOhWl';

async function platform(): Promise<TestPlatform & { clock: ManualClock }> {
  const clock = new ManualClock();
  p = await startTestPlatform({}, clock);
  return Object.assign(p, { clock });
}

describe('importing a merchant', () => {
  it('keeps its id and key, and the merchant pays with them over the API', async () => {
    const t = await platform();
    const m = await t.store.createMerchant({ mchId: SPEC_MCH_ID, name: 'Moved Parking', apiKey: new Secret(SPEC_KEY), notifyUrl: null });
    expect(m.mchId).toBe(SPEC_MCH_ID);
    const found = await t.store.findMerchant(SPEC_MCH_ID);
    expect(found?.apiKey.expose()).toBe(SPEC_KEY);
    expect(found?.status).toBe('active');

    const w = await createWalletWithCode(t, 10_000);
    const merchant = { mchId: SPEC_MCH_ID, key: SPEC_KEY, name: 'Moved Parking' };
    const r = await postSigned(t.url, 'micropay', micropayParams(merchant, 'MOVED-1', '1.50', w.payCode), SPEC_KEY);
    expect(r.body.code).toBe(0);
    expect(r.body.data?.tradeStatus).toBe('PAID');
    expect((await t.store.merchantBalances([SPEC_MCH_ID])).get(SPEC_MCH_ID)).toBe(150);
  });

  it('an id another merchant has is refused with MerchantIdTakenError, and that merchant is unchanged', async () => {
    const t = await platform();
    await t.store.createMerchant({ mchId: SPEC_MCH_ID, name: 'First', apiKey: new Secret(SPEC_KEY) });
    const again = t.store.createMerchant({ mchId: SPEC_MCH_ID, name: 'Second', apiKey: new Secret(newApiKey()) });
    await expect(again).rejects.toBeInstanceOf(MerchantIdTakenError);
    await expect(again).rejects.toThrow(`merchant id ${SPEC_MCH_ID} is taken`);
    const kept = await t.store.findMerchant(SPEC_MCH_ID);
    expect(kept?.name).toBe('First');
    expect(kept?.apiKey.expose()).toBe(SPEC_KEY);
    expect(await t.store.listMerchants()).toHaveLength(1);
  });

  it('a generated id is never one an imported merchant has', async () => {
    const t = await platform();
    const prefix = merchantIdPrefix(t.clock.nowMs(), t.config.timeZone);
    // The ids the generator would give first and second are both imported before it runs.
    await t.store.createMerchant({ mchId: `${prefix}001`, name: 'Imported 1', apiKey: new Secret(newApiKey()) });
    await t.store.createMerchant({ mchId: `${prefix}003`, name: 'Imported 3', apiKey: new Secret(newApiKey()) });
    const generated = [await createMerchant(t, 'New A'), await createMerchant(t, 'New B'), await createMerchant(t, 'New C')];
    const ids = generated.map((m) => m.mchId);
    expect(ids).toEqual([`${prefix}004`, `${prefix}005`, `${prefix}006`]);
    expect(new Set((await t.store.listMerchants()).map((m) => m.mchId)).size).toBe(5);
    // An imported id that the generator reaches later is skipped too.
    await t.store.createMerchant({ mchId: `${prefix}008`, name: 'Imported 8', apiKey: new Secret(newApiKey()) });
    expect((await createMerchant(t, 'New D')).mchId).toBe(`${prefix}007`);
    expect((await createMerchant(t, 'New E')).mchId).toBe(`${prefix}009`);
  });

  it('a store refuses to import an id the rule refuses', async () => {
    const t = await platform();
    await expect(t.store.createMerchant({ mchId: '0123', name: 'Bad', apiKey: new Secret(newApiKey()) })).rejects.toThrow(
      /does not start with 0/,
    );
    expect(await t.store.listMerchants()).toHaveLength(0);
  });
});

describe('the merchant id rule', () => {
  it('accepts what the API accepts as mchId, and says why it refuses the rest', () => {
    for (const ok of [SPEC_MCH_ID, '1', '9'.repeat(19), '202612001234']) {
      expect(merchantIdProblem(ok)).toBeNull();
      expect(MCH_ID.test(ok)).toBe(true);
    }
    for (const bad of ['', '0', '0123', '1'.repeat(20), '20200600a', ' 202006001', '202006001\n', '-1', '2.5']) {
      expect(merchantIdProblem(bad)).toBe('a merchant id is 1 to 19 digits and does not start with 0 (like 202006001)');
      expect(MCH_ID.test(bad)).toBe(false);
    }
  });

  it('every generated id passes it', async () => {
    const t = await platform();
    for (let i = 0; i < 3; i++) expect(merchantIdProblem((await createMerchant(t)).mchId)).toBeNull();
  });

  it('a merchant key is 16 to 128 printable ASCII characters without spaces', () => {
    expect(merchantKeyProblem(SPEC_KEY)).toBeNull();
    expect(merchantKeyProblem(newApiKey())).toBeNull();
    expect(merchantKeyProblem('x'.repeat(16))).toBeNull();
    expect(merchantKeyProblem('x'.repeat(128))).toBeNull();
    expect(merchantKeyProblem('x'.repeat(15))).toBe('a merchant key is 16 to 128 characters long');
    expect(merchantKeyProblem('x'.repeat(129))).toBe('a merchant key is 16 to 128 characters long');
    expect(merchantKeyProblem(`${SPEC_KEY} `)).toBe('a merchant key is printable ASCII without spaces');
    expect(merchantKeyProblem(`${SPEC_KEY}é`)).toBe('a merchant key is printable ASCII without spaces');
  });
});

describe("merchants' balances", () => {
  it("is each merchant's ledger balance in sen, summed over every shard it was credited on", async () => {
    const t = await platform();
    const a = await createMerchant(t, 'A');
    const b = await createMerchant(t, 'B');
    const idle = await createMerchant(t, 'Idle');
    // Twelve payments to A spread over its balance shards on PostgreSQL (one shard each at random).
    let expectedA = 0;
    for (let i = 1; i <= 12; i++) {
      const w = await createWalletWithCode(t, 10_000);
      const r = await postSigned(t.url, 'micropay', micropayParams(a, `A-${i}`, `${i}.0${i % 10}`, w.payCode), a.key);
      expect(r.body.data?.tradeStatus).toBe('PAID');
      expectedA += i * 100 + (i % 10);
    }
    const w = await createWalletWithCode(t, 10_000);
    expect((await postSigned(t.url, 'micropay', micropayParams(b, 'B-1', '0.07', w.payCode), b.key)).body.data?.tradeStatus).toBe('PAID');

    const all = await t.store.merchantBalances();
    expect(Object.fromEntries(all)).toEqual({ [a.mchId]: expectedA, [b.mchId]: 7, [idle.mchId]: 0 });
    const some = await t.store.merchantBalances([b.mchId, '999999999', idle.mchId]);
    expect(Object.fromEntries(some)).toEqual({ [b.mchId]: 7, [idle.mchId]: 0 });
    expect((await t.store.merchantBalances([])).size).toBe(0);
  });
});
