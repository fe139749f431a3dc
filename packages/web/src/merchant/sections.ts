import type { Section } from '../console/section.js';
import { usersSection } from './users.js';
import { ordersSection } from './orders.js';
import { statementsSection } from './statements.js';
import { apiKeySection } from './api-key.js';
import { notificationsSection } from './notifications.js';
import { balanceSection } from './balance.js';
import { activitySection } from './activity.js';
import { passwordSection } from './password.js';
import type { MerchantUser } from './who.js';

/** The merchant console's sections, in the navigation's order: add a section here, one line. */
export const MERCHANT_SECTIONS: readonly Section<MerchantUser>[] = [
  usersSection,
  ordersSection,
  statementsSection,
  apiKeySection,
  notificationsSection,
  balanceSection,
  activitySection,
  passwordSection,
];
