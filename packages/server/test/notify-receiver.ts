import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// A real merchant endpoint on 127.0.0.1 whose behaviour each test scripts, per delivery attempt.

export type Behaviour = 'fail' | 'echo-fail' | 'echo-unacknowledged' | 'hang' | 'accept' | 'accept-text' | 'slow-accept' | 'html' | 'echo-hash';

export interface Receipt {
  readonly body: Record<string, string | null>;
  readonly atMs: number;
}

export class Receiver {
  readonly receipts: Receipt[] = [];
  /** How many requests for one notificationId were being answered at the same time, at most. */
  maxConcurrentPerId = 0;
  readonly #inFlight = new Map<string, number>();
  #server: Server | null = null;
  url = '';

  /** `script(n)` decides the n-th (from 1) attempt of any notification id. */
  constructor(public script: (attempt: number) => Behaviour = () => 'accept') {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notify`;
    return this;
  }

  async stop(): Promise<void> {
    if (this.#server === null) return;
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server!.close(resolve));
  }

  byId(id: string): Receipt[] {
    return this.receipts.filter((r) => r.body.notificationId === id);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw) as Record<string, string | null>;
    const id = body.notificationId!;
    this.receipts.push({ body, atMs: Date.now() });
    const attempt = this.byId(id).length;
    const inFlight = (this.#inFlight.get(id) ?? 0) + 1;
    this.#inFlight.set(id, inFlight);
    this.maxConcurrentPerId = Math.max(this.maxConcurrentPerId, inFlight);
    const done = () => this.#inFlight.set(id, this.#inFlight.get(id)! - 1);
    switch (this.script(attempt)) {
      case 'fail':
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"code":1,"msg":"database down"}');
        return done();
      // Receivers that send the signed body back in an answer that is not an acknowledgement.
      case 'echo-fail':
        res.writeHead(500, { 'Content-Type': 'application/json' }).end(raw);
        return done();
      case 'echo-hash':
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 1, msg: 'bad hash', got: body.secureHash }));
        return done();
      case 'echo-unacknowledged':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(raw);
        return done();
      case 'hang':
        // Never answers: the platform must give up at its timeout. Closed by stop().
        return;
      case 'accept':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":0,"msg":"success"}');
        return done();
      case 'accept-text':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('success');
        return done();
      // A proxy's error page served with 200: not an acknowledgement; long, with line breaks and an escape.
      case 'html':
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html>\r\n<body>\u001b[31mBad gateway</body>\n${'padding '.repeat(50)}</html>`);
        return done();
      case 'slow-accept':
        setTimeout(() => {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":0}');
          done();
        }, 150);
        return;
    }
  }
}
