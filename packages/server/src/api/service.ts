import {
  formatSen,
  formatWireTime,
  parseMicropay,
  parseQueryBill,
  resultCodeInfo,
  ResultCode,
  signOrderData,
  verify,
  type Envelope,
  type OrderData,
  type Parsed,
  type SignableParams,
} from '@micropay/protocol';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Merchant, Order } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { paymentResultCode } from './outcomes.js';

export interface Answer {
  readonly httpStatus: number;
  readonly envelope: Envelope<OrderData>;
}

/**
 * The MicroPay API's endpoints, free of HTTP: a parsed JSON body in, an envelope out.
 * Field rules and signing come from @micropay/protocol, decisions from the domain, state from the store.
 */
export class MicroPayApi {
  constructor(
    private readonly config: Config,
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async micropay(body: Record<string, unknown>): Promise<Answer> {
    const parsed = parseMicropay(body, { maxAmountSen: this.config.maxAmountSen });
    const auth = await this.#authenticate(parsed, body);
    if (!auth.ok) return auth.answer;
    const decision = await this.store.pay(auth.cmd);
    const code = paymentResultCode(decision);
    return decision.kind === 'rejected'
      ? answer(code)
      : answer(code, this.#orderData(decision.order, auth.merchant));
  }

  async queryBill(body: Record<string, unknown>): Promise<Answer> {
    const auth = await this.#authenticate(parseQueryBill(body), body);
    if (!auth.ok) return auth.answer;
    const order = await this.store.findOrder(auth.cmd.mchId, auth.cmd.mchOrderId);
    if (order === null) return answer(ResultCode.NO_RECORD, null, 'no such order for this merchant');
    return answer(ResultCode.SUCCESS, this.#orderData(order, auth.merchant));
  }

  /** Field rules, then the merchant, its signature, its status and the request's freshness. */
  async #authenticate<T extends { mchId: string; timestampMs: number }>(
    parsed: Parsed<T>,
    body: Record<string, unknown>,
  ): Promise<{ ok: true; cmd: T; merchant: Merchant } | { ok: false; answer: Answer }> {
    if (!parsed.ok) return { ok: false, answer: answer(parsed.code, null, parsed.msg) };
    const merchant = await this.store.findMerchant(parsed.value.mchId);
    if (merchant === null) return { ok: false, answer: answer(ResultCode.NO_RECORD, null, 'no such merchant') };
    if (!verify(body as SignableParams, merchant.apiKey.expose())) {
      return { ok: false, answer: answer(ResultCode.SIGNATURE_ERROR, null, 'secureHash does not match the request') };
    }
    if (merchant.status !== 'active') return { ok: false, answer: answer(ResultCode.MERCHANT_LOCKED) };
    const skewMs = Math.abs(this.clock.nowMs() - parsed.value.timestampMs);
    if (skewMs > this.config.timestampWindowS * 1000) {
      const msg = `timestamp is more than ${this.config.timestampWindowS} s away from the server clock`;
      return { ok: false, answer: answer(ResultCode.PARAM_ERROR, null, msg) };
    }
    return { ok: true, cmd: parsed.value, merchant };
  }

  #orderData(order: Order, merchant: Merchant): OrderData {
    const tz = this.config.timeZone;
    return signOrderData(
      {
        merchantOrderId: order.mchOrderId,
        wavpayOrderId: order.orderId,
        mchId: order.mchId,
        merchantName: merchant.name,
        tradeTime: formatWireTime(order.tradeTimeMs, tz),
        payTime: order.payTimeMs === null ? null : formatWireTime(order.payTimeMs, tz),
        paySence: 'MICROPAY',
        tradeStatus: order.status,
        amount: formatSen(order.amountSen),
        goodsInfo: order.goodsInfo,
      },
      this.clock.nowMs(),
      merchant.apiKey.expose(),
    );
  }
}

/** An envelope with the catalogue's message (plus a detail naming the field or cause) and its HTTP status. */
export function answer(code: number, data: OrderData | null = null, msg?: string): Answer {
  const info = resultCodeInfo(code);
  if (info === undefined) throw new Error(`result code ${code} is not in the catalogue`);
  return { httpStatus: info.httpStatus, envelope: { code, msg: msg === undefined ? info.msg : `${info.msg}: ${msg}`, data } };
}
