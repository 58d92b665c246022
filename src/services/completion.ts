/**
 * Completion: which tokens the grammar allows at the cursor (Chevrotain's
 * content assist on the one parser the checker uses), and which names fit
 * there — from the checked program, the scopes, and the registry's kinds,
 * fields, primitives, events, constants and violations.
 */
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import { lexer } from '../../grammar/lexer.js';
import { declarationStarts, parser } from '../../grammar/parser.js';
import * as Tok from '../../grammar/tokens.js';
import { freeSig, krefPrimitives, objectEvents, queries } from '../semantics/builtins.js';
import type { OpstypeInfo, Program, SlotInfo } from '../semantics/program.js';
import { scalarTypeNames, strip, typeToString, type Type } from '../semantics/types.js';
import { lifetimeFields, type Vocabulary } from '../semantics/vocabulary.js';
import type { Span } from '../source.js';
import { stdlibModules } from '../stdlib/index.js';
import type { DriverInfo } from '../semantics/program.js';
import type * as A from '../syntax/ast.js';
import { contractDoc, knownVersions, stdlibRules } from './kernel.js';
import type { LanguageDocument } from './language-document.js';
import { fails, inert, KREF_NOTE, params, primitiveDoc, primitiveSignature, returns, slotDoc, slotSignature } from './markdown.js';
import { chainType, scopeAt, type DriverChain } from './scopes.js';
import { relativePath } from './workspace.js';

export type CompletionKind =
  | 'keyword'
  | 'variable'
  | 'field'
  | 'function'
  | 'primitive'
  | 'type'
  | 'module'
  | 'rule'
  | 'slot'
  | 'action'
  | 'driver'
  | 'device'
  | 'provider'
  | 'constant'
  | 'errno'
  | 'event'
  | 'file'
  | 'version';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  /** One line beside the label: a signature or a type. */
  readonly detail?: string;
  /** Markdown. */
  readonly documentation?: string;
  /** A snippet in the LSP/Monaco syntax (`${1:x}`) when it differs from the label. */
  readonly snippet?: string;
}

export interface Completions {
  readonly items: CompletionItem[];
  /** The text the chosen item replaces: the word before the cursor. */
  readonly range: Span;
}

/** Errnos worth offering; any `E[A-Z0-9]+` is accepted. */
const commonErrnos = ['ENODEV', 'ENOMEM', 'EBUSY', 'EINVAL', 'EIO', 'ENOENT', 'EPERM', 'EAGAIN', 'ETIMEDOUT', 'EOPNOTSUPP', 'ENXIO', 'EFAULT'];
const wordChar = /[A-Za-z0-9_]/;

function callSnippet(name: string, ps: readonly { name: string }[]): string {
  return `${name}(${ps.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ')})`;
}

/** What may be written at `offset` of the file `uri` (the document's root by default, or a file it uses). */
export function complete(doc: LanguageDocument, offset: number, uri: string = doc.uri): Completions {
  return new Completer(doc, uri).complete(offset);
}

class Completer {
  private readonly p: Program;
  private readonly v: Vocabulary;
  private readonly text: string;
  private readonly spec: A.Spec;

  constructor(
    private readonly doc: LanguageDocument,
    private readonly uri: string,
  ) {
    this.p = doc.program;
    this.v = doc.program.vocabulary;
    this.text = doc.sourceOf(uri)?.text ?? '';
    this.spec = doc.specOf(uri) ?? { uri, decls: [], span: { start: 0, end: 0 } };
  }

  private kindItems(detail: string, only?: 'own'): CompletionItem[] {
    return [...this.v.kinds.values()]
      .filter((k) => !only || this.p.kinds.has(k.name))
      .map((k): CompletionItem => {
        const own = this.p.kinds.get(k.name);
        const fields = own ? [...own.fields.values()].map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ') : '';
        return { label: k.name, kind: 'type', detail: own ? `kind ${k.name} { ${fields} }` : detail, documentation: own?.decl.doc ? inert(own.decl.doc) : k.doc };
      });
  }

