// The language server in-process, over a pair of streams: a client connection
// from the protocol library talks to serve() as an editor would. What the
// Neovim session (lsp-neovim.test.ts) does not reach: completion, related
// information, a used file that is open answering before the disk, changes
// and closes republishing, UTF-16 columns, refusals (a stdlib rule, a keyword,
// formatting a text with syntax errors), and the outline of kinds, opstypes,
// providers, constraints and top-level fns.
import { PassThrough } from 'node:stream';
import {
  createConnection,
  createProtocolConnection,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver/node';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { serve } from '../src/lsp/server.js';
import { main as cli } from '../src/cli/main.js';
import { services } from '../src/index.js';

const used = `/// Gives a value.
fn give() -> int { return 1 }
`;

const onDisk = `fn other() -> int { return 2 }
`;

const main = `use "used.lspec"
use dmabuf.rules

// é: a comment with a character two UTF-8 bytes long, one UTF-16 unit
topology {
  host_bridge hb
  device nic under hb
}

driver d for nic {
  state { n: int = 0 }
  action a() { n = give() }
}

fn twice() {}
fn twice() {}

scenario s {
  bind d
  d.a()
}
`;

interface Client {
  conn: ProtocolConnection;
  diagnostics: Map<string, PublishDiagnosticsParams[]>;
  /** Resolves with the next publication for `uri`. */
  next(uri: string): Promise<PublishDiagnosticsParams>;
  request<T>(method: string, params: unknown): Promise<T>;
  notify(method: string, params: unknown): void;
}

let client: Client;
let initialized: { capabilities: Record<string, unknown>; serverInfo?: unknown };
let disk: Map<string, string>;

beforeEach(async () => {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
  disk = new Map([['file:///w/disk.lspec', onDisk]]);
  serve(server, {
    fallback: { resolve: services.resolvePath, read: (uri) => disk.get(uri) ?? { error: `no file ${uri}` } },
    schedule: (run, ms) => {
      const t = setTimeout(run, ms);
      return () => clearTimeout(t);
    },
    debounceMs: 5,
  });
  server.listen();
  const conn = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  const waiting = new Map<string, ((p: PublishDiagnosticsParams) => void)[]>();
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    diagnostics.set(p.uri, [...(diagnostics.get(p.uri) ?? []), p]);
    const w = waiting.get(p.uri)?.shift();
    w?.(p);
  });
  conn.listen();
  client = {
    conn,
    diagnostics,
    next: (uri) => new Promise((resolve) => waiting.set(uri, [...(waiting.get(uri) ?? []), resolve])),
    request: (method, params) => conn.sendRequest(method, params) as never,
    notify: (method, params) => void conn.sendNotification(method, params),
  };
  initialized = await client.request('initialize', { processId: null, rootUri: 'file:///w', capabilities: {} });
  client.notify('initialized', {});
});

afterEach(() => client.conn.dispose());

const open = (uri: string, text: string, version = 1) => client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'lspec', version, text } });
const doc = (uri: string) => ({ textDocument: { uri } });

