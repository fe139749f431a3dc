import { sign, SIGNATURE_FIELD, verify, type Envelope, type OrderData, type SignableParams } from '@micropay/protocol';

/** `T` is the shape of `data` the endpoint answers with: the order by default, or a refund or bill. */
export interface ApiCallResult<T = OrderData> {
  readonly httpStatus: number;
  readonly envelope: Envelope<T>;
  /** true: data is signed with the key; false: it is not; null: there is no data to sign. */
  readonly signatureValid: boolean | null;
}

/** Signs the parameters with the merchant key, POSTs them, and checks the answer's signature. */
export async function callApi<T = OrderData>(
  baseUrl: string,
  endpoint: string,
  params: Record<string, string>,
  key: string,
  timeoutMs = 15_000,
): Promise<ApiCallResult<T>> {
  const body: Record<string, string> = { ...params, timestamp: String(Date.now()) };
  body[SIGNATURE_FIELD] = sign(body, key);
  const res = await fetch(new URL(`/api/micropay/${endpoint}`, baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const envelope = (await res.json()) as Envelope<T>;
  const data = envelope.data;
  const signatureValid = data === null || data === undefined ? null : verify(data as unknown as SignableParams, key);
  return { httpStatus: res.status, envelope, signatureValid };
}
