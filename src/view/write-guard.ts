/**
 * Who may write through the view server: only its own page. The server makes a random token per
 * session and puts it into the index.html it serves (a page of another site cannot read that page:
 * the browser's same-origin rule); every write must carry it (x-buried-token, compared in constant
 * time), come from the page's own origin (Origin http://127.0.0.1:PORT or http://localhost:PORT),
 * name its content type and stay under a size limit. The Host header is checked for every request
 * by the server itself (DNS rebinding).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export const TOKEN_HEADER = 'x-buried-token';
/** The meta tag the page reads its token from. */
export const TOKEN_META = 'buried-token';

export class WriteRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Constant-time equality of two strings of any length (both hashed first, so lengths leak nothing). */
export function sameToken(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && given.length === token.length;
}

/** Is `origin` this server's own page (http://127.0.0.1:PORT or http://localhost:PORT)? */
export function isOwnOrigin(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** index.html with the session token in a meta tag (before </head>). */
export function withToken(html: string, token: string): string {
  const tag = `<meta name="${TOKEN_META}" content="${token}">`;
  return html.includes('</head>') ? html.replace('</head>', `${tag}\n</head>`) : `${tag}\n${html}`;
}

/**
 * Check a write request (origin, token, content type, declared size) before its body is read;
 * throws WriteRefused (403, 415, 411, 413).
 */
export function checkWrite(req: http.IncomingMessage, port: number, token: string, contentType: string, limitBytes: number): void {
  const origin = req.headers.origin;
  if (!isOwnOrigin(origin, port)) throw new WriteRefused(403, `writes are accepted only from this viewer's page (Origin ${origin ?? 'absent'} is not http://127.0.0.1:${port})`);
  const given = req.headers[TOKEN_HEADER];
  if (!sameToken(Array.isArray(given) ? given[0] : given, token)) throw new WriteRefused(403, `missing or wrong ${TOKEN_HEADER} (reload the viewer's page: the token changes each time buried view starts)`);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== contentType) throw new WriteRefused(415, `content type must be ${contentType}, got '${type || 'none'}'`);
  const declared = req.headers['content-length'];
  if (declared === undefined) throw new WriteRefused(411, 'a write needs a Content-Length');
  const n = Number(declared);
  if (!Number.isInteger(n) || n < 0) throw new WriteRefused(400, `bad Content-Length '${declared}'`);
  if (n > limitBytes) throw new WriteRefused(413, `body of ${n} bytes is over the limit of ${limitBytes}`);
}

/** The request body, refused (413) as soon as it passes `limitBytes` whatever the header said. */
export function readBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limitBytes) {
        reject(new WriteRefused(413, `body over the limit of ${limitBytes} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}
