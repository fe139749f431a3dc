import { sessionLimitsWords } from './page-session.js';
/**
 * The result codes of the MicroPay Payment API, defined once for the server, the client and the
 * published catalogue (docs/errors.md is checked against this table by a test).
 *
 * 0 and 500–1040 are the spec's own codes. 9001–9099 are MicroPay's extensions for outcomes the
 * spec has no code for (documented as such); 9101–9199 are request errors answered with a 4xx
 * (malformed HTTP, a missing or unknown wallet token, and a web page API call without its session
 * or CSRF token).
 */
export interface ResultCodeInfo {
  readonly code: number;
  /** The `msg` sent when nothing more specific is said. */
  readonly msg: string;
  /** HTTP status the envelope travels with. */
  readonly httpStatus: number;
  readonly meaning: string;
  readonly when: string;
  readonly merchantAction: string;
  /**
   * A call's own next step where `merchantAction` (said of payments: query the order, pay under a
   * new mchOrderId) would mislead after that call, e.g. a refund's 500.
   */
  readonly callActions: CallActions;
  readonly extension: boolean;
}

/** Where the merchant API's calls are: each at this path and its name. */
export const MERCHANT_API_PATH = '/api/micropay/';
/** The merchant API's calls, as the spec names them (the path after MERCHANT_API_PATH). */
export const MERCHANT_CALLS = ['micropay', 'queryBill', 'closeBill', 'refund', 'queryRefund', 'queryOrderRefunds', 'downloadBill'] as const;
export type MerchantCall = (typeof MERCHANT_CALLS)[number];
export type CallActions = Readonly<Partial<Record<MerchantCall, string>>>;

function entry(
  code: number,
  msg: string,
  httpStatus: number,
  meaning: string,
  when: string,
  merchantAction: string,
  extension = false,
): ResultCodeInfo {
  return { code, msg, httpStatus, meaning, when, merchantAction, callActions: CALL_ACTIONS.get(code) ?? {}, extension };
}

export const ResultCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 500,
  PARAM_ERROR: 1021,
  MERCHANT_LOCKED: 1022,
  ORDER_PAID: 1023,
  ORDER_PAYING: 1024,
  ORDER_CLOSED: 1025,
  INSUFFICIENT_BALANCE: 1028,
  NO_RECORD: 1031,
  DUPLICATE_ORDER: 1032,
  ORDER_ID_ERROR: 1033,
  SIGNATURE_ERROR: 1035,
  CODE_EXPIRED: 1036,
  USER_NOT_FOUND: 1040,
  WALLET_FROZEN: 9001,
  CONFIRMATION_LOCKED: 9002,
  WRONG_PIN: 9003,
  REFUND_EXCEEDS_REFUNDABLE: 9006,
  PLATFORM_BUSY: 9007,
  DEVICE_ENDED: 9010,
  SIGN_IN_FAILED: 9020,
  SIGN_IN_LOCKED: 9021,
  SIGN_IN_LINK_INVALID: 9022,
  SIGN_IN_RATE_LIMITED: 9023,
  USER_DISABLED: 9024,
  ORDER_ID_TAKEN: 9030,
  NOT_THIS_CASHIERS_CHARGE: 9031,
  REFUND_OVER_LIMIT: 9032,
  PAYOUT_EXCEEDS_BALANCE: 9040,
  PAYOUT_NOT_FOUND: 9041,
  PAYOUT_NOT_REQUESTED: 9042,
  PAYOUT_REQUEST_ID_REUSED: 9043,
  NO_PAYOUT_ACCOUNT: 9044,
  PAYOUT_FILE_TOTAL_DIFFERS: 9045,
  TOP_UP_REQUEST_ID_REUSED: 9046,
  NO_NOTIFY_URL: 9050,
  NOTIFICATION_NOT_FOUND: 9051,
  ACTION_REFUSED: 9060,
  NOT_FOUND: 9101,
  METHOD_NOT_ALLOWED: 9102,
  UNSUPPORTED_MEDIA_TYPE: 9103,
  PAYLOAD_TOO_LARGE: 9104,
  MALFORMED_JSON: 9105,
  UNAUTHORIZED: 9106,
  BAD_HTTP_REQUEST: 9107,
  HEADERS_TOO_LARGE: 9108,
  REQUEST_TIMEOUT: 9109,
  SESSION_REQUIRED: 9120,
  CSRF_REJECTED: 9121,
  ROLE_NOT_ALLOWED: 9122,
} as const;

