import { ResultCode } from '@micropay/protocol/errors';
import { startConsole } from '../console/shell.js';
import { ADMIN_SECTIONS } from './sections.js';
import type { SignedInOperator } from './who.js';

/** The operator console (docs/consoles.md): operators created by `micropay admin create` sign in here. */
startConsole<SignedInOperator>({
  page: 'admin',
  sections: ADMIN_SECTIONS,
  signInBody: (form) => ({
    name: (form.elements.namedItem('name') as HTMLInputElement).value.trim(),
    password: (form.elements.namedItem('password') as HTMLInputElement).value,
    code: (form.elements.namedItem('code') as HTMLInputElement).value.trim(),
  }),
  signInMessages: {
    [ResultCode.SIGN_IN_FAILED]: 'The name, password and authenticator code do not match.',
    [ResultCode.SIGN_IN_LOCKED]: 'Too many wrong tries: this operator is locked for 15 minutes. Another operator can unlock it now with micropay admin reset.',
    [ResultCode.USER_DISABLED]: 'This operator is disabled: whoever runs the platform can enable it again (micropay admin enable).',
  },
  describe: (o) => `Operator ${o.operatorName} · ${o.role}`,
  // Every section is every role's (the operator roles differ in changes, not in reading); the role is compared when a change is refused.
  roleOf: (o) => o.role,
});
