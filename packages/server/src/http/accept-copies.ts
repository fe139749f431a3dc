import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { compiledScript } from '../compiled-script.js';
import type { Logger } from '../log.js';

/** Longer than a child process of Node.js takes to start on a loaded machine; then one it is. */
const COPY_TIMEOUT_MS = 10_000;

/**
 * More new connections accepted per turn of the event loop (docs/operations.md, "Bursts of new
 * connections"). Node.js 20 (libuv 1.45 and later) accepts one connection per turn from each
 * listening descriptor, and a busy server's turn takes milliseconds: a hundred terminals
 * reconnecting at once waited a hundred turns, up to half a second, before their first answer.
 * Each copy of the listening descriptor is polled on its own, so `perTurn` descriptors accept up
 * to `perTurn` connections a turn, all handed to the one HTTP server. A descriptor with nothing
 * to accept costs nothing; when one connection arrives the others find none (one failed accept
 * each). Returns the copies' listeners, which the drain closes with the server (http/drain.ts);
 * on any failure, none: the server then accepts as before, and a warning says why.
 */
export async function acceptMorePerTurn(server: Server, perTurn: number, logger: Logger): Promise<NetServer[]> {
  if (perTurn <= 1) return [];
  try {
    const copies = await copiesOf(server, perTurn - 1);
    return copies.map((handle) => {
      // No Nagle delay, as node:http's own listener sets on the connections it accepts.
      const listener = createServer({ noDelay: true }, (socket: Socket) => server.emit('connection', socket));
      return listener.listen(handle);
    });
  } catch (error) {
    logger.warn({ err: error, perTurn }, 'the listening socket could not be copied: one new connection is accepted per turn');
    return [];
  }
}

/** `count` new descriptors of the server's listening socket, by way of a child process. */
function copiesOf(server: Server, count: number): Promise<object[]> {
  const listening = (server as unknown as { _handle: object | null })._handle;
  if (listening === null) return Promise.reject(new Error('the server is not listening'));
  // No flags of ours (a profiler, a preload) and none of our environment (secrets) for the child;
  // only what Windows needs to start its sockets.
  const env = process.env.SystemRoot === undefined ? {} : { SystemRoot: process.env.SystemRoot };
  const child = fork(compiledScript('http/socket-copier.js'), [], { execArgv: [], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise<object[]>((resolve, reject) => {
    const handles: object[] = [];
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return; // 'error' and 'exit' may both come
      settled = true;
      clearTimeout(timer);
      child.kill();
      // A copy already received is a descriptor of ours: closed, so it does not leak.
      for (const handle of handles) (handle as { close(): void }).close();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no copies after ${COPY_TIMEOUT_MS} ms`)), COPY_TIMEOUT_MS);
    child.on('message', (_index: unknown, handle: object | undefined) => {
      if (handle === undefined) return;
      if (settled) return void (handle as { close(): void }).close(); // too late: given up on
      handles.push(handle);
      if (handles.length < count) return;
      settled = true;
      clearTimeout(timer);
      child.disconnect();
      resolve(handles);
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the copying process ended (exit code ${code})`)));
    child.send(count, listening as never);
  });
}
