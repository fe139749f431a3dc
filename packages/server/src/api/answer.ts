import { resultCodeInfo } from '@micropay/protocol';
import type { Answer } from './context.js';

/** An envelope with the catalogue's message (plus a detail naming the field or cause) and its HTTP status. */
export function answer(code: number, data: unknown = null, detail?: string): Answer {
  const info = resultCodeInfo(code);
  if (info === undefined) throw new Error(`result code ${code} is not in the catalogue`);
  const msg = detail === undefined ? info.msg : `${info.msg}: ${detail}`;
  return { httpStatus: info.httpStatus, envelope: { code, msg, data } };
}
