import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import { markRefused } from '../shared/field-problem.js';
import { bankAccountColumn, bankAccountLines, bankAccountPhrase, DESTINATION_NOT_RECORDED, type BankAccount } from '../console/bank-account.js';
import { formatDuration } from '@micropay/protocol/duration';
import { fileConfirmationWords, PAYOUT_FILE_HEADERS as H, payoutFileWords, type FileConfirmationSummary } from '@micropay/protocol/payout-file';
import { callPage, Unreachable } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { codeColumn, table } from '../console/shell.js';
import { askFirst, button, choice, field, form, nextPage, withActions } from '../console/forms.js';
import { countOf } from '../shared/paging.js';
import { saveDownload } from '../console/download.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';
import { may, optional, roleNote } from './role.js';

/**
 * The Payouts section: payouts across merchants and closed wallets (by default those in no payout
 * file yet: the transfers still to send), paged, each with the bank account to transfer it to and
 * the payout file it went in; Confirm when the bank paid (PAID_OUT), Fail with the bank's reason
 * (the money goes back to the merchant or wallet); and for a file's list, the rest of it paid at once.
 */
interface PayoutRow {
  readonly payoutId: string; readonly mchId: string | null; readonly walletId: string | null; readonly amount: string;
  readonly status: string; readonly failReason: string | null; readonly requestedAtMs: number;
  /** The bank account the payout copied, number whole: finance transfers to it. Null for a closed wallet's holder, and for a merchant's requested before payout accounts. */
  readonly destination: BankAccount | null;
  /** How long before the request the merchant's account was set, when that makes it new (under a day); else null. */
  readonly newAccountAgeMs: number | null;
  /** The payout file it was put in; null: in none yet. */
  readonly fileNo: number | null;
}

