import type { Section } from '../console/section.js';
import { operatorsSection } from './operators.js';
import { merchantsSection } from './merchants.js';
import { walletsSection } from './wallets.js';
import { payoutsSection } from './payouts.js';
import { dashboardSection } from './dashboard.js';
import { ledgerAuditSection } from './ledger-audit.js';
import { notificationsSection } from './notifications.js';
import { auditLogSection } from './audit-log.js';
import type { SignedInOperator } from './who.js';

/** The operator console's sections, in the navigation's order: add a section here, one line. */
export const ADMIN_SECTIONS: readonly Section<SignedInOperator>[] = [
  dashboardSection,
  merchantsSection,
  walletsSection,
  payoutsSection,
  ledgerAuditSection,
  notificationsSection,
  auditLogSection,
  operatorsSection,
];
