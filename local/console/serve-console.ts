import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Where the console is served on the local runtime (the API is at /<stage> on the same origin). */
export const CONSOLE_PATH = '/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};

export function isConsoleRequest(req: IncomingMessage): boolean {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

export interface ConsoleServer {
  /** True when the request was for the console (and was answered). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/**
 * Serves the ops console (console/) at /console: the static files, `app.js` bundled from
 * console/src/main.ts by esbuild on first request (the same bundle the AWS site deploys), and a
 * `config.json` pointing it at this runtime's API stage and /_local endpoints.
 */
export function consoleServer(options: { stageName: string; root?: string }): ConsoleServer {
  const dir = resolve(options.root ?? process.cwd(), 'console');
  let bundle: Promise<string> | undefined;
  const bundleApp = () =>
    build({
      entryPoints: [join(dir, 'src', 'main.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      write: false,
      sourcemap: 'inline',
      logLevel: 'silent',
    }).then((r) => r.outputFiles[0]?.text ?? '');

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
    });
    res.end(body);
  };

  return {
    async handle(req, res) {
      if (!isConsoleRequest(req)) return false;
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'text/plain', 'Method not allowed');
        return true;
      }
      // Relative asset URLs in index.html need the trailing slash.
      if (path === CONSOLE_PATH) {
        res.writeHead(308, { Location: `${CONSOLE_PATH}/` }).end();
        return true;
      }
      const file = path.slice(CONSOLE_PATH.length + 1) || 'index.html';
      try {
        if (file === 'config.json') {
          send(
            res,
            200,
            TYPES['.json']!,
            JSON.stringify({ apiUrl: `/${options.stageName}`, localEndpoints: true }),
          );
        } else if (file === 'app.js') {
          bundle ??= bundleApp();
          send(
            res,
            200,
            TYPES['.js']!,
            await bundle.catch((error: unknown) => {
              bundle = undefined;
              throw error;
            }),
          );
        } else if (file === 'index.html' || file === 'styles.css') {
          send(res, 200, TYPES[file.slice(file.lastIndexOf('.'))]!, await readFile(join(dir, file)));
        } else {
          send(res, 404, 'text/plain', `No console file ${file}`);
        }
      } catch (error) {
        send(res, 500, 'text/plain', `The console could not be served: ${(error as Error).message}`);
      }
      return true;
    },
  };
}