export const payoutsSection: Section<SignedInOperator> = {
  id: 'payouts',
  title: 'Payouts',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { id: 'payouts-status', role: 'status', tabIndex: -1 });
    const confirming = document.createElement('div');
    const list = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    // What the list shows, and so what Download CSV saves: a choice becomes it only once its list is drawn.
    let shown: PayoutChoice = { status: 'new', from: '', to: '', file: '' };
    const choosing = payoutChoice(ctx.who, ctx.api, status, () => shown, (choice) => load(choice));
    container.append(...choosing.elements, ...optional(roleNote(ctx.who, 'money', 'downloading the payout file and confirming and failing payouts')),
      status, confirming, list);
    await load(shown);

    /** Reads and draws the choice's list; false when it could not be (the status line says why). */
    async function load(choice: PayoutChoice, cursor?: string): Promise<boolean> {
      // A question about a row drawn before has no place beside the rows drawn now.
      confirming.replaceChildren();
      choosing.busy(true);
      try {
        const a = await callPage<{ payouts: PayoutRow[]; next: string | null }>(`${ctx.api}payouts/list`, { ...choice, ...(cursor === undefined ? {} : { cursor }) });
        if (a.data === null) {
          // The rows of the choice before would read as this one's: none are shown, and none saved.
          list.replaceChildren();
          choosing.busy(true);
          say(status, a.msg, 'error');
          return false;
        }
        shown = choice;
        draw(a.data.payouts, a.data.next);
        choosing.busy(false);
        return true;
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        // The list drawn before stays, and is what Download saves.
        choosing.busy(false);
        say(status, error.message, 'error');
        return false;
      }
    }

    function draw(rows: readonly PayoutRow[], next: string | null): void {
      const t = table(['Payout', 'To', 'Amount', 'Requested', 'Status', 'Actions'],
        rows.map((p) => [p.payoutId, toText(p), p.amount, formatTime(p.requestedAtMs), statusText(p), '']), rows.length === 0 ? 'No payouts here' : caption(shown));
      t.classList.add('payout-list');
      codeColumn(t, 0);
      bankAccountColumn(t, 1, rows.map((p) => p.destination), rows.map((p) => (p.newAccountAgeMs === null ? null : onItsOwnLine(newAccountWarning(p.newAccountAgeMs)))));
      list.replaceChildren(withActions(t, rows.map((p) => (p.status === 'REQUESTED' && may(ctx.who, 'money') ? actions(p) : []))), ...nextPage(next, (cursor) => load(shown, cursor), {
        region: list, said: status, words: (n) => `Next page: ${countOf(n, 'payout')} shown.`,
      }));
      // A file's payouts still waiting: the bank's answer for all of them at once, under the list.
      if (shown.file !== '' && shown.status === 'REQUESTED' && rows.length > 0 && may(ctx.who, 'money')) list.append(wholeFile(shown.file));
    }

    /**
     * The bank paid the rest of a file: the total it reports is typed (never filled in: it is the
     * check), asked about once more, and the server moves the file's waiting payouts only when they
     * sum to it (9045 otherwise, said here).
     */
    function wholeFile(fileNo: string): HTMLFormElement {
      const f = form('payout-file-paid', `The rest of file ${fileNo}, paid by the bank`, [
        field('payout-file-total', `Total the bank paid of file ${fileNo}`, { inputMode: 'decimal', maxLength: 20, autocomplete: 'off' }),
      ], `Confirm the rest of file ${fileNo}…`, async (v) => {
        const total = v['payout-file-total']!;
        if (total === '') {
          say(status, `Type the total the bank reports it paid of file ${fileNo} first.`, 'error');
          return markRefused(f.querySelector<HTMLInputElement>('#payout-file-total')!, status);
        }
        // A refusal said before is not this question's.
        say(status, '');
        askFirst(confirming, `Has the bank paid every payout of file ${fileNo} still waiting, ${total} in all? Record the ones it refused with Fail first. `
          + 'Those still waiting become PAID_OUT together, which is final: the money has left the platform.',
        `Yes, file ${fileNo} is paid out`, () => finishFile(fileNo, total), 'Not yet');
      });
      f.classList.add('whole-file');
      return f;
    }

    async function finishFile(fileNo: string, total: string): Promise<void> {
      let a;
      try {
        a = await callPage<FileConfirmationSummary>(`${ctx.api}payouts/confirm-file`, { file: fileNo, total });
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        // The file may have been paid out all the same: what the list shows now tells.
        await load(shown);
        say(status, `${error.message} File ${fileNo}'s payouts may be PAID_OUT all the same: those gone from this list are. Confirming again moves nothing twice.`, 'error');
        return status.focus();
      }
      if (a.data === null) {
        // Refused (the file changed meanwhile, or the total is not its sum): the list shows the file as it is now.
        await load(shown);
        say(status, a.msg, 'error');
        // The question is gone with its answer: the keyboard goes back to the total, to correct it.
        const typed = list.querySelector<HTMLInputElement>('#payout-file-total');
        if (typed !== null) markRefused(typed, status);
        return;
      }
      await load(shown);
      say(status, fileConfirmationWords(a.data));
      status.focus();
    }

    /** Both outcomes are final, so each asks once more, naming the payout, its amount and where it goes. */
    function actions(p: PayoutRow): HTMLElement[] {
      const reason = Object.assign(document.createElement('input'), { id: `reason-${p.payoutId}`, maxLength: MAX_REASON_LENGTH, autocomplete: 'off' });
      reason.setAttribute('aria-label', `Why payout ${p.payoutId} failed`);
      reason.placeholder = 'Bank\'s reason';
      const to = p.mchId !== null ? `merchant ${p.mchId}` : `the holder of wallet ${p.walletId}`;
      // Paid to the account the payout copied; a failed one goes back to the merchant's balance, not to it.
      const paidTo = p.destination === null ? to : `${to} (${bankAccountPhrase(p.destination)})`;
      const question = `Has the bank paid ${p.amount} to ${paidTo}? Payout ${p.payoutId} becomes PAID_OUT, which is final: the money has left the platform.`;
      // A new account's warning comes again, first, at the last step before the payout is final.
      const confirm = button('Confirm', async () => askFirst(confirming,
        p.newAccountAgeMs === null ? question : [newAccountWarning(p.newAccountAgeMs), ' ', question],
        `Yes, ${p.payoutId} is paid out`, () => finish('confirm', { payoutId: p.payoutId }, `Payout ${p.payoutId} is PAID_OUT: the money has left the platform.`), 'Not yet'),
      '', `Confirm ${p.payoutId}`);
      const fail = button('Fail', async () => {
        // The reason asked about is the reason sent, whatever is typed in the field meanwhile.
        const why = reason.value.trim();
        // The bank's reason is kept with the failed payout (the server requires it): asked for first.
        if (why === '') {
          confirming.replaceChildren();
          say(status, `Type the bank's reason for payout ${p.payoutId} first: it is kept with the failed payout.`, 'error');
          // The request said in the status line belongs to the field while it is marked.
          return markRefused(reason, status);
        }
        say(status, '');
        askFirst(confirming, `Did the bank refuse payout ${p.payoutId} ("${why}")? It becomes FAILED, which is final, and ${p.amount} goes back to ${to}.`,
          `Yes, ${p.payoutId} failed`, () => finish('fail', { payoutId: p.payoutId, reason: why }, `Payout ${p.payoutId} FAILED: ${p.amount} went back.`), 'Not yet');
      }, 'secondary', `Fail ${p.payoutId}`);
      // Enter in the reason is the Fail it was typed for, and only that: the question takes the
      // focus, and the key's own press would otherwise land on its "Not yet".
      reason.addEventListener('keydown', (event) => {
        // Not while a word is being composed (an input method's Enter picks the word), nor held down.
        if (event.key !== 'Enter' || event.isComposing || event.repeat) return;
        event.preventDefault();
        fail.click();
      });
      return [confirm, reason, fail];
    }

    async function finish(path: 'confirm' | 'fail', body: Record<string, unknown>, done: string): Promise<void> {
      const a = await callPage<{ payout: PayoutRow; repeat: boolean }>(`${ctx.api}payouts/${path}`, body);
      if (a.data === null) return say(status, a.msg, 'error');
      // Recorded by someone else first (another operator, the CLI): said so, nothing moved twice.
      say(status, a.data.repeat ? `Payout ${a.data.payout.payoutId} was ${a.data.payout.status} already: nothing moved again.` : done);
      await load(shown);
      // The row and its buttons are gone: the focus goes to what was done, not to the page's top.
      status.focus();
    }
  },
};