/** The 0-based position of the first `marker` in `text`, plus `into` (UTF-16, as LSP counts). */
function pos(text: string, marker: string, into = 0) {
  const at = text.indexOf(marker) + into;
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

describe('the server over streams', () => {
  test('initialize declares the features', () => {
    expect(initialized.capabilities).toEqual({
      textDocumentSync: { openClose: true, change: 1 },
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['.', '"'] },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      documentFormattingProvider: true,
      codeActionProvider: { codeActionKinds: ['quickfix'] },
    });
    expect(initialized.serverInfo).toEqual({ name: 'lifespec' });
  });

  test('diagnostics of an open used file answer before the disk; related places; a change republishes; a close clears', async () => {
    const uMain = 'file:///w/main.lspec';
    const uUsed = 'file:///w/used.lspec';
    // The used file is open (and answered) first, whatever the timing: `give` then resolves from it, not from disk.
    const usedFirst = client.next(uUsed);
    open(uUsed, used);
    await usedFirst;
    const firstMain = client.next(uMain);
    open(uMain, main);
    const d = (await firstMain).diagnostics;
    expect(d.map((x) => [x.code, x.range.start, String(x.message).split(':')[0]])).toEqual([
      ['duplicate-declaration', { line: 15, character: 3 }, 'function `twice` is already declared'],
    ]);
    expect(d[0]!.relatedInformation).toEqual([{ location: { uri: uMain, range: { start: { line: 14, character: 3 }, end: { line: 14, character: 8 } } }, message: expect.any(String) }]);

    const changed = client.next(uMain);
    client.notify('textDocument/didChange', { textDocument: { uri: uMain, version: 2 }, contentChanges: [{ text: main.replace('give()', 'gibe()') }] });
    const after = (await changed).diagnostics;
    expect(after.map((x) => x.message)).toContain('unknown function `gibe` (did you mean `give`?)');

    const cleared = client.next(uMain);
    client.notify('textDocument/didClose', doc(uMain));
    expect((await cleared).diagnostics).toEqual([]);
  });

  test('a used file that is not open is read from the fallback (the disk)', async () => {
    const u = 'file:///w/m2.lspec';
    const text = 'use "disk.lspec"\nfn f() -> int { return other() }\n';
    const p = client.next(u);
    open(u, text);
    expect((await p).diagnostics).toEqual([]);
    const def = await client.request<{ uri: string; range: unknown }>('textDocument/definition', { ...doc(u), position: pos(text, 'other()', 1) });
    expect(def).toEqual({ uri: 'file:///w/disk.lspec', range: { start: { line: 0, character: 3 }, end: { line: 0, character: 8 } } });
  });

  test('columns are UTF-16 code units: hover after a non-ASCII comment', async () => {
    const u = 'file:///w/main.lspec';
    const p = client.next(u);
    open(u, main);
    open('file:///w/used.lspec', used);
    await p;
    const h = await client.request<{ contents: { kind: string; value: string }; range: unknown }>('textDocument/hover', { ...doc(u), position: pos(main, 'give()', 2) });
    expect(h.contents.kind).toBe('markdown');
    expect(h.contents.value).toContain('fn give() -> int');
    expect(h.contents.value).toContain('Gives a value.');
    expect(h.range).toEqual({ start: pos(main, 'give()'), end: pos(main, 'give()', 4) });
  });

  test('completion offers the state field and the used file`s fn, replacing the word', async () => {
    const u = 'file:///w/c.lspec';
    const text = main.replace('n = give()', 'n = gi');
    const p = client.next(u);
    open(u, text);
    open('file:///w/used.lspec', used);
    await p;
    const items = await client.request<{ label: string; kind: number; textEdit: { range: unknown; newText: string } }[]>('textDocument/completion', { ...doc(u), position: pos(text, 'n = gi', 6) });
    const give = items.find((i) => i.label === 'give');
    expect(give).toMatchObject({ kind: 3, textEdit: { range: { start: pos(text, 'n = gi', 4), end: pos(text, 'n = gi', 6) } } });
    expect(items.some((i) => i.label === 'n')).toBe(true);
  });

  test('rename: a stdlib rule and a keyword are refused; prepareRename names the range', async () => {
    const u = 'file:///w/r.lspec';
    const text = 'use dmabuf.rules\nallow dmabuf.map_locked\nfn f() {}\nfn g() { f() }\n';
    const p = client.next(u);
    open(u, text);
    await p;
    await expect(client.request('textDocument/rename', { ...doc(u), position: pos(text, 'map_locked'), newName: 'x' })).rejects.toThrow(/declared in `stdlib:dmabuf\/rules.lspec`.*cannot be renamed/);
    await expect(client.request('textDocument/rename', { ...doc(u), position: pos(text, '{ f()', 2), newName: 'scenario' })).rejects.toThrow('`scenario` is a keyword.');
    expect(await client.request('textDocument/prepareRename', { ...doc(u), position: pos(text, '{ f()', 2) })).toEqual({ range: { start: { line: 3, character: 9 }, end: { line: 3, character: 10 } }, placeholder: 'f' });
    expect(await client.request('textDocument/rename', { ...doc(u), position: pos(text, '{ f()', 2), newName: 'h' })).toEqual({
      changes: {
        [u]: [
          { range: { start: { line: 2, character: 3 }, end: { line: 2, character: 4 } }, newText: 'h' },
          { range: { start: { line: 3, character: 9 }, end: { line: 3, character: 10 } }, newText: 'h' },
        ],
      },
    });
  });

  test('formatting makes no edit for a text with syntax errors, or one already canonical', async () => {
    const bad = 'file:///w/bad.lspec';
    const good = 'file:///w/good.lspec';
    const p = client.next(good);
    open(bad, 'fn f( {\n');
    open(good, 'fn f() { }\n');
    await p;
    expect(await client.request('textDocument/formatting', { ...doc(bad), options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    expect(await client.request('textDocument/formatting', { ...doc(good), options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });

  test('document symbols: kinds with fields, opstypes with slots, providers, constraints, top-level fns', async () => {
    const u = 'file:///w/o.lspec';
    const text = `kind k { r: kref }
opstype t { required load(dev) -> int  flag f }
topology { host_bridge hb { p2p allowed }  device acc under hb { bar 2 size 1G } }
provider mem : p2pdma { device acc  bar 2  lifetime manual }
fn helper(x: int) -> int { return x }
constraint c { at end count(k) == 0 }
`;
    const p = client.next(u);
    open(u, text);
    await p;
    type Sym = { name: string; kind: number; detail?: string; children?: Sym[] };
    const syms = await client.request<Sym[]>('textDocument/documentSymbol', doc(u));
    const flat = (s: Sym[]): unknown[] => s.map((x) => [x.name, x.kind, x.detail ?? '', ...(x.children?.length ? [flat(x.children)] : [])]);
    expect(flat(syms)).toEqual([
      ['k', 23, '', [['r', 8, 'kref']]],
      ['t', 11, 'opstype', [['load', 6, ''], ['f', 8, '']]],
      ['topology', 3, '', [['hb', 19, 'host bridge'], ['acc', 19, 'device under hb']]],
      ['mem', 14, 'provider'],
      ['helper', 12, '(x: int) -> int'],
      ['c', 24, '1 rule'],
    ]);
  });
});

describe('lifespec lsp on the command line', () => {
  const run = (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = cli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), color: false });
    return { code, out, err };
  };

  test('--help says what it serves; help lists it', () => {
    const r = run('lsp', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: lifespec lsp \[--stdio\]\n/);
    expect(r.out).toContain('docs/editors.md');
    expect(run('--help').out).toContain('lifespec lsp                    serve the Language Server Protocol on stdio');
    expect(run('help', 'lsp').out).toBe(r.out);
  });

  test('an argument other than --stdio is a usage error', () => {
    expect(run('lsp', 'main.lspec')).toEqual({ code: 2, out: '', err: "lifespec: lsp takes no argument but --stdio, got 'main.lspec'\n" });
  });
});
