// A tiny static server for playground/dist on 127.0.0.1, for `npm run
// playground` (scripts/playground.ts), the end-to-end tests, the benchmark
// and the screenshots. The page is served cross-origin isolated, so Stop can
// signal the explorer through shared memory instead of terminating its worker.
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
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const headers: Record<string, string> = {
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
      'Cache-Control': 'no-cache',
    };
    if (!file.startsWith(normalize(root).replace(/[\\/]$/, '') + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
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
