// The editor integrations: the TextMate grammar is generated, never written by
// hand (the committed file is what scripts/textmate.ts produces), its patterns
// give the scopes a theme colours, and the VS Code extension's manifest points
// at files that exist and starts `lifespec lsp`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { textmateGrammar, textmatePath, textmateText } from '../scripts/textmate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ext = join(root, 'editors', 'vscode');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

type Pattern = { name: string; match: string };
type Grammar = { patterns: { include: string }[]; repository: Record<string, { patterns: Pattern[] }> };

/**
 * Scopes each token of a line as a TextMate engine does for a grammar of
 * `match` patterns only: at each position the first pattern, in order, that
 * matches there wins. (JavaScript's regular expressions read these patterns
 * as Oniguruma does.)
 */
function scopes(line: string): [string, string][] {
  const g = textmateGrammar() as Grammar;
  const patterns = g.patterns.flatMap((p) => g.repository[p.include.slice(1)]!.patterns).map((p) => ({ name: p.name, re: new RegExp(p.match, 'y') }));
  const out: [string, string][] = [];
  for (let i = 0; i < line.length; ) {
    const hit = patterns.map((p) => ((p.re.lastIndex = i), { name: p.name, m: p.re.exec(line) })).find((h) => h.m && h.m[0].length > 0);
    if (hit?.m) {
      out.push([hit.m[0], hit.name.replace(/\.lspec$/, '')]);
      i += hit.m[0].length;
    } else i++;
  }
  return out;
}

describe('the TextMate grammar', () => {
  test('the committed grammar is the generated one (npm run editors:grammar)', () => {
    expect(readFileSync(join(root, textmatePath), 'utf8')).toBe(textmateText());
  });

  test('keywords, soft keywords, errnos, sizes, strings, comments and doc comments get their scopes', () => {
    expect(scopes('/// doc')).toEqual([['/// doc', 'comment.line.documentation']]);
    expect(scopes('action reg(key: int) -> mr fails ENOMEM { // why')).toEqual([
      ['action', 'keyword.other.contextual'],
      ['int', 'support.type'],
      ['->', 'keyword.operator'],
      ['fails', 'keyword.other.contextual'],
      ['ENOMEM', 'constant.other.errno'],
      ['// why', 'comment.line.double-slash'],
    ]);
    expect(scopes('if kref_put(m.refs) { return none }')).toEqual([
      ['if', 'keyword.control'],
      ['kref_put', 'support.function.primitive'],
      ['return', 'keyword.control'],
      ['none', 'constant.language'],
    ]);
    expect(scopes('device acc under hb { bar 2 size 1G  bar 0 size 0x1000 } use "a.lspec" "open')).toEqual([
      ['device', 'keyword.other.contextual'],
      ['under', 'keyword.other.contextual'],
      ['bar', 'keyword.other.contextual'],
      ['2', 'constant.numeric.integer'],
      ['size', 'keyword.other.contextual'],
      ['1G', 'constant.numeric.size'],
      ['bar', 'keyword.other.contextual'],
      ['0', 'constant.numeric.integer'],
      ['size', 'keyword.other.contextual'],
      ['0x1000', 'constant.numeric.hex'],
      ['use', 'keyword.other'],
      ['"a.lspec"', 'string.quoted.double'],
      ['"open', 'invalid.illegal.unterminated-string'],
    ]);
    // An identifier that starts like a keyword or an errno is a name.
    expect(scopes('iffy Efoo topology_x 12ab')).toEqual([['12ab', 'invalid.illegal.number']]);
  });
});

describe('the VS Code extension', () => {
  const pkg = json(join(ext, 'package.json'));

  test('contributes the lspec language with its configuration and the generated grammar', () => {
    expect(pkg.contributes.languages).toEqual([expect.objectContaining({ id: 'lspec', extensions: ['.lspec'], configuration: './language-configuration.json' })]);
    expect(pkg.contributes.grammars).toEqual([{ language: 'lspec', scopeName: 'source.lspec', path: './syntaxes/lspec.tmLanguage.json' }]);
    expect(join(ext, pkg.contributes.grammars[0].path)).toBe(join(root, textmatePath));
    const config = json(join(ext, 'language-configuration.json'));
    expect(config.comments).toEqual({ lineComment: '//' });
    expect(config.brackets).toContainEqual(['{', '}']);
    expect(existsSync(join(ext, pkg.main))).toBe(true);
  });

  test('the client starts `lifespec lsp`; vscode-languageclient is the extension`s dependency, not the project`s', () => {
    expect(pkg.contributes.configuration.properties['lifespec.server.command'].default).toEqual(['lifespec', 'lsp']);
    expect(pkg.dependencies).toHaveProperty('vscode-languageclient');
    const rootPkg = json(join(root, 'package.json'));
    expect({ ...rootPkg.dependencies, ...rootPkg.devDependencies }).not.toHaveProperty('vscode-languageclient');
    const source = readFileSync(join(ext, 'extension.js'), 'utf8');
    expect(source).toContain("require('vscode-languageclient/node')");
    expect(spawnSync(process.execPath, ['--check', join(ext, 'extension.js')]).status).toBe(0);
  });
});
