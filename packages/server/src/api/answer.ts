import { resultCodeInfo } from '@micropay/protocol';
import type { PaymentOutcome } from '../domain/payment-minutes.js';
import type { Answer } from './context.js';

/**
 * An envelope with the catalogue's message (plus a detail naming the field or cause) and its HTTP
 * status; a `micropay` answer also carries its outcome for the payment statistics (made here, so
 * the payment path builds one answer object, not two).
 */
export function answer(code: number, data: unknown = null, detail?: string, paymentOutcome?: PaymentOutcome): Answer {
  const info = resultCodeInfo(code);
  if (info === undefined) throw new Error(`result code ${code} is not in the catalogue`);
  const msg = detail === undefined ? info.msg : `${info.msg}: ${detail}`;
  const envelope = { code, msg, data };
  return paymentOutcome === undefined ? { httpStatus: info.httpStatus, envelope } : { httpStatus: info.httpStatus, envelope, paymentOutcome };
}
