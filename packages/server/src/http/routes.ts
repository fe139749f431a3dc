import { MERCHANT_API_PATH, MERCHANT_CALLS, type MerchantCall } from '@micropay/protocol';
import type { Handler } from '../api/context.js';
import { rehearsable, type OwnFault } from '../api/sandbox-faults.js';
import { closeBill, micropay, queryBill } from '../api/payments.js';
import { downloadBill, queryOrderRefunds, queryRefund, refund } from '../api/refunds.js';
import { cancelCharge, charge, chargeStatus } from '../api/page-charge.js';
import { cashierSession, cashierSignIn, cashierSignOut } from '../api/page-cashier.js';
import { walletCodeResult, walletConfirm, walletDecline, walletOrder, walletPending } from '../api/page-wallet-result.js';
import { chargeReceipt, recentCharges, refundCharge } from '../api/page-cashier-charges.js';
import { merchantSession, merchantSignIn, merchantSignOut } from '../api/page-merchant.js';
import { createUser, listUsers, resetUserPassword, setUserRefundLimit, setUserStatus } from '../api/page-merchant-users.js';
import { changeOwnPassword } from '../api/page-merchant-password.js';
import { adminCreateMerchantUser, adminMerchantUsers, adminResetMerchantUserPassword, adminSetMerchantUserStatus } from '../api/page-admin-merchant-users.js';
import { merchantOrderDetail, refundMerchantOrder, searchMerchantOrders } from '../api/page-merchant-orders.js';
import { downloadStatement, statementDay } from '../api/page-merchant-statements.js';
import {
  listDeadLetters, retryAllDeadLetters, retryDeadLetter, rollApiKey, sendTestDelivery, setNotifyUrl, showApiKey, showNotifySettings, testDeliveryAttempts,
} from '../api/page-merchant-account.js';
import { listActivity, listPayouts, requestPayout, showBalance as showMerchantBalance } from '../api/page-merchant-money.js';
import { adminOperators, adminSession, adminSignIn, adminSignOut } from '../api/page-admin.js';
import { adminCreateMerchant, adminImportMerchant, adminMerchants, adminRollMerchantKey, adminSetMerchantStatus } from '../api/page-admin-merchants.js';
import { adminCheckPayoutAccount, adminMerchantPayoutAccount, adminSetMerchantPayoutAccount } from '../api/page-admin-payout-accounts.js';
import {
  adminCloseWallet, adminCreateWallet, adminFreezeWallet, adminTopUpWallet, adminReverseTopUp, adminUnfreezeWallet, adminRevokeWalletDevices, adminUnlockWalletPin, adminWalletDetail, adminWalletSearch,
} from '../api/page-admin-wallets.js';
import { adminNewWalletToken, adminSetWalletConfirmLimit, adminSetWalletPin, adminWalletHistory, adminWalletSignInLink } from '../api/page-admin-wallet-access.js';
import { changePayoutAccount, showPayoutAccount } from '../api/page-merchant-payout-account.js';
import { adminConfirmPayout, adminConfirmPayoutFile, adminDownloadPayouts, adminFailPayout, adminPayouts } from '../api/page-admin-payouts.js';
import { adminAuditLog, adminDashboard, adminDeadNotifications, adminLedgerAudit, adminNotificationHealth, adminRetryNotification } from '../api/page-admin-ops.js';
import { walletBalance, walletFreeze, walletHistory } from '../api/page-wallet-account.js';
import { walletOfflineDevice, walletOfflineDeviceRenew, walletOfflineDeviceSelfSignOut, walletOfflineDevices, walletOfflineDeviceSignOut, walletPayCode, walletSession, walletSignInWithLink, walletSignInWithPin, walletSignOut } from '../api/page-wallet.js';
import { confirmPayment, declinePayment, enrolDevice, issuePayCode, listDevices, listPending, renewDevice, selfSignOutDevice, showBalance, signOutDevice } from '../api/wallet-api.js';

/**
 * Every endpoint takes a JSON object by POST and answers the JSON envelope. The first two are the
 * spec's; the others are MicroPay's extensions in the same style (docs/api.md).
 */
