import { callPage, saySignedOut } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { ResultCode } from '@micropay/protocol/errors';
import { field, form, showOnce } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { MerchantUser } from './who.js';

/**
 * Your password (every user, owner or cashier): the current password asked again, then a new
 * generated one shown once. The user's other sessions, at the till and in the console, end; this
 * one stays. Five wrong current passwords lock the user as five wrong sign-ins do.
 */
export const passwordSection: Section<MerchantUser> = {
  id: 'password',
  title: 'Your password',
  async render(container, ctx) {
    const intro = Object.assign(document.createElement('p'), {
      textContent: `A new password for ${ctx.who.userName}, made for you and shown once. Your other sessions, at the till and here, end; this one stays.`,
    });
    const status = Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
    const shownOnce = document.createElement('div');
    const change = form('new-own-password', 'New password', [field('current-password', 'Current password', { type: 'password', maxLength: 128 })],
      'Get a new password', async (v) => {
        // An empty field asks nothing of the server, and leaves a password just shown where it is.
        if (v['current-password'] === '') return void say(status, 'Type your current password first.', 'error');
        shownOnce.replaceChildren();
        const a = await callPage<{ name: string; password: string }>(`${ctx.api}password/change`, { password: v['current-password'] });
        if (a.data === null) {
          // The try that locks also ends the session: the sign-in says why.
          if (a.code === ResultCode.USER_DISABLED) return saySignedOut('Your user was disabled, so you are signed out; your password was not changed. Ask the owner or the operator.');
          if (a.code === ResultCode.SIGN_IN_LOCKED) {
            return saySignedOut('Too many wrong passwords in a row: you are locked out for 15 minutes and signed out, and your password was not changed. '
              + 'An owner (Users, Reset password) or the operator can unlock you sooner with a new password.');
          }
          say(status, a.code === ResultCode.SIGN_IN_FAILED ? 'The current password is not right: your password was not changed.' : a.msg, 'error');
          return 'clear';
        }
        say(status, 'Your password is changed. Write the new one down now: it is not shown again. Your other sessions have ended.');
        showOnce(shownOnce, 'Your new password', a.data.password);
        // The focus leaves the emptied field, so a second Enter asks nothing; the password is in view.
        status.focus();
        shownOnce.scrollIntoView({ block: 'nearest' });
        return 'clear';
      });
    container.append(intro, change, status, shownOnce);
  },
};
