#!/usr/bin/env node
/**
 * Serves the built site (.vitepress/dist) on localhost, as a static host would: clean URLs
 * (/guide/dfo → guide/dfo.html), the right MIME type for .wasm, and the cross-origin-isolation
 * headers (COOP/COEP) under which the wasm backend may use threads. Used by the tests and by
 * `pnpm preview`.
 *
 *   node scripts/serve.mjs [--port 4173] [--no-isolation]
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a URL path maps to, or `undefined`. */
function resolveFile(root, pathname) {
  const clean = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  const base = join(root, clean);
  for (const candidate of [base, `${base}.html`, join(base, 'index.html')]) {
    if (candidate.startsWith(root) && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Starts a server for `root`; resolves to its URL and a `close` function.
 * @param {string} root
 * @param {{ port?: number, isolation?: boolean }} [options]
 */
export function serve(root, options = {}) {
  const dir = resolve(root);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = resolveFile(dir, url.pathname);
    const headers =
      options.isolation === false
        ? {}
        : {
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Embedder-Policy': 'require-corp',
          };
    if (!file) {
      const notFound = join(dir, '404.html');
      res.writeHead(404, { ...headers, 'Content-Type': TYPES['.html'] });
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      ok({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done(undefined))),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : 4173;
  const here = dirname(fileURLToPath(import.meta.url));
  const { url } = await serve(join(here, '../.vitepress/dist'), {
    port,
    isolation: !args.includes('--no-isolation'),
  });
  console.log(`trainlab docs at ${url}/`);
}