  complete(offset: number): Completions {
    const text = this.text;
    let start = offset;
    while (start > 0 && wordChar.test(text[start - 1]!)) start--;
    const range = { start, end: offset };
    const lexed = lexer.tokenize(text.slice(0, start));
    const early = this.fileOrVersion(text, offset, lexed.tokens);
    if (early) return early;
    // Nothing to offer inside a comment or a string.
    const lastComment = lexed.groups.comments?.at(-1);
    if (lastComment && (lastComment.endOffset ?? 0) + 1 >= start && lastComment.tokenType !== Tok.BlockComment) return { items: [], range };
    if (lastComment && lastComment.tokenType === Tok.BlockComment && (lastComment.endOffset ?? 0) + 1 > start) return { items: [], range };
    const tokens = lexed.tokens;
    const lastTok = tokens.at(-1);
    if (lastTok && (lastTok.tokenType === Tok.UnterminatedString || lastTok.tokenType === Tok.UnterminatedBlockComment)) return { items: [], range };

    // The grammar is asked from the start of the declaration the cursor is in.
    let depth = 0;
    let declStart = tokens.length;
    tokens.forEach((t, i) => {
      if (t.tokenType === Tok.LBrace) depth++;
      else if (t.tokenType === Tok.RBrace) depth = Math.max(0, depth - 1);
      else if (depth === 0 && declarationStarts.includes(t.tokenType)) declStart = i;
    });
    if (declStart === tokens.length && tokens.length > 0 && depth > 0) declStart = 0;
    const slice = tokens.slice(declStart);
    let paths: { nextTokenType: TokenType; ruleStack: string[] }[];
    try {
      paths = parser.computeContentAssist('spec', slice);
    } catch {
      paths = [];
    }

    const items = new Map<string, CompletionItem>();
    const add = (item: CompletionItem) => {
      if (!items.has(item.label)) items.set(item.label, item);
    };
    const prev = slice.at(-1);

    if (prev?.tokenType === Tok.Dot) {
      const path = paths.find((q) => q.nextTokenType === Tok.Word || q.nextTokenType === Tok.Name);
      const rule = path?.ruleStack.at(-1);
      for (const item of rule === 'ruleName' && path?.ruleStack.includes('allowDecl') ? this.ruleItems(`${this.chain(slice).join('.')}.`, true) : this.members(slice, rule, start)) add(item);
      return { items: [...items.values()], range };
    }

    // `new |`: the grammar also reads `new` as a name there, but a kind is what is wanted.
    if (prev?.tokenType === Tok.Kw.new && paths.some((q) => q.ruleStack.at(-1) === 'newExpr')) return { items: this.kindItems('object kind', 'own'), range };

    for (const q of paths) {
      const tt = q.nextTokenType;
      const rule = q.ruleStack.at(-1) ?? 'spec';
      if (tt.name.startsWith('Kw_')) {
        const word = tt.name.slice(3);
        add({ label: word, kind: 'keyword', detail: Tok.hardKeywords.includes(word) ? 'keyword' : 'keyword (soft)' });
      } else if (tt === Tok.Name || tt === Tok.Identifier || tt === Tok.Word) {
        for (const item of rule === 'ruleName' && q.ruleStack.includes('allowDecl') ? this.ruleItems('', true) : this.names(rule, slice, start)) add(item);
      } else if (tt === Tok.Errno) {
        for (const e of commonErrnos) add({ label: e, kind: 'errno', detail: 'errno' });
      }
    }
    return { items: [...items.values()], range };
  }

