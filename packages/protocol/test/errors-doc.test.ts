import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MERCHANT_API_PATH, MERCHANT_CALLS, merchantActionAfter, RESULT_CODES, renderErrorCatalogue, resultCodeInfo, type MerchantCall } from '../src/index.js';
import { ENDPOINT_DOCS } from '../../server/src/http/openapi/endpoints.js';

/**
 * docs/errors.md publishes the catalogue rendered from RESULT_CODES between two markers. This test
 * fails when the two differ; `UPDATE_DOCS=1 npx vitest run packages/protocol` rewrites the section
 * instead (the prose around the markers is left as it is).
 */
const DOC = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const START = '<!-- catalogue:start -->';
const END = '<!-- catalogue:end -->';

/** The spec's published codes (DESIGN.md); everything else must be marked as an extension. */
const SPEC_CODES = [0, 500, 1021, 1022, 1023, 1024, 1025, 1028, 1031, 1032, 1033, 1035, 1036, 1040];

/** What the HTTP layer may answer on any endpoint, before the call is reached (or when it fails: 500). */
const ANY_ENDPOINT_CODES = [500, 9101, 9102, 9103, 9104, 9105, 9107, 9108, 9109];

/** The codes a call can answer: those the API reference lists for it, and the HTTP layer's. */
function codesOf(call: MerchantCall): number[] {
  const own = ENDPOINT_DOCS[`${MERCHANT_API_PATH}${call}`]!.answers.flatMap((answer) => answer.codes);
  return [...new Set([...own, ...ANY_ENDPOINT_CODES])];
}

function requestFieldsOf(call: MerchantCall): string[] {
  return Object.keys((ENDPOINT_DOCS[`${MERCHANT_API_PATH}${call}`]!.request as { properties: object }).properties);
}

/** Words that are about a payment: read after another call they mislead (a query has no goods, a statement no mchOrderId). */
const PAYMENT_WORDS = /goods|mchOrderId|new payment|pay again|charge again|new order id|queryBill/i;

function section(doc: string): { before: string; inside: string; after: string } {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start || doc.indexOf(START, start + 1) >= 0 || doc.indexOf(END, end + 1) >= 0) {
    throw new Error(`${DOC} must contain ${START} once, followed by ${END} once`);
  }
  const from = start + START.length;
  return { before: doc.slice(0, from), inside: doc.slice(from, end), after: doc.slice(end) };
}

describe('the published error catalogue', () => {
  it('docs/errors.md shows exactly the catalogue rendered from RESULT_CODES', () => {
    const doc = readFileSync(DOC, 'utf8');
    const { before, inside, after } = section(doc);
    const rendered = '\n' + renderErrorCatalogue();
    if (process.env.UPDATE_DOCS === '1') {
      if (inside !== rendered) writeFileSync(DOC, before + rendered + after);
      return;
    }
    expect(inside, 'docs/errors.md is out of date: run UPDATE_DOCS=1 npx vitest run packages/protocol').toBe(rendered);
  });

  it('lists every code once, the spec codes apart from the extensions', () => {
    const rendered = renderErrorCatalogue();
    const [specPart, extensionPart] = rendered.split('### MicroPay extension codes');
    for (const info of RESULT_CODES) {
      const row = `^\\| ${info.code} \\|`;
      expect(rendered.match(new RegExp(row, 'gm')), `code ${info.code}`).toHaveLength(1);
      expect(new RegExp(row, 'm').test(info.extension ? extensionPart! : specPart!), `code ${info.code} in its section`).toBe(true);
    }
  });

  it("marks exactly the spec's own codes as not extensions", () => {
    const spec = RESULT_CODES.filter((info) => !info.extension).map((info) => info.code).sort((a, b) => a - b);
    expect(spec).toEqual(SPEC_CODES);
    for (const info of RESULT_CODES.filter((i) => i.extension)) expect(info.code).toBeGreaterThanOrEqual(9000);
  });

  it("gives a call's own action where the payment's would mislead, in the client's words and the document's", () => {
    const row = renderErrorCatalogue().split('\n').find((line) => line.startsWith('| 500 |'))!;
    const refund = merchantActionAfter('refund', 500)!;
    expect(refund).toMatch(/^The refund may or may not be made\. Send the same refund again/);
    expect(row).toContain(`<br>**refund:** ${refund}`);
    // Calls with the same words share one line; a call with none of its own reads the catalogue's.
    expect(row).toContain('<br>**queryBill, queryRefund, queryOrderRefunds, downloadBill:** Ask again after 5 seconds');
    expect(merchantActionAfter('micropay', 500)).toBe(RESULT_CODES.find((i) => i.code === 500)!.merchantAction);
    expect(merchantActionAfter('queryBill', 1031)).toMatch(/pay again under the same mchOrderId/);
    expect(merchantActionAfter('micropay', 1031)).toBe('Check mchId: no merchant has it. Nothing was recorded.');
    expect(merchantActionAfter('refund', 123456)).toBeUndefined();
  });

  it("gives each call other than micropay its own words for every code it can answer where the payment's would mislead", () => {
    const misleading: string[] = [];
    for (const call of MERCHANT_CALLS.filter((c) => c !== 'micropay')) {
      const hasOrderId = requestFieldsOf(call).includes('mchOrderId');
      for (const code of codesOf(call)) {
        const info = resultCodeInfo(code);
        expect(info, `${call} answers ${code}, which is in the catalogue`).toBeDefined();
        const action = merchantActionAfter(call, code)!;
        if (info!.callActions[call] === undefined && PAYMENT_WORDS.test(action)) misleading.push(`${call} ${code}: ${action}`);
        if (!hasOrderId && /mchOrderId/.test(action)) misleading.push(`${call} ${code} (no mchOrderId): ${action}`);
      }
    }
    expect(misleading).toEqual([]);
    // The trial's cases: a statement's bad or future billDate, and a refund query's bad field.
    expect(merchantActionAfter('downloadBill', 1021)).toMatch(/^Fix the request .*billDate is a day, yyyy-MM-dd, that has begun/);
    expect(merchantActionAfter('queryRefund', 1021)).toBe('Fix the request (msg names the field and its rule). Asking records nothing and moves no money.');
    expect(renderErrorCatalogue().split('\n').find((line) => line.startsWith('| 1021 |'))).toContain('<br>**queryBill, queryRefund, queryOrderRefunds:** Fix the request');
  });
});
