/**
 * Parser error messages in the words of the language, not of Chevrotain:
 * "expected `}` but found `let`" rather than "Expecting token of type --> RBrace <--".
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import { hardKeywords } from './tokens.js';

const spelled: Record<string, string> = {
  Arrow: '->', OrOr: '||', AndAnd: '&&', EqEq: '==', NotEq: '!=', LtEq: '<=', GtEq: '>=', Lt: '<', Gt: '>',
  Bang: '!', Plus: '+', Minus: '-', Assign: '=', LBrace: '{', RBrace: '}', LParen: '(', RParen: ')',
  Comma: ',', Semicolon: ';', Colon: ':', Dot: '.', Question: '?',
};

const described: Record<string, string> = {
  Name: 'a name', Word: 'a name', Identifier: 'a name', Integer: 'an integer', HexInteger: 'an integer', Size: 'a size such as 64M',
  StringLiteral: 'a string', Errno: 'an errno such as ENODEV',
};

/** How a token type is named in a message: `{`, `bind`, "a name". */
export function describeTokenType(t: TokenType): string {
  if (t === EOF) return 'end of file';
  if (t.name in spelled) return `\`${spelled[t.name]}\``;
  if (t.name.startsWith('Kw_')) return `\`${t.name.slice(3)}\``;
  return described[t.name] ?? t.name;
}

/** How a found token is named in a message: `let`, end of file. */
export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return 'end of file';
  const image = tok.image.length > 24 ? `${tok.image.slice(0, 24)}…` : tok.image;
  return `\`${image}\``;
}

/** What a grammar rule is, when no alternative of it matched. */
const ruleWhat: Record<string, string> = {
  spec: 'a declaration',
  declaration: 'a declaration (use, kind, target, allow, topology, provider, opstype, driver, fn, constraint or scenario)',
  topoItem: 'a topology item (host_bridge, switch or device)',
  hbProp: 'a host bridge property (`iommu translated|passthrough|off` or `p2p allowed|denied`)',
  devProp: 'a device property (`bar N size SIZE` or `acs on|off`)',
  providerProp: 'a provider property (`device NAME`, `bar N` or `lifetime devres|pgmap|manual`)',
  opsSlot: 'an ops slot (`NAME(params)`, `required NAME(params)` or `flag NAME`)',
  driverItem: 'a driver item (state, probe, remove, ops, action or fn)',
  opsEntry: 'an ops entry (`flag = value`, `callback(params) { … }` or `slot = fn_name`)',
  statement: 'a statement',
  expression: 'an expression',
  unaryExpr: 'an expression',
  primary: 'an expression',
  rule: 'a constraint rule (lifetime, before, never, requires, leads_to, always or at end)',
  scenarioLine: 'a scenario line (bind, unbind, unplug, an action call, parallel, choose, faults or expect)',
  expectLine: '`ok`, `violation NAME` or `deadlock`',
  branch: 'a branch `{ … }`',
  integer: 'an integer',
  sizeValue: 'a size such as 64M',
};

function found(actual: IToken): string {
  if (actual.tokenType !== EOF && hardKeywords.includes(actual.image)) {
    return `keyword \`${actual.image}\``;
  }
  return describeToken(actual);
}

function firstTokens(paths: TokenType[][][]): string {
  const names = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) names.add(describeTokenType(path[0]));
  const list = [...names];
  if (list.length <= 4) return list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}` : list.join('');
  return `${list.slice(0, 4).join(', ')}, …`;
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    if (expected === EOF) return `expected ${ruleWhat.declaration} but found ${found(actual)}`;
    // Scenario `choose a() b()`-style writing in a body: say the form that works.
    if (ruleName === 'chooseStmt') return `\`choose\` takes its branches as blocks, \`choose { { … } { … } }\`, but found ${found(actual)}`;
    const hint =
      expected.name === 'Name' && actual.tokenType !== EOF && hardKeywords.includes(actual.image)
        ? ` (\`${actual.image}\` is a keyword and cannot be a name)`
        : '';
    return `expected ${describeTokenType(expected)} but found ${found(actual)}${hint}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${ruleWhat.declaration} but found ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName, customUserDescription }) {
    // An `OR` nested in a rule names what it wants with ERR_MSG; the rule's own words would describe the wrong choice.
    const what = customUserDescription ?? ruleWhat[ruleName] ?? firstTokens(expectedPathsPerAlt);
    return `expected ${what} but found ${found(actual[0]!)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName, customUserDescription }) {
    const what = customUserDescription ?? ruleWhat[ruleName] ?? firstTokens([expectedIterationPaths]);
    return `expected ${what} but found ${found(actual[0]!)}`;
  },
};