  /** `use "` → the files the host has, as this file writes them; `target linux ` → the versions the stdlib knows. */
  private fileOrVersion(text: string, offset: number, tokens: IToken[]): Completions | undefined {
    const last = tokens.at(-1);
    const before = tokens.at(-2);
    if (last?.tokenType === Tok.UnterminatedString && before?.tokenType === Tok.Kw.use) {
      const range = { start: last.startOffset + 1, end: offset };
      const files = this.doc.host?.list?.() ?? [];
      const items = files
        .filter((f) => f !== this.uri)
        .map((f): CompletionItem => {
          const label = relativePath(this.uri, f);
          return { label, kind: 'file', detail: label === f ? 'file' : f };
        });
      return { items, range };
    }
    const n = tokens.length;
    const target = (i: number) => tokens[i]?.tokenType === Tok.Kw.target && tokens[i + 1]?.tokenType === Tok.Kw.linux;
    // `target linux |` or `target linux 6|`, and `target linux 6.|` or `6.1|` (the word before the cursor is the minor).
    let start: number | undefined;
    if (target(n - 2)) start = text.slice(0, offset).search(/[0-9]*$/);
    else if (target(n - 4) && tokens[n - 2]?.tokenType === Tok.Integer && last?.tokenType === Tok.Dot) start = tokens[n - 2]!.startOffset;
    if (start === undefined) return undefined;
    const items = knownVersions(this.v).map((k): CompletionItem => {
      const [major, minor] = k.version.split('.').map(Number) as [number, number];
      return { label: k.version, kind: 'version', detail: k.why, documentation: contractDoc(this.v, { major, minor }, true) };
    });
    return { items, range: { start, end: offset } };
  }

  /** Names that fit where the grammar wants a NAME, in `rule`. */
  private names(rule: string, slice: IToken[], offset: number): CompletionItem[] {
    const prev = slice.at(-1)?.tokenType;
    const topo = (kinds: string[]) =>
      [...this.p.topology.values()].filter((n) => kinds.includes(n.kind)).map((n): CompletionItem => ({ label: n.name, kind: 'device', detail: n.kind, ...(n.decl.doc ? { documentation: inert(n.decl.doc) } : {}) }));
    const drivers = () => [...this.p.drivers.values()].map((d): CompletionItem => ({ label: d.name, kind: 'driver', detail: `driver for ${d.device}`, ...(d.decl.doc ? { documentation: inert(d.decl.doc) } : {}) }));
    switch (rule) {
      case 'type':
        return [
          ...scalarTypeNames.map((t): CompletionItem => ({ label: t, kind: 'type', detail: 'type' })),
          ...this.kindItems('object kind'),
          { label: 'set', kind: 'type', detail: 'set<T>', snippet: 'set<${1:T}>' },
        ];
      case 'useDecl':
        return stdlibModules.filter((m) => !m.prelude).map((m): CompletionItem => ({ label: m.name, kind: 'module', detail: m.uri }));
      case 'switchItem':
      case 'deviceItem':
        return prev === Tok.Kw.under ? topo(['host_bridge', 'switch']) : [];
      case 'providerDecl':
        return prev === Tok.Colon ? [{ label: 'p2pdma', kind: 'keyword', detail: 'provider kind' }] : [];
      case 'providerProp':
        return prev === Tok.Kw.device ? topo(['device']) : [];
      case 'driverDecl':
        return prev === Tok.Kw.for ? topo(['device']) : [];
      case 'opsTable':
        return prev === Tok.Colon
          ? [...this.p.opstypes.values()].map((o): CompletionItem => ({ label: o.name, kind: 'type', detail: `opstype (${o.slots.size} slots)`, ...(o.decl.doc ? { documentation: inert(o.decl.doc) } : {}) }))
          : [];
      case 'opsEntry':
        return this.slotItems(slice);
      case 'actionLine':
        return prev === Tok.Kw.let ? [] : drivers();
      case 'scenarioLine':
        if (prev === Tok.Kw.bind || prev === Tok.Kw.unbind) return drivers();
        if (prev === Tok.Kw.unplug) return topo(['device']);
        return [];
      case 'pattern':
        if (prev === Tok.LParen || prev === Tok.Comma) return [{ label: '_', kind: 'variable', detail: 'any value' }];
        return [
          ...[...this.p.drivers.values()].map((d): CompletionItem => ({ label: d.name, kind: 'driver', detail: 'driver: name one of its callbacks or actions' })),
          ...[...objectEvents, ...this.v.events].map(([name, e]): CompletionItem => ({ label: name, kind: 'event', detail: `${name}(${params(e.params)})`, documentation: e.doc })),
          ...this.primitiveItems(),
        ];
      case 'lifetimeRule': {
        if (prev === Tok.Kw.lifetime) return this.kindItems('object kind');
        const kind = slice.at(-2)?.image;
        const spec = kind === undefined ? undefined : this.v.kinds.get(kind);
        if (prev === Tok.Kw.within && kind && spec) {
          return lifetimeFields(this.v, kind).map((f): CompletionItem => ({ label: f, kind: 'field', detail: typeToString(spec.fields[f]!.type) }));
        }
        return [];
      }
      case 'ruleName':
        return this.ruleItems('');
      case 'newExpr':
        return prev === Tok.Kw.new ? this.kindItems('object kind', 'own') : this.newFieldItems(slice);
      case 'primary':
      case 'args':
      case 'expression':
      case 'unaryExpr':
      case 'postfixExpr':
        return this.scopeItems(offset);
      default:
        return [];
    }
  }