/**
 * Which payouts: `new` (in no payout file yet), a status or `all`; the days they were requested
 * (`yyyy-MM-dd` or empty); a payout file's number (or empty).
 */
interface PayoutChoice {
  readonly status: string;
  readonly from: string;
  readonly to: string;
  readonly file: string;
}

function caption(c: PayoutChoice): string {
  if (c.file !== '') return `Payout file ${c.file}`;
  return c.status === 'new' ? 'Payouts in no payout file yet' : c.status === 'REQUESTED' ? 'Payouts waiting for the bank' : 'Payouts';
}

/** The status, the bank's reason for a failure, and the payout file it was put in. */
function statusText(p: PayoutRow): string {
  return `${p.status}${p.failReason === null ? '' : `: ${p.failReason}`}${p.fileNo === null ? '' : `\nIn payout file ${p.fileNo}`}`;
}

/**
 * The choice's form, the note on its days, and Download CSV (the money roles', as on the server)
 * of the choice the list shows, whose status line says what the file holds. `busy` keeps Download
 * from saving while a list is read, or when no list is shown.
 */
function payoutChoice(who: SignedInOperator, api: string, status: HTMLElement, shown: () => PayoutChoice, show: (c: PayoutChoice) => Promise<boolean>) {
  const days = Object.assign(document.createElement('p'), {
    id: 'payout-days', className: 'form-note', textContent: `Days are in ${who.timeZone}, both included; leave one empty for no bound.`,
  });
  const choose = form('payout-filter', 'Which payouts', [
    choice('payout-status', 'Show', [['new', 'Not yet in a payout file'], ['REQUESTED', 'Waiting for the bank (REQUESTED)'], ['PAID_OUT', 'Paid out'], ['FAILED', 'Failed'], ['all', 'All']]),
    field('payout-from', 'Requested from', { type: 'date' }),
    field('payout-to', 'Requested to', { type: 'date' }),
    field('payout-file', 'Payout file', { inputMode: 'numeric', maxLength: 9 }),
  ], 'Show', async (v) => void await show({ status: v['payout-status']!, from: v['payout-from']!, to: v['payout-to']!, file: v['payout-file']! }));
  for (const id of ['payout-from', 'payout-to']) choose.querySelector(`#${id}`)!.setAttribute('aria-describedby', days.id);
  const statusField = choose.querySelector<HTMLSelectElement>('#payout-status')!;
  const fileField = choose.querySelector<HTMLInputElement>('#payout-file')!;
  // A file's payouts are never 'not yet in a file': a number typed asks for what of it still waits.
  fileField.addEventListener('change', () => { if (fileField.value.trim() !== '' && statusField.value === 'new') statusField.value = 'REQUESTED'; });
  /** The list of one file, the form saying so. */
  const showFile = (fileNo: string) => {
    statusField.value = 'REQUESTED';
    fileField.value = fileNo;
    for (const id of ['#payout-from', '#payout-to']) choose.querySelector<HTMLInputElement>(id)!.value = '';
    return show({ status: 'REQUESTED', from: '', to: '', file: fileNo });
  };
  let listed = true;
  const download = button('Download CSV', () => saveFile(api, status, shown(), show, showFile), 'secondary', 'Download CSV of these payouts', () => listed);
  download.id = 'payouts-download';
  const elements: HTMLElement[] = [choose, days, ...(may(who, 'money') ? [download] : [])];
  return {
    elements,
    busy: (busy: boolean) => {
      listed = !busy;
      download.disabled = busy;
      // What the button does follows what is shown: the payouts in no file become a new one.
      const makes = shown().status === 'new';
      download.textContent = makes ? 'Download as a new payout file' : 'Download CSV';
      if (makes) download.removeAttribute('aria-label');
      else download.setAttribute('aria-label', 'Download CSV of these payouts');
    },
  };
}

