import type { Server, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';

/**
 * The graceful stop of one HTTP listener (docs/operations.md, "Shutdown"). `close()` stops
 * accepting connections, closes the idle keep-alive ones at once, and lets every request already
 * received finish: its answer, and the answer to any request that still arrives on an open
 * connection, carries `Connection: close`, so each connection ends after its current answer and
 * none is cut in the middle of one. It resolves when the last connection has closed. The
 * listeners on copies of the server's listening socket (http/accept-copies.ts) stop with it.
 */
export class HttpDrain {
  #draining = false;
  readonly #inFlight = new Set<ServerResponse>();
  readonly #copies: NetServer[] = [];
  /** One listener for every answer (a response closes once): no closure per request. */
  readonly #closed: (this: ServerResponse) => void;

  constructor(private readonly server: Server) {
    const inFlight = this.#inFlight;
    this.#closed = function (this: ServerResponse) {
      inFlight.delete(this);
    };
    // First among the 'request' listeners, so the header is set before any handler answers.
    server.prependListener('request', (_req, res: ServerResponse) => {
      if (this.#draining) res.setHeader('Connection', 'close');
      inFlight.add(res);
      res.on('close', this.#closed);
    });
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Listeners that hand their connections to this server: they stop accepting when it does. */
  include(listeners: readonly NetServer[]): void {
    this.#copies.push(...listeners);
  }

  close(): Promise<void> {
    this.#draining = true;
    const closed = Promise.all([this.server, ...this.#copies].map(whenClosed)).then(() => {});
    for (const res of this.#inFlight) {
      // Answers not begun yet end their connection; one already on its way ends it when sent.
      if (!res.headersSent) res.setHeader('Connection', 'close');
      else res.once('finish', () => res.socket?.end());
    }
    this.server.closeIdleConnections();
    return closed;
  }
}

/** A listener stopped: its close ends when the connections it accepted have closed. */
function whenClosed(listener: NetServer): Promise<void> {
  return new Promise<void>((resolve) => listener.close(() => resolve()));
}
