import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { merchantActionAfter, RESULT_CODES, renderErrorCatalogue } from '../src/index.js';

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
    expect(row).toContain('<br>**queryRefund, queryOrderRefunds, downloadBill:** Ask again after 5 seconds');
    expect(merchantActionAfter('micropay', 500)).toBe(RESULT_CODES.find((i) => i.code === 500)!.merchantAction);
    expect(merchantActionAfter('queryBill', 1031)).toMatch(/pay again under the same mchOrderId/);
    expect(merchantActionAfter('micropay', 1031)).toBe('Check mchId: no merchant has it. Nothing was recorded.');
    expect(merchantActionAfter('refund', 123456)).toBeUndefined();
  });
});
