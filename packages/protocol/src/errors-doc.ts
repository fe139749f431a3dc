import { MERCHANT_CALLS, RESULT_CODES, type ResultCodeInfo } from './errors.js';

/**
 * Renders the published error catalogue (the part of docs/errors.md between the
 * `<!-- catalogue:start -->` and `<!-- catalogue:end -->` markers) from RESULT_CODES, so the
 * document can never drift from the codes the platform answers with. A test compares the two.
 */
export function renderErrorCatalogue(): string {
  const byCode = [...RESULT_CODES].sort((a, b) => a.code - b.code);
  const spec = byCode.filter((info) => !info.extension);
  const extension = byCode.filter((info) => info.extension);
  return [
    '### Codes of the spec',
    '',
    ...table(spec),
    '',
    '### MicroPay extension codes',
    '',
    ...table(extension),
    '',
  ].join('\n');
}

const HEADER = ['Code', '`msg`', 'HTTP', 'Meaning', 'When it happens', 'What the merchant should do'];

function table(rows: readonly ResultCodeInfo[]): string[] {
  return [
    line(HEADER),
    line(['---:', '---', '---:', '---', '---', '---']),
    ...rows.map((info) =>
      line([String(info.code), `\`${info.msg}\``, String(info.httpStatus), info.meaning, info.when, whatToDo(info)]),
    ),
  ];
}

/**
 * The catalogue's action, then each call's own where it differs (a refund's 500 is not a
 * payment's), the calls with the same words together: "**queryRefund, downloadBill:** …".
 */
function whatToDo(info: ResultCodeInfo): string {
  const callsByAction = new Map<string, string[]>();
  for (const call of MERCHANT_CALLS) {
    const action = info.callActions[call];
    if (action !== undefined) callsByAction.set(action, [...(callsByAction.get(action) ?? []), call]);
  }
  const own = [...callsByAction].map(([action, calls]) => `**${calls.join(', ')}:** ${action}`);
  return [info.merchantAction, ...own].join('<br>');
}

function line(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** A table cell: one line, with the column separator escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}