export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

const LOOK_AGAIN = 'Ask again after 5 seconds; asking moves no money.';
const FIX_QUESTION = 'Fix the request (msg names the field and its rule). Asking records nothing and moves no money.';

/**
 * The calls whose next step differs from the catalogue's action, by code (see `callActions`).
 * A call with none of its own here reads the catalogue's words, which speak of a payment: a test
 * holds every other call to having its own wherever those words name a payment's things.
 */
const CALL_ACTIONS: ReadonlyMap<number, CallActions> = new Map<number, CallActions>([
  [ResultCode.SUCCESS, {
    queryBill: 'Act on data.tradeStatus: PAID (or refunded since: REFUND_IN_PROCESS, REFUNDED, REFUND_FAILED) is paid, FAILED is not, and PENDING or NEW is not final yet: ask again.',
    refund: 'Act on data.refundStatus: REFUNDED, REFUND_FAILED (failReason says why), or REFUND_IN_PROCESS (ask queryRefund again later).',
    queryRefund: 'Act on data.refundStatus: REFUNDED, REFUND_FAILED (failReason says why), or REFUND_IN_PROCESS (ask again later).',
    closeBill: 'The order is closed (data.tradeStatus FAILED): nothing was charged, and a payment under this mchOrderId now answers 1025. Start a new payment with a new mchOrderId.',
    queryOrderRefunds: 'Read refundAmount: how much of the order is refunded or being refunded (amount − refundAmount is left to refund).',
    downloadBill: 'Read the statement in data.csv (docs/statements.md).',
  }],
  [ResultCode.SYSTEM_ERROR, {
    queryBill: LOOK_AGAIN,
    refund: 'The refund may or may not be made. Send the same refund again (the same mchRefundId, mchOrderId, refundAmount and reason): it is made at most once. Or call queryRefund with the mchRefundId after 5 seconds.',
    queryRefund: LOOK_AGAIN,
    queryOrderRefunds: LOOK_AGAIN,
    downloadBill: LOOK_AGAIN,
    closeBill: 'Close again after 5 seconds (closing twice changes nothing more), or query the order.',
  }],
  [ResultCode.PARAM_ERROR, {
    refund: 'Fix the request (msg names the field). Nothing was recorded; the same mchRefundId may be used again.',
    queryBill: FIX_QUESTION,
    closeBill: 'Fix the request (msg names the field and its rule). Nothing was closed: the order is as it was.',
    queryRefund: FIX_QUESTION,
    queryOrderRefunds: FIX_QUESTION,
    downloadBill: 'Fix the request (msg names the field and its rule): billDate is a day, yyyy-MM-dd, that has begun in the platform\'s time zone. Asking records nothing and moves no money.',
  }],
  [ResultCode.ORDER_PAID, { closeBill: 'The order was paid and cannot be closed (data.tradeStatus says its state now: PAID, or refunded since): treat it as paid, and refund it if the sale is off.' }],
  [ResultCode.ORDER_PAYING, { refund: 'The order is not settled yet (NEW or PENDING: the customer may be confirming it): nothing was recorded. Refund it once queryBill says PAID.' }],
  [ResultCode.ORDER_CLOSED, { refund: 'The order failed or was closed, so no money was taken and there is nothing to refund. Nothing was recorded.' }],
  [ResultCode.NO_RECORD, {
    queryBill: 'Check mchId. If it is right, the payment was never recorded, so no money moved: pay again under the same mchOrderId, unless you closed it with closeBill (then a payment under it answers 1025: use a new one).',
    refund: 'No such order for this merchant: check mchId and mchOrderId. Nothing was recorded.',
    queryRefund: 'No refund was ever recorded under this mchRefundId (or mchId is wrong), so no money moved for it. Sending the refund again with the same mchRefundId is safe.',
    queryOrderRefunds: 'No such order for this merchant: check mchId and mchOrderId.',
    closeBill: 'Check mchId. If it is right, no payment under this mchOrderId ever reached the platform, and it is now closed: a late payment under it answers 1025. Pay again under a new mchOrderId.',
  }],
  [ResultCode.DUPLICATE_ORDER, { refund: 'This mchRefundId is already used with another mchOrderId, refundAmount or reason (the existing refund is in data). Send the very same values again to learn its outcome, or use a new mchRefundId for a new refund. Nothing moved.' }],
]);

