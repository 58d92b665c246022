// The Lifespec extension: the language server is `lifespec lsp` (docs/editors.md),
// started over stdio for every .lspec file; highlighting is the TextMate grammar
// in syntaxes/, generated from the lexer's tokens.
'use strict';
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration('lifespec').get('server.command', ['lifespec', 'lsp']);
  const run = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient('lifespec', 'Lifespec', { run, debug: run }, {
    documentSelector: [{ language: 'lspec' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.lspec') },
  });
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
