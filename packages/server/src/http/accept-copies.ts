import { fork, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { compiledScript } from '../compiled-script.js';
import type { Logger } from '../log.js';

/** A child process of Node.js starts in a fraction of this even on a loaded machine. */
const COPY_TIMEOUT_MS = 5_000;

/** A raw handle of a socket (libuv's), as the IPC channel hands it over. */
interface RawHandle {
  close(): void;
}

/** Where the copies come from; tests pass a copier that fails. */
export interface CopierOptions {
  readonly script?: URL;
  readonly timeoutMs?: number;
}

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
export async function acceptMorePerTurn(server: Server, perTurn: number, logger: Logger, options: CopierOptions = {}): Promise<NetServer[]> {
  if (perTurn <= 1) return [];
  try {
    const copies = await copiesOf(server, perTurn - 1, options);
    return copies.map((handle) => listenerOn(handle, server, logger));
  } catch (error) {
    logger.warn({ err: error, perTurn }, 'the listening socket could not be copied: one new connection is accepted per turn');
    return [];
  }
}

/** A listener on one copy, handing its connections to `server` while that server listens. */
function listenerOn(handle: RawHandle, server: Server, logger: Logger): NetServer {
  // Set up as node:http's own listener sets up the connections it accepts.
  const listener = createServer({ allowHalfOpen: true, noDelay: true }, (socket: Socket) => {
    if (server.listening) return void server.emit('connection', socket);
    // The server was closed directly, not through the drain: its copies stop too.
    socket.destroy();
    listener.close();
  });
  listener.on('error', (error) => {
    logger.warn({ err: error }, 'a copy of the listening socket failed: it is closed');
    listener.close();
  });
  return listener.listen(handle);
}

/**
 * `count` new descriptors of the server's listening socket, by way of a child process. Resolved
 * when the child has ended, so no process but this one holds the socket afterwards: a stopped
 * server's port refuses connections.
 */
function copiesOf(server: Server, count: number, options: CopierOptions): Promise<RawHandle[]> {
  const listening = (server as unknown as { _handle: RawHandle | null })._handle;
  if (listening === null) return Promise.reject(new Error('the server is not listening'));
  const child = startCopier(options.script ?? compiledScript('http/socket-copier.js'));
  return new Promise<RawHandle[]>((resolve, reject) => {
    const handles: RawHandle[] = [];
    let failed: Error | null = null;
    let settled = false;
    const settle = (ended: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failed === null && handles.length === count) return resolve(handles);
      // A copy already received is a descriptor of ours: closed, so it does not leak.
      for (const handle of handles) handle.close();
      reject(failed ?? new Error(`the copier ended after ${handles.length} of ${count} copies (${ended})`));
    };
    const fail = (error: Error) => {
      failed ??= error;
      // A child that never started sends no 'exit'.
      if (child.pid === undefined || !child.kill()) settle('not started');
    };
    const timeoutMs = options.timeoutMs ?? COPY_TIMEOUT_MS;
    const timer = setTimeout(() => fail(new Error(`not copied within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (_index: unknown, handle: RawHandle | undefined) => {
      if (handle === undefined) return;
      if (failed !== null || settled) return handle.close(); // too late: given up on
      handles.push(handle);
      if (handles.length === count) child.disconnect();
    });
    child.on('error', fail);
    child.once('exit', (code, signal) => settle(signal ?? `exit code ${code}`));
    try {
      child.send(count, listening as never);
    } catch (error) {
      fail(error as Error);
    }
  });
}

/**
 * The copier, with no flags of ours (a profiler, a preload) and none of our environment (secrets):
 * only what Windows needs to start its sockets. Its output is dropped, as it is not a log line.
 */
function startCopier(script: URL): ChildProcess {
  const env = process.env.SystemRoot === undefined ? {} : { SystemRoot: process.env.SystemRoot };
  return fork(script, [], { execArgv: [], env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
}