  private primitiveItems(): CompletionItem[] {
    const out: CompletionItem[] = [];
    for (const s of [...queries.values(), ...krefPrimitives.values(), freeSig, ...this.v.primitives.values()]) {
      out.push({ label: s.name, kind: 'primitive', detail: primitiveSignature(s), documentation: primitiveDoc(s), snippet: callSnippet(s.name, s.params) });
    }
    for (const [alias, name] of this.v.primitiveAliases) {
      const s = this.v.primitives.get(name);
      if (s) out.push({ label: alias, kind: 'primitive', detail: primitiveSignature(s, alias), documentation: primitiveDoc(s, alias), snippet: callSnippet(alias, s.params) });
    }
    return out;
  }

  /** Every rule `expect violation` can name that starts with `prefix`, without the prefix; for `allow`, every stdlib rule too. */
  private ruleItems(prefix: string, stdlib = false): CompletionItem[] {
    const out: CompletionItem[] = [];
    const seen = new Set<string>();
    const push = (name: string, doc: string | undefined, detail: string) => {
      if (!name.startsWith(prefix)) return;
      const label = name.slice(prefix.length);
      if (seen.has(label)) return;
      seen.add(label);
      out.push({ label, kind: 'rule', detail, ...(doc ? { documentation: doc } : {}) });
    };
    for (const c of this.p.constraints.values()) push(c.name, c.decl.doc ?? c.doc ? inert((c.decl.doc ?? c.doc)!) : undefined, c.uri === this.uri ? 'constraint' : `rule of ${c.uri}`);
    for (const [name, doc] of this.v.violations) push(name, doc, 'model violation');
    if (stdlib) for (const r of stdlibRules()) push(r.name, r.decl.doc ? inert(r.decl.doc) : undefined, `rule of ${r.uri}`);
    return out;
  }

  /** The slots of the ops table the cursor is in, with their signatures, as snippets. */
  private slotItems(slice: IToken[]): CompletionItem[] {
    let opstype: OpstypeInfo | undefined;
    for (let i = slice.length - 1; i >= 3; i--) {
      if (slice[i]!.tokenType === Tok.LBrace && slice[i - 2]!.tokenType === Tok.Colon && slice[i - 4]?.tokenType === Tok.Kw.ops) {
        opstype = this.p.opstypes.get(slice[i - 1]!.image);
        break;
      }
    }
    if (!opstype) return [];
    return [...opstype.slots.values()].map((s) => this.slotItem(s));
  }

  private slotItem(s: SlotInfo): CompletionItem {
    if (s.kind === 'flag') return { label: s.name, kind: 'slot', detail: 'flag: bool', snippet: `${s.name} = \${1:true}`, ...(s.doc ? { documentation: inert(s.doc) } : {}) };
    const sig = slotSignature(s);
    return {
      label: s.name,
      kind: 'slot',
      detail: sig,
      documentation: slotDoc(s),
      snippet: `${s.name}(${s.params.map((x, i) => `\${${i + 1}:${x.name}}`).join(', ')}) {\n\t$0\n}`,
    };
  }

