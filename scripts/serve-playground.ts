// A tiny static server for playground/dist on 127.0.0.1, for `npm run
// playground` (scripts/playground.ts), the end-to-end tests, the benchmark
// and the screenshots. The page is served cross-origin isolated, so Stop can
// signal the explorer through shared memory instead of terminating its worker.
// Every answer carries a Content-Security-Policy that lets the page load
// nothing from another origin (a spec from a shared link is someone else's
// text), and the page may not be framed. Only GET and HEAD are answered.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * What the page may load: its own scripts, workers, styles and font, and
 * data: images (Monaco draws its squiggles with them). Inline styles are
 * allowed because Monaco sets them; inline scripts, eval, plugins, frames,
 * forms and every other origin are not. playground/index.html carries the
 * same policy in a meta tag, for any other server; frame-ancestors works
 * only as a header.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every answer carries, whatever the file. */
export function securityHeaders(isolated: boolean): Record<string, string> {
  return {
    ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server; resolves with its URL and a way to close it. */
export function servePlayground({
  root = defaultRoot(),
  port = 0,
  host = '127.0.0.1',
  isolated = true,
}: {
  root?: string;
  port?: number;
  host?: string;
  /** Send the headers that make the page cross-origin isolated (shared memory for Stop). */
  isolated?: boolean;
} = {}): Promise<Served> {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root} has no index.html: run \`npm run build:playground\` first`);
  const server = createServer((req, res) => {
    const headers = securityHeaders(isolated);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(normalize(root).replace(/[\\/]$/, '') + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(statSync(file).size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  return (async () => {
    let actual;
    try {
      actual = await listen(port);
    } catch (e) {
      if (port === 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      actual = await listen(0);
    }
    return { url: `http://${host}:${actual}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
  })();
}

/** playground/dist of the checkout the command runs in (npm runs scripts at the package root). */
function defaultRoot(): string {
  return join(process.cwd(), 'playground/dist/');
}
