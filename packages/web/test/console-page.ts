import type { Page } from 'playwright-core';

/**
 * Signs in to a console as a person does, through its form, and waits for the console. The form's
 * own behaviour (wrong passwords, TOTP, lockout) is tested in consoles-sign-in.sqlite.test.ts.
 */
export async function signInToMerchantConsole(page: Page, url: string, user: { mchId: string; name: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Merchant id').fill(user.mchId);
  await page.getByLabel('User').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#console').waitFor();
}

/** The operator console's sign-in; `code`: the authenticator's, for an operator with TOTP. */
export async function signInToOperatorConsole(page: Page, url: string, operator: { name: string; password: string; code?: string }): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Operator').fill(operator.name);
  await page.getByLabel('Password').fill(operator.password);
  if (operator.code !== undefined) await page.getByLabel('Authenticator code').fill(operator.code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#console').waitFor();
}