  private globals(): CompletionItem[] {
    return [
      ...[...this.p.topology.values()].map((n): CompletionItem => ({ label: n.name, kind: 'device', detail: n.kind === 'device' ? 'pci_dev' : 'bridge', ...(n.decl.doc ? { documentation: inert(n.decl.doc) } : {}) })),
      ...[...this.p.providers.values()].map((v): CompletionItem => ({ label: v.name, kind: 'provider', detail: `p2pdma_provider on ${v.device} BAR ${v.bar}`, ...(v.decl.doc ? { documentation: inert(v.decl.doc) } : {}) })),
      ...[...this.p.fns.values()].map((f): CompletionItem => ({
        label: f.name,
        kind: 'function',
        detail: `fn ${f.name}(${params(f.params)})${returns(f.returns)}`,
        ...(f.decl.doc ? { documentation: inert(f.decl.doc) } : {}),
        snippet: callSnippet(f.name, f.params),
      })),
      ...this.primitiveItems(),
      ...[...this.v.constants].map(([c, spec]): CompletionItem => ({ label: c, kind: 'constant', detail: typeToString(spec.type), documentation: spec.doc })),
    ];
  }

  /** Everything an expression at `offset` can name. */
  private scopeItems(offset: number): CompletionItem[] {
    const { locals, driver, inConstraint } = scopeAt(this.p, offset, this.spec);
    const out: CompletionItem[] = [];
    for (const l of [...locals].reverse()) out.push({ label: l.name, kind: 'variable', detail: typeToString(l.type) });
    if (driver) {
      for (const f of driver.fields.values()) {
        const doc = [f.decl.doc ? inert(f.decl.doc) : '', f.type.k === 'kref' ? KREF_NOTE : ''].filter(Boolean).join('\n\n');
        out.push({ label: f.name, kind: 'field', detail: `${driver.name}.${f.name}: ${typeToString(f.type)}`, ...(doc ? { documentation: doc } : {}) });
      }
      for (const o of driver.ops.values()) out.push({ label: o.name, kind: 'variable', detail: `ops ${o.name} : ${o.decl.type.name}` });
      // Its own fns: they see its state, and shadow a top-level fn of the same name.
      for (const f of driver.fns.values()) {
        out.push({ label: f.name, kind: 'function', detail: `fn ${driver.name}.${f.name}(${params(f.params)})${returns(f.returns)}${fails(f)}`, ...(f.decl.doc ? { documentation: inert(f.decl.doc) } : {}), snippet: callSnippet(f.name, f.params) });
      }
    }
    if (inConstraint) {
      for (const d of this.p.drivers.values()) out.push({ label: d.name, kind: 'driver', detail: 'driver: its state fields' });
      out.push(...this.kindItems('object kind, for count()'));
    } else if (this.inBody(offset)) {
      // A body may call any driver's action, as kernel code calls another module's exported function.
      for (const d of this.p.drivers.values()) if (d.actions.size > 0) out.push({ label: d.name, kind: 'driver', detail: d.component ? 'component: call its actions' : 'driver: call its actions' });
      for (const k of this.p.kinds.values()) out.push({ label: k.name, kind: 'type', detail: 'own kind, for count()' });
    }
    out.push(...this.globals());
    return out;
  }

  /** What may follow `chain.`: module and rule name parts, actions, event parts, fields and methods. */
  private members(slice: IToken[], rule: string | undefined, offset: number): CompletionItem[] {
    const parts = this.chain(slice);
    const chain = parts.join('.');
    switch (rule) {
      case 'useDecl':
        return stdlibModules
          .filter((m) => !m.prelude && m.name.startsWith(`${chain}.`))
          .map((m): CompletionItem => ({ label: m.name.slice(chain.length + 1), kind: 'module', detail: m.uri }));
      case 'ruleName':
        return this.ruleItems(`${chain}.`);
      case 'actionLine': {
        const d = this.p.drivers.get(chain);
        return d ? this.actionItems(d) : [];
      }
      case 'pattern': {
        const d = this.p.drivers.get(parts[0] ?? '');
        if (!d) return [];
        if (parts.length === 1) {
          return [
            ...(d.probe ? [{ label: 'probe', kind: 'event', detail: `${d.name}.probe(dev)` } as CompletionItem] : []),
            ...(d.remove ? [{ label: 'remove', kind: 'event', detail: `${d.name}.remove(dev)` } as CompletionItem] : []),
            ...[...d.actions.keys()].map((a): CompletionItem => ({ label: a, kind: 'action', detail: `action of ${d.name}` })),
            ...[...d.ops.values()].map((o): CompletionItem => ({ label: o.name, kind: 'variable', detail: `ops ${o.name} : ${o.decl.type.name}` })),
          ];
        }
        const table = d.ops.get(parts[1] ?? '');
        return table ? [...table.callbacks.keys()].map((s): CompletionItem => ({ label: s, kind: 'slot', detail: `${d.name}.${table.name}.${s}` })) : [];
      }
      default:
        return this.fieldItems(chainType(this.p, parts, offset, this.spec));
    }
  }