export const RESULT_CODES: readonly ResultCodeInfo[] = [
  entry(0, 'success', 200, 'The call did what it asked.',
    'micropay: the order is PAID. queryBill: the order exists (read tradeStatus). queryOrderRefunds: the order exists (read refundAmount). refund and queryRefund: the refund exists (read refundStatus: REFUNDED, REFUND_FAILED with failReason, or REFUND_IN_PROCESS). downloadBill: the statement is in data.csv.',
    'Hand over the goods: the order is PAID.'),
  entry(500, 'system error, query the order after 5 seconds', 500, 'Internal server error (the spec\'s "system error").',
    'The platform failed in a way that is not the request\'s fault, e.g. its disk or database failed. The payment may or may not have been made.',
    'Do not re-send with a new order id. Wait 5 seconds, then call queryBill with the same mchOrderId; repeat until it answers a final state.'),
  entry(1021, 'param error', 200, 'A request field is missing or malformed, or the timestamp is outside the allowed window.',
    'Any field fails its rule (see docs/api.md), for example a value of a signed request contains `|`; `msg` names the field and the rule.',
    'Fix the request. Nothing was recorded and no money moved; the same mchOrderId may be used again.'),
  entry(1022, 'merchant locked', 200, 'The merchant is disabled.',
    'The operator disabled the merchant (`micropay merchant disable`). Also every merchant console call of a user of that merchant, signed in before or after.',
    'Contact the platform operator. Nothing was recorded and no money moved.'),
  entry(1023, 'merchant order paid', 200, 'The order is already paid.',
    'micropay repeated for a mchOrderId that is PAID (or refunded since) with the same parameters. `data` carries the signed order.',
    'Treat the order as paid (data.tradeStatus); do not charge again.'),
  entry(1024, 'merchant order paying', 200, 'The order is in progress: the user is confirming it (PENDING), or its payment step failed and it is not settled yet (NEW).',
    'micropay above the wallet\'s no-confirmation limit (the order is PENDING and the amount held), or micropay repeated for a mchOrderId whose payment is not yet final; `data` carries the signed order. Also a refund of an order that is not paid yet; then nothing is recorded.',
    'Query the order after 5 seconds, then every few seconds, until it is final (PAID or FAILED); close it (closeBill) if you give up. Never pay again under a new mchOrderId while it is in progress.'),
  entry(1025, 'order closed', 200, 'The order is closed or failed.',
    'micropay repeated for a mchOrderId that is FAILED (declined, closed, timed out, or refused at once); `data` carries the signed order. Also micropay under a mchOrderId the merchant closed before any payment under it reached the platform (closeBill answered 1031); then `data` is null and nothing moves. Also a refund of a FAILED order; then nothing is recorded.',
    'Start a new payment with a new mchOrderId.'),
  entry(1028, 'insufficient balance', 200, 'The wallet cannot cover the amount.',
    'The wallet\'s available balance is below the amount. The order is recorded as FAILED and `data` carries it; the payment code stays usable.',
    'Ask the customer to top up or pay another way; retry with a new mchOrderId.'),
  entry(1031, 'no merchant related records', 200, 'No such merchant, or no such order for this merchant.',
    'mchId is unknown (any endpoint), queryBill, closeBill, queryOrderRefunds or refund for a mchOrderId that was never recorded, or queryRefund for a mchRefundId that was never recorded. closeBill then also closes the mchOrderId: a payment under it answers 1025 from then on. The wallet API\'s and the wallet page\'s confirm and decline for an order that is not the wallet\'s, and the wallet page\'s code-result for a code that is not the session wallet\'s.',
    'Check mchId: no merchant has it. Nothing was recorded.'),
  entry(1032, 'duplicate merchant order number', 200, 'The mchOrderId is already used for a different payment.',
    'micropay with a mchOrderId that exists but with different amount, payCode, goodsInfo, discount or point. `data` carries the existing signed order. refund with a mchRefundId that exists but with a different mchOrderId, refundAmount or reason; `data` carries the existing signed refund.',
    'Use a fresh mchOrderId for a new payment (a fresh mchRefundId for a new refund). Nothing moved.'),
  entry(1033, 'merchant order number error', 200, 'mchOrderId is missing or malformed.',
    'mchOrderId is not 1 to 32 characters of A-Z, a-z, 0-9, `_` and `-`.',
    'Fix the order number. Nothing was recorded.'),
  entry(1035, 'signature error', 200, 'secureHash does not match the request.',
    'secureHash is missing, not 64 hex digits, or not the hash of the parameters with the merchant key.',
    'Check the signing rule (docs/api.md) and the key. Nothing was recorded.'),
  entry(1036, 'QR code expired', 200, 'The payment code can no longer be used.',
    'The code has expired, was already used, or was replaced by a newer code for the same wallet. An offline code (starting 38, docs/offline-codes.md) also when it is outside its time window, its device is signed out, revoked or expired, a later code of the wallet has paid, or its device is over the failed-code limit.',
    'Ask the customer to refresh the code and scan again; the same mchOrderId may be used.'),
  entry(1040, 'app user does not exist', 200, 'The payment code belongs to no wallet.',
    'No wallet ever issued this code (mistyped or from another scheme).',
    'Scan again. Nothing was recorded.'),
  entry(9001, 'wallet frozen', 200, 'Extension: the wallet behind the code is frozen or closed.',
    'The operator froze or closed the wallet. micropay records the order as FAILED and `data` carries it; the wallet API refuses to issue codes.',
    'Ask the customer to pay another way; retry with a new mchOrderId.', true),
  entry(9002, 'confirmation locked', 200, 'Extension (wallet API): too many wrong PINs; the wallet cannot confirm payments.',
    'The wallet\'s PIN was wrong 5 times in a row. Pending payments stay pending until they are declined or time out.',
    'Merchant: nothing to do; the order fails when its confirmation window ends. Wallet holder: ask the operator to unlock (`micropay wallet unlock`).', true),
  entry(9003, 'wrong PIN', 200, 'Extension (wallet API): the PIN does not match.',
    'A confirmation was sent with a wrong PIN; `msg` tells how many tries are left (the wallet page\'s `wallet/confirm` also as `data.triesLeft`).',
    'Wallet holder: try again with the right PIN.', true),
  entry(9006, 'refund amount exceeds the refundable amount', 200,
    'Extension (refunds): the refund would take the order\'s refunds above the amount paid.',
    'refund with a refundAmount above the order\'s amount minus what is already refunded or being refunded; `msg` tells the refundable amount. Nothing is recorded and no money moves.',
    'Refund at most the refundable amount (queryOrderRefunds: amount − refundAmount). The same mchRefundId may be used again.', true),
  entry(9007, 'platform busy', 200, 'Extension: the platform has more payments waiting to be written than it holds, and turned this one away.',
    'micropay while the server already holds its limit of 10,000 payments waiting to be written, for example while its database stalls. This request is turned away before anything is read or written: it records nothing and moves no money; `data` is null. An earlier request under the same mchOrderId (one whose answer was lost) may still have been recorded.',
    'Send the same micropay again (same mchOrderId and parameters) after a short pause, about a second, or query the order: it then answers with the order\'s true state, or 1031 if nothing was ever recorded under the id. Never pay again under a new mchOrderId because of a 9007.', true),
  entry(9010, 'device ended', 200, 'Extension (offline codes): the device was signed out, revoked or has expired, so it cannot be renewed.',
    'A renewal (wallet API `devices/renew`, the wallet page) of a device that was signed out, revoked by the operator, revoked when its wallet was frozen, or not renewed within its lifetime (MICROPAY_OFFLINE_DEVICE_DAYS, docs/offline-codes.md). `msg` tells whether it expired or was signed out or revoked. Nothing changed: its codes stay refused.',
    'Wallet app or page: forget the device\'s secret and enrol again; the new enrolment is a new device with a new secret.', true),
  entry(9020, 'sign-in failed', 200, 'Extension (web pages): the sign-in did not match an account.',
    'A wallet sign-in whose walletId and PIN do not match (or the wallet has no PIN, or is closed), or a cashier sign-in whose merchant id, cashier name and password do not match. The answer does not say which part was wrong. Also a wrong password where the merchant console asks a user for it again (the owner changing the payout account, any user getting a new password of their own); nothing is changed. Each wrong PIN or password of an existing account is counted (docs/pages.md).',
    'Person at the page: check what was typed and try again; after 5 wrong tries in a row the account locks (9021; a merchant user\'s or operator\'s lock ends by itself after 15 minutes).', true),
  entry(9021, 'sign-in locked', 200, 'Extension (web pages): too many wrong PINs or passwords in a row; the account cannot sign in.',
    'A wallet whose PIN was wrong 5 times in a row (the same count that locks confirmation, 9002), or a merchant user (owner or cashier, at the till or the merchant console) or operator whose password or TOTP code was wrong 5 times in a row, within the 15 minutes since the fifth. A password asked again inside a session (the merchant console\'s payout account, Your password) whose wrong try makes the lock also ends that session. Nothing else is recorded.',
    'Merchant user or operator: wait 15 minutes from the fifth wrong try, then sign in again (the count starts anew), or have it unlocked at once with a new password (`micropay merchant-user reset` / `cashier reset`, the owner\'s Users section, `micropay admin reset`). Wallet: ask the operator (`micropay wallet set-pin` or `micropay wallet unlock`).', true),
  entry(9022, 'sign-in link invalid', 200, 'Extension (web pages): the one-time sign-in link cannot be used.',
    'The link was never issued, was used already (each link signs in once), is older than 15 minutes, or its wallet is closed.',
    'Wallet holder: ask the operator for a new link (`micropay wallet link WALLETID`) or sign in with walletId and PIN.', true),
  entry(9023, 'too many sign-in attempts', 429, 'Extension (web pages): too many sign-in attempts from this address or for this account in a short time; this one was not tried.',
    'A sign-in (wallet PIN, till, merchant console, operator console) when the address it comes from has used its 10 quick attempts (then one more every 6 seconds), or the account named has had 10 (then one more every 30 seconds): the defaults of MICROPAY_SIGN_IN_PER_ADDRESS and MICROPAY_SIGN_IN_PER_ACCOUNT, counted per server process, right or wrong. It is refused before the password is checked: nothing is tried, counted toward the lockout or recorded. The answer carries `Retry-After` (seconds).',
    'Person at the page: wait the seconds `Retry-After` (and `msg`) tell, then try again.', true),
  entry(9024, 'user disabled', 200, 'Extension (web pages): the merchant user was disabled by its owner or the operator, or the operator by `micropay admin disable`, and cannot sign in.',
    'A sign-in at the till or the merchant console with the right password of a user that the merchant\'s owner (Users section) or an admin operator (the operator console\'s Merchants → Users, or `micropay merchant-user disable`) disabled. Disabling ended the user\'s sessions. A wrong password is answered 9020 as for any user, so this answer tells only who knows the password. A failed sign-in at the merchant console is in the audit log (`outcome: disabled`; the till\'s sign-ins are not logged); nothing else is recorded. Also the operator console\'s sign-in with the right password (and code) of an operator disabled by `micropay admin disable`, logged the same way.',
    'Merchant user: ask the merchant\'s owner to enable you again (Users section), or the operator (`micropay merchant-user enable`). Operator: ask whoever runs the platform (`micropay admin enable`).', true),
  entry(9030, 'order id taken', 200, 'Extension (cashier page): the charge\'s mchOrderId already names an order this cashier did not start.',
    'A charge whose mchOrderId is already an order of the merchant taken by another cashier or by the merchant\'s own system. Nothing is charged or recorded. The page draws a fresh random id per charge attempt, so only a hand-made request meets this.',
    'Cashier page: start a new charge (a new order id is drawn).', true),
  entry(9031, 'no such charge at this till', 200, 'Extension (cashier page): no charge of this cashier under this mchOrderId.',
    'A refund or receipt for an order that this cashier did not charge: another cashier\'s, one made by the merchant\'s own system, another merchant\'s, or none at all. All are answered alike, so the answer tells nothing about other orders. Nothing is written.',
    'Cashier: refund only your own charges from the list; another cashier\'s charge is refunded by that cashier or by the merchant\'s own system.', true),
  entry(9032, 'refund over the user\'s limit', 200, 'Extension (merchant users): the refund would take the sale\'s refunds above the signed-in cashier\'s refund limit.',
    'A refund by a merchant user whose refund limit is set (`micropay merchant-user create --refund-limit`, or the owner in the merchant console), when the sale\'s refunds in all (done or in process, whoever made them) and this one would be more than that limit; `msg` tells the limit and what is refunded already. Owners have no limit. Nothing is recorded.',
    'Cashier: refund at most what is left of your limit on the sale, or ask the merchant\'s owner to refund it.', true),
  entry(9040, 'payout exceeds balance', 200, 'Extension (payouts, operator): the payout is larger than the merchant\'s balance.',
    '`micropay payout create` for more than the merchant\'s balance at that moment, counting payouts already requested; `msg` tells the balance. Nothing is recorded and no money moves: a balance never goes below zero.',
    'Operator: pay out at most the balance (`micropay merchant show`). The same request id may be used again.', true),
  entry(9041, 'payout not found', 200, 'Extension (payouts, operator): no payout has this id.',
    '`micropay payout confirm` or `payout fail` with a payout id that was never issued.',
    'Operator: check the id (`micropay payout list`). Nothing changed.', true),
  entry(9042, 'payout not REQUESTED', 200, 'Extension (payouts, operator): the payout already has the other outcome, which is final.',
    '`payout confirm` of a FAILED payout, or `payout fail` of a PAID_OUT one; `msg` tells its status. (Recording the outcome it already has again changes nothing and succeeds.) Nothing changed.',
    'Operator: a payout that failed is paid by requesting a new one; money that left the platform is not taken back by MicroPay.', true),
  entry(9043, 'payout request id reused', 200, 'Extension (payouts, operator): the request id names an earlier payout of another amount.',
    '`payout create --request-id` with an id this merchant used before for a different amount; `msg` names that payout. (The same amount answers the earlier payout: nothing is paid twice.) Nothing is recorded.',
    'Operator: use a new request id for a new payout.', true),
  entry(9044, 'no payout account', 200, 'Extension (payouts): the merchant has no payout account, so a payout has nowhere to go.',
    'A payout request (`micropay payout create`, the merchant console) for a merchant whose owner has not set where its payouts go (docs/operations.md, "Payout accounts"). Nothing is recorded and no money moves.',
    'Set the payout account first (the merchant console\'s Balance & payouts, or `micropay merchant payout-account MCHID --holder … --bank … --account …`), then request the payout again with the same request id.', true),
  entry(9045, 'payout file total differs', 200, 'Extension (payouts, operator): the total given for a payout file is not the sum of its payouts still REQUESTED.',
    '`micropay payout confirm-file FILE --total AMOUNT`, or the operator console\'s Confirm the rest of file N… (`/api/page/admin/payouts/confirm-file`): the bank paid the rest of a payout file, and the payouts of the file still REQUESTED do not sum to AMOUNT exactly; `msg` tells how many wait and their sum. No payout moves and no money moves; the refusal is in the audit log (`payout.confirmFileRefused`).',
    'Operator: record the transfers the bank refused first (`micropay payout fail`), then confirm the rest of the file with the total the bank reports for what it paid.', true),
  entry(9046, 'top-up request id reused', 200, 'Extension (top-ups, operator): the request id names an earlier top-up of this wallet of another amount.',
    '`micropay wallet topup WALLETID AMOUNT --request-id ID` (or the operator console\'s Top up, which sends one of its own per attempt) with an id that topped this wallet up by a different amount before; `msg` tells that amount. (The same amount answers the earlier top-up: nothing is topped up twice.) Nothing moves.',
    'Operator: use a new request id for a new top-up.', true),
  entry(9050, 'no notify URL', 200, 'Extension (notifications): the merchant has no notify URL, so a test notification has nowhere to go.',
    'A test notification (`micropay notifications test`, the merchant console) for a merchant without a `notifyUrl`. Nothing is queued.',
    'Set the notify URL first (`micropay merchant update MCHID --notify-url URL`, or the merchant console), then send the test again.', true),
  entry(9051, 'notification not found', 200, 'Extension (notifications): no notification of this merchant has this id.',
    'A re-drive of a notification id that was never issued, or that belongs to another merchant: both are answered alike, so the answer tells nothing about other merchants\' notifications. Nothing changed.',
    'Check the id in the list of dead notifications.', true),
  entry(9060, 'action refused', 200, 'Extension (consoles, offline devices): the wallet, merchant or merchant user is in a state that does not allow the action.',
    'A top-up, unfreeze, PIN unlock or new token of a closed wallet (closing is final); a top-up that would take a wallet above its cap; closing a wallet while payments await its holder\'s confirmation or refunds to it are in process; reversing a top-up the wallet no longer has available (the holder spent it), one reversed already, or an entry that is no top-up of the wallet; importing a merchant under a mchId that exists; enrolling an offline-code device of a wallet that has 10 active devices already (docs/offline-codes.md); in the merchant console, an owner disabling their own user; in either console or the CLI, a new password for a disabled user. `msg` tells why. Nothing changed and no money moved.',
    'Operator: act on what `msg` says (let the pending payments or refunds finish, choose another mchId), then try again. Wallet holder: sign out a device you no longer use, then enrol again. Owner: enable the user before giving it a new password; another owner or the operator disables an owner.', true),
  entry(9101, 'not found', 404, 'Extension (transport): no such endpoint.',
    'The path is not one of the API\'s endpoints.', 'Check the URL.', true),
  entry(9102, 'method not allowed', 405, 'Extension (transport): the endpoint takes POST only (a web page: GET and HEAD).',
    'Any method other than POST (CONNECT too, after which the connection is closed). On the wallet API a CORS preflight from an allowed origin is answered instead (docs/wallet-api.md). On a web page (docs/pages.md) any method other than GET or HEAD.', 'Send a POST.', true),
  entry(9103, 'unsupported media type', 415, 'Extension (transport): the body is not declared as JSON.',
    'Content-Type is not application/json; `msg` says so.', 'Send `Content-Type: application/json`.', true),
  entry(9104, 'payload too large', 413, 'Extension (transport): the body is larger than the platform accepts.',
    'The body exceeds the configured limit (16 KiB by default).', 'Send a smaller body.', true),
  entry(9105, 'malformed JSON', 400, 'Extension (transport): the body is not a JSON object.',
    'The body does not parse as JSON, is not an object, gives a name twice, or has a string with a lone surrogate escape (`\\ud800`).',
    'Send one JSON object, each name once, its text well-formed Unicode.', true),
  entry(9106, 'unauthorized', 401, 'Extension (wallet API): the bearer token is missing or unknown.',
    'A wallet API call without `Authorization: Bearer <token>` or with a token that no wallet has.',
    'Wallet app: use the token issued at wallet creation (`micropay wallet token` issues a new one).', true),
  entry(9107, 'bad HTTP request', 400, 'Extension (transport): the request is not valid HTTP/1.1.',
    'The HTTP parser refused the request line or a header (for example a Content-Length that is not a number), or an HTTP/1.1 request has no Host header; the connection is closed after the answer.',
    'Fix the HTTP client. Nothing was recorded.', true),
  entry(9108, 'request header fields too large', 431, 'Extension (transport): the request\'s headers are larger than the platform accepts.',
    'The request line and headers together exceed Node.js\'s limit (16 KiB by default); the connection is closed after the answer.',
    'Send smaller headers. Nothing was recorded.', true),
  entry(9109, 'request timeout', 408, 'Extension (transport): the request did not arrive in time.',
    'The whole request (request line, headers and body) did not arrive within 30 s of its first byte; the connection is closed after the answer.',
    'Send the whole request promptly. Nothing was recorded; for micropay, query the order before paying again.', true),
  entry(9120, 'session required', 401, 'Extension (web pages): the page API needs a signed-in session of its page.',
    `A page API call (\`/api/page/...\`) without the session cookie of its page, or with a session that is unknown, signed out or expired (${sessionLimitsWords()}). Nothing was read or recorded.`,
    'Person at the page: sign in again.', true),
  entry(9121, 'CSRF token rejected', 403, 'Extension (web pages): a page API call on a session lacks the session\'s CSRF token.',
    'A page API call on a session, a read or a change, sent without the `X-CSRF-Token` header or with a token that is not its session\'s: from a page, the session it showed was replaced by a sign-in in another tab of the browser, whose cookie now holds that one. Nothing was read or recorded.',
    'Page: send the token the session call answered in `X-CSRF-Token`. Another site\'s form or script cannot know it, which is the point. Person at the page: sign in again (in this tab).', true),
  entry(9122, 'role not allowed', 403, 'Extension (consoles): the signed-in merchant user\'s or operator\'s role may not do this.',
    'A merchant console call that only the merchant\'s owner may make (managing users, for one), made in a cashier\'s session; an operator console change the operator\'s role may not make (a payout confirmed by `support`, a merchant created by `finance`: docs/consoles.md, "Operator roles"). Nothing was read or recorded.',
    'Cashier: ask the merchant\'s owner. Operator: ask an operator whose role may, or an admin to change your role (`micropay admin set-role`).', true),
];

const BY_CODE = new Map(RESULT_CODES.map((info) => [info.code, info]));

export function resultCodeInfo(code: number): ResultCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** What the merchant's system should do after `call` answered `code`; undefined for a code not in the catalogue. */
export function merchantActionAfter(call: MerchantCall, code: number): string | undefined {
  const info = BY_CODE.get(code);
  return info === undefined ? undefined : info.callActions[call] ?? info.merchantAction;
}