export const ROUTES: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  // Each of the merchant API's calls (protocol's MERCHANT_CALLS, which the client and the error
  // catalogue name too), with the sandbox faults it rehearses.
  ...merchantApi({
    micropay: [micropay, ['pending', 'fault']],
    queryBill: [queryBill, null],
    closeBill: [closeBill, null],
    refund: [refund, ['refund-hold']],
    queryRefund: [queryRefund, null],
    queryOrderRefunds: [queryOrderRefunds, null],
    downloadBill: [downloadBill, null],
  }),
  // The wallet app's API, authenticated by the wallet's bearer token.
  ['/api/wallet/paycode', issuePayCode],
  ['/api/wallet/balance', showBalance],
  ['/api/wallet/pending', listPending],
  ['/api/wallet/confirm', confirmPayment],
  ['/api/wallet/decline', declinePayment],
  ['/api/wallet/devices/enrol', enrolDevice],
  ['/api/wallet/devices/renew', renewDevice],
  ['/api/wallet/devices/list', listDevices],
  ['/api/wallet/devices/sign-out', signOutDevice],
  ['/api/wallet/devices/self-sign-out', selfSignOutDevice],
  // The web pages' own APIs (docs/pages.md), authenticated by the page's session cookie.
  ['/api/page/wallet/session', walletSession],
  ['/api/page/wallet/sign-in', walletSignInWithPin],
  ['/api/page/wallet/sign-in-link', walletSignInWithLink],
  ['/api/page/wallet/paycode', walletPayCode],
  ['/api/page/wallet/sign-out', walletSignOut],
  ['/api/page/wallet/code-result', walletCodeResult],
  ['/api/page/wallet/pending', walletPending],
  ['/api/page/wallet/order', walletOrder],
  ['/api/page/wallet/confirm', walletConfirm],
  ['/api/page/wallet/decline', walletDecline],
  ['/api/page/wallet/balance', walletBalance],
  ['/api/page/wallet/history', walletHistory],
  ['/api/page/wallet/freeze', walletFreeze],
  ['/api/page/wallet/offline-device', walletOfflineDevice],
  ['/api/page/wallet/offline-device-renew', walletOfflineDeviceRenew],
  ['/api/page/wallet/offline-devices', walletOfflineDevices],
  ['/api/page/wallet/offline-device-sign-out', walletOfflineDeviceSignOut],
  ['/api/page/wallet/offline-device-self-sign-out', walletOfflineDeviceSelfSignOut],
  ['/api/page/cashier/session', cashierSession],
  ['/api/page/cashier/sign-in', cashierSignIn],
  ['/api/page/cashier/sign-out', cashierSignOut],
  ['/api/page/cashier/charge', charge],
  ['/api/page/cashier/charge-status', chargeStatus],
  ['/api/page/cashier/charge-cancel', cancelCharge],
  ['/api/page/cashier/recent-charges', recentCharges],
  ['/api/page/cashier/refund', refundCharge],
  ['/api/page/cashier/receipt', chargeReceipt],
  // The consoles (docs/consoles.md): their sign-ins, then sections behind api/console-access.ts.
  ['/api/page/merchant/session', merchantSession],
  ['/api/page/merchant/sign-in', merchantSignIn],
  ['/api/page/merchant/sign-out', merchantSignOut],
  ['/api/page/merchant/users/list', listUsers],
  ['/api/page/merchant/users/create', createUser],
  ['/api/page/merchant/users/set-refund-limit', setUserRefundLimit],
  ['/api/page/merchant/users/reset-password', resetUserPassword],
  ['/api/page/merchant/users/set-status', setUserStatus],
  ['/api/page/merchant/password/change', changeOwnPassword],
  ['/api/page/merchant/orders/search', searchMerchantOrders],
  ['/api/page/merchant/orders/detail', merchantOrderDetail],
  ['/api/page/merchant/orders/refund', refundMerchantOrder],
  ['/api/page/merchant/statements/day', statementDay],
  ['/api/page/merchant/statements/download', downloadStatement],
  ['/api/page/merchant/api-key/show', showApiKey],
  ['/api/page/merchant/api-key/roll', rollApiKey],
  ['/api/page/merchant/notifications/show', showNotifySettings],
  ['/api/page/merchant/notifications/set-url', setNotifyUrl],
  ['/api/page/merchant/notifications/test', sendTestDelivery],
  ['/api/page/merchant/notifications/test-attempts', testDeliveryAttempts],
  ['/api/page/merchant/notifications/dead', listDeadLetters],
  ['/api/page/merchant/notifications/retry', retryDeadLetter],
  ['/api/page/merchant/notifications/retry-all', retryAllDeadLetters],
  ['/api/page/merchant/balance/show', showMerchantBalance],
  ['/api/page/merchant/balance/payouts', listPayouts],
  ['/api/page/merchant/balance/request-payout', requestPayout],
  ['/api/page/merchant/balance/payout-account', showPayoutAccount],
  ['/api/page/merchant/balance/set-payout-account', changePayoutAccount],
  ['/api/page/merchant/activity', listActivity],
  ['/api/page/admin/session', adminSession],
  ['/api/page/admin/sign-in', adminSignIn],
  ['/api/page/admin/sign-out', adminSignOut],
  ['/api/page/admin/operators', adminOperators],
  ['/api/page/admin/merchants/list', adminMerchants],
  ['/api/page/admin/merchants/create', adminCreateMerchant],
  ['/api/page/admin/merchants/import', adminImportMerchant],
  ['/api/page/admin/merchants/set-status', adminSetMerchantStatus],
  ['/api/page/admin/merchants/roll-key', adminRollMerchantKey],
  ['/api/page/admin/merchants/payout-account', adminMerchantPayoutAccount],
  ['/api/page/admin/merchants/check-payout-account', adminCheckPayoutAccount],
  ['/api/page/admin/merchants/set-payout-account', adminSetMerchantPayoutAccount],
  ['/api/page/admin/merchants/users', adminMerchantUsers],
  ['/api/page/admin/merchants/create-user', adminCreateMerchantUser],
  ['/api/page/admin/merchants/set-user-status', adminSetMerchantUserStatus],
  ['/api/page/admin/merchants/reset-user-password', adminResetMerchantUserPassword],
  ['/api/page/admin/wallets/search', adminWalletSearch],
  ['/api/page/admin/wallets/detail', adminWalletDetail],
  ['/api/page/admin/wallets/create', adminCreateWallet],
  ['/api/page/admin/wallets/top-up', adminTopUpWallet],
  ['/api/page/admin/wallets/reverse-top-up', adminReverseTopUp],
  ['/api/page/admin/wallets/freeze', adminFreezeWallet],
  ['/api/page/admin/wallets/unfreeze', adminUnfreezeWallet],
  ['/api/page/admin/wallets/unlock-pin', adminUnlockWalletPin],
  ['/api/page/admin/wallets/history', adminWalletHistory],
  ['/api/page/admin/wallets/set-pin', adminSetWalletPin],
  ['/api/page/admin/wallets/set-limit', adminSetWalletConfirmLimit],
  ['/api/page/admin/wallets/new-token', adminNewWalletToken],
  ['/api/page/admin/wallets/sign-in-link', adminWalletSignInLink],
  ['/api/page/admin/wallets/revoke-devices', adminRevokeWalletDevices],
  ['/api/page/admin/wallets/close', adminCloseWallet],
  ['/api/page/admin/payouts/list', adminPayouts],
  ['/api/page/admin/payouts/download', adminDownloadPayouts],
  ['/api/page/admin/payouts/confirm', adminConfirmPayout],
  ['/api/page/admin/payouts/confirm-file', adminConfirmPayoutFile],
  ['/api/page/admin/payouts/fail', adminFailPayout],
  ['/api/page/admin/dashboard', adminDashboard],
  ['/api/page/admin/ledger-audit', adminLedgerAudit],
  ['/api/page/admin/notifications/health', adminNotificationHealth],
  ['/api/page/admin/notifications/dead', adminDeadNotifications],
  ['/api/page/admin/notifications/retry', adminRetryNotification],
  ['/api/page/admin/audit-log', adminAuditLog],
]);

/** The merchant API's endpoints, in the sandbox each with the faults of its own (null: none; api/sandbox-faults.ts). */
function merchantApi(calls: Readonly<Record<MerchantCall, readonly [Handler, readonly OwnFault[] | null]>>): [string, Handler][] {
  return MERCHANT_CALLS.map((call) => {
    const [handler, own] = calls[call];
    const path = `${MERCHANT_API_PATH}${call}`;
    return [path, rehearsable(path, handler, own)];
  });
}
