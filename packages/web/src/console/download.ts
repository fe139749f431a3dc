import { downloadPage, Unreachable } from '../shared/page-api.js';

/**
 * A file a console API answers (a statement, the payout file), saved the way a link's download is:
 * the browser's own Save, under the name the server gave. Answers the name saved and the answer's
 * headers, or the refusal's words (or why MicroPay could not be reached, `lost`) for the status line.
 */
export async function saveDownload(
  path: string, body: Record<string, unknown>,
): Promise<{ readonly saved: string; readonly headers: Headers } | { readonly refused: string; readonly lost?: true }> {
  try {
    const a = await downloadPage(path, body);
    if (!('file' in a)) return { refused: a.msg };
    const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(a.file), download: a.fileName });
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has read the blob once the click's download began; the delay leaves it room.
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    return { saved: a.fileName, headers: a.headers };
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    // Lost: the request or its answer; the server may have done what was asked all the same.
    return { refused: error.message, lost: true };
  }
}
