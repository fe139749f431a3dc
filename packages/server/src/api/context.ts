import type { SandboxFaults } from './sandbox-faults.js';
import type { OfflineCodeLimits } from '../domain/offline-code-limits.js';
import type { SignInLimits } from '../domain/sign-in-limits.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { PaymentOutcome } from '../domain/payment-minutes.js';
import type { Logger } from '../log.js';
import type { CodeResultWatch } from '../services/code-results.js';
import type { Store } from '../store/store.js';

/** What every endpoint handler is given: configuration, the store, the clock and the log. No HTTP objects. */
export interface ApiContext {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The wallet page's live result: requests waiting for what becomes of a payment code. */
  readonly codeResults: CodeResultWatch;
  /** Failed offline codes, limited per device and in total (domain/offline-code-limits.ts). */
  readonly offlineLimits: OfflineCodeLimits;
  /** Sign-in attempts, paced per address and per account in this process (domain/sign-in-limits.ts). */
  readonly signInLimits: SignInLimits;
  /**
   * Aborted when the platform begins to stop: a request that waits on others (a till's charge
   * waiting for the customer) answers then, so the drain is not held for a wait of a minute.
   */
  readonly stopping: AbortSignal;
}

/** A parsed request: the JSON object body and the headers (for the sandbox and wallet tokens). */
export interface ApiRequest {
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** The request reached the platform over TLS (or through a proxy that says so): cookies are Secure. */
  readonly overTls?: boolean;
  /**
   * This platform's merchant API as the server itself answers it (a cashier's charge): the
   * address the request arrived on, and a fetch that answers in-process, so a charge in flight
   * still reaches it while the listener is closed for a shutdown.
   */
  readonly ownApi?: { readonly baseUrl: string; readonly fetch: typeof fetch };
  /** For every log line about this request (`reqId`), as in its X-Request-Id answer header. */
  readonly requestId: string;
  /**
   * The client's address as the socket sees it, for the audit log (docs/audit-log.md). Behind a
   * proxy it is the proxy's: X-Forwarded-For is not trusted, since any client can send it.
   */
  readonly clientAddress?: string | null;
  /** The sandbox's rehearsals asked for this request (api/sandbox-faults.ts); absent outside the sandbox. */
  readonly sandbox?: SandboxFaults;
}

export type Handler = (ctx: ApiContext, req: ApiRequest) => Promise<Answer>;

export interface Answer {
  readonly httpStatus: number;
  readonly envelope: { readonly code: number; readonly msg: string; readonly data: unknown };
  /** Headers of this answer only, such as a web page session's Set-Cookie. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A `micropay` answer's outcome for the payment statistics (api/outcomes.ts paymentOutcome). */
  readonly paymentOutcome?: PaymentOutcome;
  /**
   * A file to download instead of the JSON envelope (the console's statement CSV): sent with its
   * type and `Content-Disposition: attachment`; the envelope still names the outcome for the metrics.
   */
  readonly file?: { readonly contentType: string; readonly fileName: string; readonly body: string };
  /** Sandbox only: delay the answer, or close the connection instead of answering. */
  readonly transport?: { readonly delayMs: number; readonly drop: boolean };
}
