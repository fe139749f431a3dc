import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { scrolling, table } from '../console/shell.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

/** The Operators section: every operator, TOTP on or off, locked or not. Read only (the CLI changes them). */
export const operatorsSection: Section<SignedInOperator> = {
  id: 'operators',
  title: 'Operators',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    container.append(status);
    const a = await callPage<{ operators: { name: string; totp: boolean; locked: boolean }[] }>(`${ctx.api}operators`);
    if (a.data === null) return say(status, a.msg, 'error');
    container.append(scrolling(table(['Name', 'Authenticator (TOTP)', 'Locked'],
      a.data.operators.map((o) => [o.name, o.totp ? 'On' : 'Off', o.locked ? 'Locked (15 minutes; micropay admin reset unlocks now)' : 'No']), 'Operators of this platform')));
  },
};
