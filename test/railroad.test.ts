import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parser } from '../grammar/parser.js';
import { grammarHtml, terminalLabel } from '../scripts/railroad.js';

const committed = readFileSync(new URL('../docs/grammar.html', import.meta.url), 'utf8');

describe('docs/grammar.html', () => {
  it('is what the parser generates today (run `npm run docs:grammar` after a grammar change)', () => {
    expect(committed === grammarHtml(), 'docs/grammar.html is stale: run `npm run docs:grammar`').toBe(true);
  });

  it('has a diagram for every rule of the parser', () => {
    const rules = parser.getSerializedGastProductions().map((r) => ('name' in r ? String(r.name) : ''));
    for (const key of ['spec', 'driverDecl', 'constraintDecl', 'scenarioDecl', 'opsTable', 'pattern', 'expectLine']) {
      expect(rules).toContain(key);
    }
    for (const rule of rules) expect(committed).toContain(`"name": "${rule}"`);
  });

  it('mentions the key declarations', () => {
    for (const rule of ['driverDecl', 'constraintDecl', 'scenarioDecl', 'providerDecl', 'topologyDecl']) {
      expect(committed).toContain(rule);
    }
  });

  it('labels terminals as they are written, not by token type', () => {
    expect(committed).not.toMatch(/"label": "Kw_/);
    expect(committed).not.toMatch(/"label": "(LBrace|RBrace|LParen|RParen|Comma|Semicolon)"/);
    expect(terminalLabel('Kw_scenario', 'scenario')).toBe('scenario');
    expect(terminalLabel('LBrace', '\\{')).toBe('{');
    expect(terminalLabel('OrOr', '\\|\\|')).toBe('||');
    expect(terminalLabel('Name', undefined)).toBe('NAME');
    expect(terminalLabel('BinaryOperator', 'NOT_APPLICABLE')).toBe('BINARY_OP');
    expect(committed).not.toContain('"label": "NOT_APPLICABLE"');
  });

  it('names no path of the machine it was generated on', () => {
    expect(committed).not.toMatch(/\/(home|tmp|work|Users)\//);
  });
});
