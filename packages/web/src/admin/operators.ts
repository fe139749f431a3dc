import { describeOperatorRole, OPERATOR_ROLES, type OperatorRole } from '@micropay/protocol/operator-roles';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { scrolling, table } from '../console/shell.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

/** The Operators section: every operator, its role, TOTP on or off, disabled or locked or active, and what each role may do. Read only (the CLI changes them). */
export const operatorsSection: Section<SignedInOperator> = {
  id: 'operators',
  title: 'Operators',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    container.append(status);
    const a = await callPage<{ operators: { name: string; role: OperatorRole; totp: boolean; locked: boolean; disabledAtMs: number | null }[] }>(`${ctx.api}operators`);
    if (a.data === null) return say(status, a.msg, 'error');
    container.append(scrolling(table(['Name', 'Role', 'Authenticator (TOTP)', 'State'],
      a.data.operators.map((o) => [o.name, o.role, o.totp ? 'On' : 'Off', stateText(o)]), 'Operators of this platform')));
    // What each role may change, from the rule itself; `micropay admin set-role` changes a role.
    const roles = Object.assign(document.createElement('ul'), { className: 'help' });
    roles.append(...OPERATOR_ROLES.map((r) => Object.assign(document.createElement('li'), { textContent: `${r}: ${describeOperatorRole(r)}.` })));
    container.append(roles);
  },
};

/** Disabled (`micropay admin disable`) says since when; a lock says how it ends. */
function stateText(o: { locked: boolean; disabledAtMs: number | null }): string {
  const locked = o.locked ? 'Locked (15 minutes; micropay admin reset unlocks now)' : null;
  if (o.disabledAtMs === null) return locked ?? 'Active';
  return `Disabled since ${formatTime(o.disabledAtMs)} (micropay admin enable)${locked === null ? '' : `; ${locked}`}`;
}