  /** The dotted chain of words before the final dot. */
  private chain(slice: IToken[]): string[] {
    const parts: string[] = [];
    let i = slice.length - 2;
    while (i >= 0) {
      const t = slice[i]!;
      if (!tokenMatcher(t, Tok.Word)) break;
      parts.unshift(t.image);
      if (slice[i - 1]?.tokenType !== Tok.Dot) break;
      i -= 2;
    }
    return parts;
  }

  private actionItems(d: DriverInfo): CompletionItem[] {
    return [...d.actions].map(([name, a]): CompletionItem => ({
      label: name,
      kind: 'action',
      detail: `action ${name}(${params(a.params)})${returns(a.returns)}${fails(a)}`,
      ...(a.decl.doc ? { documentation: inert(a.decl.doc) } : {}),
      snippet: callSnippet(name, a.params),
    }));
  }

  /** Whether `offset` is in a body (of a fn, an action, a callback), where expressions may call actions. */
  private inBody(offset: number): boolean {
    const d = this.spec.decls.filter((x) => x.span.start <= offset).at(-1);
    return d?.kind === 'fn' || d?.kind === 'driver';
  }

  /** The fields of the own kind of the `new K {` the cursor is in that are not given yet. */
  private newFieldItems(slice: IToken[]): CompletionItem[] {
    let depth = 0;
    for (let i = slice.length - 1; i >= 1; i--) {
      const t = slice[i]!.tokenType;
      if (t === Tok.RBrace) depth++;
      else if (t === Tok.LBrace && depth > 0) depth--;
      else if (t === Tok.LBrace && slice[i - 2]?.tokenType === Tok.Kw.new) {
        const own = this.p.kinds.get(slice[i - 1]!.image);
        if (!own) return [];
        const given = new Set(slice.slice(i + 1).filter((x, j, all) => all[j + 1]?.tokenType === Tok.Colon).map((x) => x.image));
        return [...own.fields.values()]
          .filter((f) => !given.has(f.name) && f.type.k !== 'kref')
          .map((f): CompletionItem => ({ label: f.name, kind: 'field', detail: `${own.name}.${f.name}: ${typeToString(f.type)}`, snippet: `${f.name}: \${1}`, ...(f.decl.doc ? { documentation: inert(f.decl.doc) } : {}) }));
      }
    }
    return [];
  }

  private fieldItems(t: Type | DriverChain | undefined): CompletionItem[] {
    if (!t) return [];
    if ('driver' in t) {
      if (t.as === 'actions') return this.actionItems(t.driver);
      return [...t.driver.fields.values()].map((f): CompletionItem => ({ label: f.name, kind: 'field', detail: typeToString(f.type) }));
    }
    const s = strip(t);
    if (s.k === 'object') {
      return Object.entries(this.v.kinds.get(s.kind)?.fields ?? {}).map(([name, f]): CompletionItem => {
        const doc = [f.doc && this.p.kinds.has(s.kind) ? inert(f.doc) : (f.doc ?? ''), f.type.k === 'kref' ? KREF_NOTE : ''].filter(Boolean).join('\n\n');
        return { label: name, kind: 'field', detail: `${s.kind}.${name}: ${typeToString(f.type)}`, ...(doc ? { documentation: doc } : {}) };
      });
    }
    if (s.k === 'set') {
      const e = typeToString(s.elem);
      return [
        { label: 'add', kind: 'function', detail: `add(x: ${e})`, snippet: 'add(${1:x})' },
        { label: 'remove', kind: 'function', detail: `remove(x: ${e})`, snippet: 'remove(${1:x})' },
        { label: 'has', kind: 'function', detail: `has(x: ${e}) -> bool`, snippet: 'has(${1:x})' },
        { label: 'size', kind: 'function', detail: 'size() -> int', snippet: 'size()' },
      ];
    }
    return [];
  }
}
