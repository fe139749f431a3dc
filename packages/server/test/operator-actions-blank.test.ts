import { afterEach, beforeEach, expect, it } from 'vitest';
import { createHolderWallet, isBadInput } from '../src/services/operator-actions.js';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/** A form's blank optional field is "not given" (createHolderWallet), not a value to refuse. */
let p: TestPlatform;
beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

it('a wallet from a form with blank balance, PIN and limit: no balance, no PIN, the default limit', async () => {
  const made = await createHolderWallet(p.store, { name: 'Aisyah', openingBalance: '', pin: '', confirmLimit: '' });
  if (isBadInput(made)) throw new Error(`${made.field} ${made.problem}`);
  expect(made.wallet).toMatchObject({ name: 'Aisyah', balanceSen: 0, hasPin: false, confirmLimitSen: null });
  // A value that is given is still checked.
  expect(await createHolderWallet(p.store, { name: 'Bad', pin: '12' })).toMatchObject({ kind: 'invalid', field: 'pin' });
  expect(await createHolderWallet(p.store, { name: ' ' })).toMatchObject({ kind: 'invalid', field: 'name' });
});
