/**
 * The actions the audit log records, named from the business (docs/audit-log.md); a console adds its
 * own here. On the wire in the audit log's answers and filters, so the operator console's filter
 * offers exactly these: no Node.js imports.
 */
export const AUDIT_ACTIONS = [
  'merchant.create', 'merchant.import', 'merchant.update', 'merchant.disable', 'merchant.enable', 'merchant.rollKey',
  'merchant.setPayoutAccount',
  'merchantKeys.reseal',
  'wallet.create', 'wallet.topUp', 'wallet.reverseTopUp', 'wallet.freeze', 'wallet.unfreeze', 'wallet.close', 'wallet.pinLocked', 'wallet.unlockPin', 'wallet.setPin',
  'wallet.newToken', 'wallet.setConfirmLimit', 'wallet.signInLink', 'payCode.issue', 'device.enrol', 'device.revoke',
  'refund.request', 'payout.request', 'payout.confirm', 'payout.fail', 'payout.confirmFileRefused',
  'notification.retry', 'notification.test',
  'user.create', 'user.reset', 'user.changePassword', 'user.setRefundLimit', 'user.disable', 'user.enable',
  'operator.create', 'operator.reset', 'operator.setRole', 'operator.signOut', 'operator.disable', 'operator.enable',
  'session.signIn', 'session.signInFailed', 'session.signOut',
  'statement.download', 'payout.download', 'ledgerAudit.run',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
