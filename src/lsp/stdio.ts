/**
 * The language server's stdio entry (`lifespec lsp`): the one module outside
 * src/cli that touches Node. It connects the server to this process's stdin
 * and stdout and gives it the disk, by `file:` URI, for used files that are
 * not open, read as the CLI reads any spec.
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { stdin, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import type { SpecHost } from '../semantics/files.js';
import { resolvePath } from '../services/workspace.js';
import { serve } from './server.js';

/** Starts the server on stdio; `disk` reads a file by path (the CLI's file host). */
export function startStdioServer(disk: SpecHost): void {
  const connection = createConnection(ProposedFeatures.all, stdin, stdout);
  serve(connection, {
    fallback: {
      resolve: resolvePath,
      read: (uri) => (uri.startsWith('file:') ? disk.read(fileURLToPath(uri)) : { error: `\`${uri}\` is not open and not a file` }),
    },
    schedule: (run, ms) => {
      const t = setTimeout(run, ms);
      return () => clearTimeout(t);
    },
  });
  connection.listen();
}
