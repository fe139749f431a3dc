import type { Section } from '../console/section.js';
import { usersSection } from './users.js';
import { ordersSection } from './orders.js';
import { statementsSection } from './statements.js';
import type { MerchantUser } from './who.js';

/** The merchant console's sections, in the navigation's order: add a section here, one line. */
export const MERCHANT_SECTIONS: readonly Section<MerchantUser>[] = [
  usersSection,
  ordersSection,
  statementsSection,
];
