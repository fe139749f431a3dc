import { ResultCode } from '@micropay/protocol/errors';
import { startConsole } from '../console/shell.js';
import { MERCHANT_SECTIONS } from './sections.js';
import type { MerchantUser } from './who.js';

/** The merchant console (docs/consoles.md): a merchant's owner and cashiers sign in here. */
startConsole<MerchantUser>({
  page: 'merchant',
  sections: MERCHANT_SECTIONS,
  signInBody: (form) => ({
    mchId: (form.elements.namedItem('mchId') as HTMLInputElement).value.trim(),
    name: (form.elements.namedItem('name') as HTMLInputElement).value.trim(),
    password: (form.elements.namedItem('password') as HTMLInputElement).value,
  }),
  signInMessages: {
    [ResultCode.SIGN_IN_FAILED]: 'The merchant id, user and password do not match.',
    [ResultCode.SIGN_IN_LOCKED]: 'Too many wrong passwords: this user is locked for 15 minutes. The owner or the operator can unlock it now with a new password.',
    [ResultCode.USER_DISABLED]: 'This user is disabled. The merchant\'s owner (Users) or the operator can enable it again.',
  },
  describe: (u) => `${u.merchantName ?? `Merchant ${u.mchId}`} · ${u.userName} (${u.role})`,
  roleOf: (u) => u.role,
});