/**
 * Saves the file of what the list shows and says what it holds. The payouts in no file yet become
 * a new file, whose list is shown next; when the answer was lost the server may have made it all
 * the same, so the list is read again and the words say where such a file would be.
 */
async function saveFile(
  api: string, status: HTMLElement, choice: PayoutChoice, show: (c: PayoutChoice) => Promise<boolean>, showFile: (fileNo: string) => Promise<boolean>,
): Promise<void> {
  const made = choice.status === 'new';
  const done = await saveDownload(`${api}payouts/download`, { ...choice });
  if ('refused' in done) {
    if (!made || done.lost !== true) return say(status, done.refused, 'error');
    await show(choice);
    return say(status, `${done.refused} A payout file may have been made all the same: payouts gone from this list are in it. `
      + 'Choose Waiting for the bank (REQUESTED) to see "In payout file N" under each, and save that file by its number.', 'error');
  }
  const n = (name: string) => Number(done.headers.get(name) ?? '0');
  const fileNo = done.headers.get(H.fileNo);
  const words = `Downloaded ${done.saved}: ${payoutFileWords({
    count: n(H.count), total: done.headers.get(H.total) ?? '', newAccounts: n(H.newAccounts), fileNo: fileNo === null ? null : Number(fileNo),
    made, inEarlierFiles: n(H.inEarlierFiles), finished: n(H.finished),
  })}`;
  // A new file's payouts have left the list of those in none: the list shows the file instead (or,
  // when nothing was new, reads again what another operator may have filed meanwhile). A list that
  // cannot be read says so in place of these words.
  const listed = !made ? true : fileNo !== null ? await showFile(fileNo) : await show(choice);
  if (listed) say(status, words);
}

/**
 * A payout to an account set under a day before it was requested (the age is the server's
 * newAccountAgeMs): the way a stolen password would redirect a merchant's money, so finance is
 * told in the payout's row before it transfers, and again when it confirms.
 */
function newAccountWarning(ageMs: number): HTMLElement {
  return Object.assign(document.createElement('strong'), {
    className: 'new-account',
    textContent: `New account: set ${formatDuration(ageMs)} before this payout was requested. Check the change with the merchant before transferring.`,
  });
}

/** A mark on a line of its own, under the account's lines of the cell (console.css `.payout-list`). */
function onItsOwnLine(mark: HTMLElement): HTMLElement {
  const line = document.createElement('span');
  line.append('\n', mark);
  return line;
}

/**
 * Whose payout it is and where finance transfers it, in one cell so that the row's buttons keep
 * their room: the bank account the payout copied (number whole) when it has one; else a closed
 * wallet's holder, or for a merchant's payout, that it was requested before payout accounts.
 */
function toText(p: PayoutRow): string {
  const whose = p.mchId !== null ? `Merchant ${p.mchId}` : `Wallet ${p.walletId} (closed)`;
  const where = p.destination !== null ? bankAccountLines(p.destination) : p.mchId === null ? "Closed wallet's holder (no bank account given)" : DESTINATION_NOT_RECORDED;
  return `${whose}\n${where}`;
}
