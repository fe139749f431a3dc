import type { IncomingMessage } from 'node:http';

/**
 * What a request asks for, read from its request line (RFC 9112, section 3.2): the path of the
 * origin form (`/api/micropay/queryBill?x`), and of the absolute form a client sends through a
 * proxy (`http://pay.example.com/api/micropay/queryBill`), which a server must accept too.
 * Anything else (`*`, a bare name) is returned as it came, and no endpoint has it.
 */
export function requestPath(url: string | undefined): string {
  const target = url ?? '/';
  if (target.charCodeAt(0) === 47 /* '/' */) return target.split('?', 1)[0]!;
  if (!/^https?:\/\//i.test(target)) return target.split('?', 1)[0]!;
  try {
    return new URL(target).pathname;
  } catch {
    return target.split('?', 1)[0]!;
  }
}

/**
 * Why the request's Host is not one a server may take, or null: HTTP/1.1 needs exactly one Host
 * line (RFC 9112, section 3.2). Node.js keeps only the first of several in `headers`, so the
 * raw lines are counted; names of four letters only are compared.
 */
export function hostProblem(req: IncomingMessage): string | null {
  if (req.httpVersion !== '1.1') return null;
  if (req.headers.host === undefined) return 'an HTTP/1.1 request must have a Host header';
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  return hosts > 1 ? 'a request must have one Host header, not several' : null;
}
