/**
 * The playground's language services: markers, completion, hover and
 * go-to-definition for one text. They run in the worker, next to the checker,
 * and answer in plain data (protocol.ts), so this module needs no DOM and no
 * Monaco, and the tests run it under Node.
 *
 * Completion asks the grammar itself which tokens may come next (Chevrotain's
 * content assist on the parser the checker uses), so a keyword is offered
 * exactly where the grammar allows it; names come from the checked program
 * and the scopes of the syntax tree.
 */
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import { lexer } from '../grammar/lexer.js';
import { declarationStarts, parser } from '../grammar/parser.js';
import * as Tok from '../grammar/tokens.js';
import { check, lifecycleEvents, primitives, SourceFile, stdlibModules, type Diagnostic, type Program, type Span, type Symbol } from '../src/index.js';
import { constants, modelViolations, primitiveAliases, type PrimitiveSig } from '../src/semantics/builtins.js';
import type { DriverInfo, OpstypeInfo, SlotInfo } from '../src/semantics/program.js';
import { kindFields, objectKinds, referenceFields, scalarType, strip, T, typeToString, type Type } from '../src/semantics/types.js';
import type * as A from '../src/syntax/ast.js';
import type { CompletionItem, Marker, Range } from './protocol.js';

/** Errnos worth offering; any `E[A-Z0-9]+` is accepted. */
const commonErrnos = ['ENODEV', 'ENOMEM', 'EBUSY', 'EINVAL', 'EIO', 'ENOENT', 'EPERM', 'EAGAIN', 'ETIMEDOUT', 'EOPNOTSUPP', 'ENXIO', 'EFAULT'];
const scalarTypes = ['bool', 'int', 'errno', 'string', 'map_type'];
const wordChar = /[A-Za-z0-9_]/;

const code = (s: string) => `\`\`\`lspec\n${s}\n\`\`\``;

function params(ps: readonly { name: string; type: Type; optional?: boolean }[]): string {
  return ps.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToString(p.type)}`).join(', ');
}

function returns(t: Type): string {
  return t.k === 'void' ? '' : ` -> ${typeToString(t)}`;
}

function primitiveSignature(s: PrimitiveSig, name = s.name): string {
  return `${name}(${params(s.params)})${returns(s.returns)}`;
}

function primitiveDoc(s: PrimitiveSig, name = s.name): string {
  const alias = name !== s.name ? `\n\nThe newer kernel spelling of \`${s.name}\`.` : '';
  const faults = s.faults?.length ? `\n\nUnder \`faults on\` it may also fail with ${s.faults.map((f) => `\`${f}\``).join(', ')}.` : '';
  return `${code(`primitive ${primitiveSignature(s, name)}`)}\n\n${s.doc}${alias}${faults}`;
}

function callSnippet(name: string, ps: readonly { name: string }[]): string {
  return `${name}(${ps.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ')})`;
}

function withDoc(head: string, doc: string | undefined): string {
  return doc ? `${code(head)}\n\n${doc}` : code(head);
}

function typeOfRef(ref: A.TypeRef | undefined): Type {
  if (!ref) return T.unknown;
  let t: Type;
  if (ref.name.name === 'set') t = T.set(typeOfRef(ref.arg));
  else t = scalarType(ref.name.name) ?? T.unknown;
  return ref.optional ? T.optional(t) : t;
}

function contains(span: Span, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}

/** Something in the text that hover and go-to-definition can explain. */
interface Ref {
  readonly span: Span;
  readonly hover: () => string | undefined;
  /** Where it is declared, when that is in this text. */
  readonly def?: () => Span | undefined;
}

interface Local {
  readonly name: string;
  readonly type: Type;
  readonly decl: A.Node;
  readonly nameSpan: Span;
}

/** One checked text and what the editor may ask about it. */
export class Analysis {
  readonly source: SourceFile;
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  /** How long the parse and check took. */
  readonly checkMs: number;
  private refList: Ref[] | undefined;
  /** Local types the checker found, by declaring node. */
  private localTypes: Map<A.Node, Map<string, Type>> | undefined;

  constructor(
    readonly text: string,
    readonly uri = 'playground.lspec',
  ) {
    this.source = new SourceFile(uri, text);
    const t0 = performance.now();
    const r = check(text, { uri });
    this.checkMs = performance.now() - t0;
    this.program = r.program;
    this.diagnostics = r.diagnostics;
  }

  range(start: number, end: number): Range {
    const a = this.source.position(start);
    const b = this.source.position(end);
    return { startLineNumber: a.line, startColumn: a.column, endLineNumber: b.line, endColumn: b.column };
  }

  /** An empty span made one character wide, so the editor can underline it. */
  private visible(span: Span): Range {
    let { start, end } = span;
    if (end <= start) {
      if (start < this.text.length && this.text[start] !== '\n') end = start + 1;
      else if (start > 0) start -= 1;
    }
    return this.range(start, Math.max(end, start));
  }

  // ---- markers -------------------------------------------------------------

  markers(): Marker[] {
    return this.diagnostics.map((d) => {
      const here = d.uri === this.uri;
      const at = here ? this.visible(d.span) : this.range(0, Math.min(1, this.text.length));
      return {
        ...at,
        severity: d.severity,
        code: d.code,
        message: here ? d.message : `${d.uri}: ${d.message}`,
        related: (d.related ?? []).filter((r) => r.uri === this.uri).map((r) => ({ ...this.visible(r.span), message: r.message })),
      };
    });
  }

  // ---- completion ------------------------------------------------------------

  complete(offset: number): { items: CompletionItem[]; range: Range } {
    const text = this.text;
    let start = offset;
    while (start > 0 && wordChar.test(text[start - 1]!)) start--;
    const range = this.range(start, offset);
    const lexed = lexer.tokenize(text.slice(0, start));
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
      const rule = paths.find((p) => p.nextTokenType === Tok.Word || p.nextTokenType === Tok.Name)?.ruleStack.at(-1);
      for (const item of this.members(slice, rule, start)) add(item);
      return { items: [...items.values()], range };
    }

    for (const p of paths) {
      const tt = p.nextTokenType;
      const rule = p.ruleStack.at(-1) ?? 'spec';
      if (tt.name.startsWith('Kw_')) {
        const word = tt.name.slice(3);
        add({ label: word, kind: 'keyword', detail: Tok.hardKeywords.includes(word) ? 'keyword' : 'keyword (soft)' });
      } else if (tt === Tok.Name || tt === Tok.Identifier || tt === Tok.Word) {
        for (const item of this.names(rule, slice, start)) add(item);
      } else if (tt === Tok.Errno) {
        for (const e of commonErrnos) add({ label: e, kind: 'errno', detail: 'errno' });
      }
    }
    return { items: [...items.values()], range };
  }

  /** Names that fit where the grammar wants a NAME, in `rule`. */
  private names(rule: string, slice: IToken[], offset: number): CompletionItem[] {
    const prev = slice.at(-1)?.tokenType;
    const p = this.program;
    const topo = (kinds: string[]) =>
      [...p.topology.values()].filter((n) => kinds.includes(n.kind)).map((n): CompletionItem => ({ label: n.name, kind: 'device', detail: n.kind, ...(n.decl.doc ? { documentation: n.decl.doc } : {}) }));
    const drivers = () => [...p.drivers.values()].map((d): CompletionItem => ({ label: d.name, kind: 'driver', detail: `driver for ${d.device}`, ...(d.decl.doc ? { documentation: d.decl.doc } : {}) }));
    switch (rule) {
      case 'type':
        return [
          ...scalarTypes.map((t): CompletionItem => ({ label: t, kind: 'type', detail: 'type' })),
          ...objectKinds.map((k): CompletionItem => ({ label: k, kind: 'type', detail: 'object kind' })),
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
          ? [...p.opstypes.values()].map((o): CompletionItem => ({ label: o.name, kind: 'type', detail: `opstype (${o.slots.size} slots)`, ...(o.decl.doc ? { documentation: o.decl.doc } : {}) }))
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
          ...[...p.drivers.values()].map((d): CompletionItem => ({ label: d.name, kind: 'driver', detail: 'driver: name one of its callbacks or actions' })),
          ...[...lifecycleEvents].map(([name, e]): CompletionItem => ({ label: name, kind: 'event', detail: `${name}(${params(e.params)})`, documentation: e.doc })),
          ...this.primitiveItems(),
        ];
      case 'lifetimeRule': {
        if (prev === Tok.Kw.lifetime) return objectKinds.map((k): CompletionItem => ({ label: k, kind: 'type', detail: 'object kind' }));
        const kind = slice.at(-2)?.image;
        if (prev === Tok.Kw.within && kind && (objectKinds as readonly string[]).includes(kind)) {
          return referenceFields(kind as (typeof objectKinds)[number]).map((f): CompletionItem => ({ label: f, kind: 'field', detail: typeToString(kindFields[kind as (typeof objectKinds)[number]][f]!) }));
        }
        return [];
      }
      case 'ruleName':
        return this.ruleItems('');
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
    for (const s of primitives.values()) {
      out.push({ label: s.name, kind: 'primitive', detail: primitiveSignature(s), documentation: primitiveDoc(s), snippet: callSnippet(s.name, s.params) });
    }
    for (const [alias, name] of Object.entries(primitiveAliases)) {
      const s = primitives.get(name);
      if (s) out.push({ label: alias, kind: 'primitive', detail: primitiveSignature(s, alias), documentation: primitiveDoc(s, alias), snippet: callSnippet(alias, s.params) });
    }
    return out;
  }

  /** Every rule `expect violation` can name that starts with `prefix`, without the prefix. */
  private ruleItems(prefix: string): CompletionItem[] {
    const out: CompletionItem[] = [];
    const seen = new Set<string>();
    const push = (name: string, doc: string | undefined, detail: string) => {
      if (!name.startsWith(prefix)) return;
      const label = name.slice(prefix.length);
      if (seen.has(label)) return;
      seen.add(label);
      out.push({ label, kind: 'rule', detail, ...(doc ? { documentation: doc } : {}) });
    };
    for (const c of this.program.constraints.values()) push(c.name, c.decl.doc ?? c.doc, c.uri === this.uri ? 'constraint' : `rule of ${c.uri}`);
    for (const [name, doc] of modelViolations) push(name, doc, 'model violation');
    return out;
  }

  /** The slots of the ops table the cursor is in, with their signatures, as snippets. */
  private slotItems(slice: IToken[]): CompletionItem[] {
    let opstype: OpstypeInfo | undefined;
    for (let i = slice.length - 1; i >= 3; i--) {
      if (slice[i]!.tokenType === Tok.LBrace && slice[i - 2]!.tokenType === Tok.Colon && slice[i - 4]?.tokenType === Tok.Kw.ops) {
        opstype = this.program.opstypes.get(slice[i - 1]!.image);
        break;
      }
    }
    if (!opstype) return [];
    return [...opstype.slots.values()].map((s) => this.slotItem(s));
  }

  private slotItem(s: SlotInfo): CompletionItem {
    if (s.kind === 'flag') return { label: s.name, kind: 'slot', detail: 'flag: bool', snippet: `${s.name} = \${1:true}`, ...(s.doc ? { documentation: s.doc } : {}) };
    const sig = `${s.required ? 'required ' : ''}${s.name}(${params(s.params)})${returns(s.returns)}`;
    return {
      label: s.name,
      kind: 'slot',
      detail: sig,
      documentation: withDoc(sig, s.doc),
      snippet: `${s.name}(${s.params.map((p, i) => `\${${i + 1}:${p.name}}`).join(', ')}) {\n\t$0\n}`,
    };
  }

  private globals(): CompletionItem[] {
    const p = this.program;
    return [
      ...[...p.topology.values()].map((n): CompletionItem => ({ label: n.name, kind: 'device', detail: n.kind === 'device' ? 'pci_dev' : 'bridge', ...(n.decl.doc ? { documentation: n.decl.doc } : {}) })),
      ...[...p.providers.values()].map((v): CompletionItem => ({ label: v.name, kind: 'provider', detail: `p2pdma_provider on ${v.device} BAR ${v.bar}`, ...(v.decl.doc ? { documentation: v.decl.doc } : {}) })),
      ...[...p.fns.values()].map((f): CompletionItem => ({
        label: f.name,
        kind: 'function',
        detail: `fn ${f.name}(${params(f.params)})${returns(f.returns)}`,
        ...(f.decl.doc ? { documentation: f.decl.doc } : {}),
        snippet: callSnippet(f.name, f.params),
      })),
      ...this.primitiveItems(),
      ...[...constants.keys()].map((c): CompletionItem => ({ label: c, kind: 'constant', detail: 'map_type' })),
    ];
  }

  /** The declaration the offset is in (recovery may have cut its span short, so the last one that starts before it). */
  private declAt(offset: number): A.Decl | undefined {
    let best: A.Decl | undefined;
    for (const d of this.program.spec.decls) if (d.span.start <= offset) best = d;
    return best;
  }

  /** The types the checker gave locals, by declaring node and name (parameters share their body's node). */
  private typesOfLocals(): { get(node: A.Node, name: string): Type | undefined } {
    if (!this.localTypes) {
      const m = new Map<A.Node, Map<string, Type>>();
      for (const sym of this.program.resolutions.values()) {
        if (sym.kind !== 'local') continue;
        if (!m.has(sym.decl)) m.set(sym.decl, new Map());
        m.get(sym.decl)!.set(sym.name, sym.type);
      }
      this.localTypes = m;
    }
    const m = this.localTypes;
    return { get: (node, name) => m.get(node)?.get(name) };
  }

  /** Locals and parameters visible at `offset` in a body, innermost last. */
  private localsAt(offset: number): { locals: Local[]; driver?: DriverInfo; inConstraint?: A.ConstraintDecl } {
    const d = this.declAt(offset);
    const locals: Local[] = [];
    const known = this.typesOfLocals();
    const param = (ps: readonly A.Param[], body: A.Block, slotTypes?: readonly { type: Type }[]) =>
      ps.forEach((x, i) => {
        if (x.name.name) locals.push({ name: x.name.name, type: known.get(body, x.name.name) ?? (x.type ? typeOfRef(x.type) : (slotTypes?.[i]?.type ?? T.unknown)), decl: x, nameSpan: x.name.span });
      });
    const block = (b: A.Block) => {
      if (!contains(b.span, offset)) return;
      for (const s of b.stmts) {
        if (s.span.start >= offset) break;
        if (s.kind === 'let' && s.span.end <= offset && s.name.name) {
          locals.push({ name: s.name.name, type: known.get(s, s.name.name) ?? (s.type ? typeOfRef(s.type) : (this.program.types.get(s.value) ?? T.unknown)), decl: s, nameSpan: s.name.span });
        }
        if (s.kind === 'for' && contains(s.body.span, offset)) {
          const it = this.program.types.get(s.iter);
          const st = it && strip(it);
          locals.push({ name: s.name.name, type: known.get(s, s.name.name) ?? (st?.k === 'set' ? st.elem : T.unknown), decl: s, nameSpan: s.name.span });
          block(s.body);
        }
        if (s.kind === 'if') {
          let cur: A.IfStmt | A.Block | undefined = s;
          while (cur) {
            if ('stmts' in cur) {
              block(cur);
              break;
            }
            block(cur.then);
            cur = cur.else;
          }
        }
        if (s.kind === 'lock') block(s.body);
      }
    };
    if (!d) return { locals };
    if (d.kind === 'fn') {
      param(d.params, d.body);
      block(d.body);
      return { locals };
    }
    if (d.kind === 'constraint') {
      for (const r of d.rules) {
        if (!contains(r.span, offset)) continue;
        const pats = r.kind === 'requires' ? [r.pattern] : r.kind === 'never' ? [r.pattern, ...(r.after ? [r.after] : [])] : r.kind === 'before' ? [r.left, r.right] : [];
        for (const pt of pats) for (const a of pt.args) if (a.name && a.name !== '_') locals.push({ name: a.name, type: T.unknown, decl: a, nameSpan: a.span });
      }
      return { locals, inConstraint: d };
    }
    if (d.kind === 'scenario') {
      const lines = (ls: readonly A.ScenarioLine[]) => {
        for (const l of ls) {
          if (l.span.start >= offset) break;
          if (l.kind === 'action' && l.binds && l.span.end <= offset) locals.push({ name: l.binds.name, type: known.get(l, l.binds.name) ?? T.unknown, decl: l, nameSpan: l.binds.span });
          if (l.kind === 'parallel' || l.kind === 'choose') for (const b of l.branches) if (contains(b.span, offset)) lines(b.lines);
        }
      };
      lines(d.lines);
      return { locals };
    }
    if (d.kind === 'driver') {
      const driver = this.program.drivers.get(d.name.name);
      for (const item of d.items) {
        if (!contains(item.span, offset)) continue;
        if (item.kind === 'probe' || item.kind === 'remove') {
          param(item.params, item.body, [{ type: T.object('pci_dev') }]);
          block(item.body);
        } else if (item.kind === 'action') {
          param(item.params, item.body);
          block(item.body);
        } else if (item.kind === 'ops') {
          const ot = this.program.opstypes.get(item.type.name);
          for (const e of item.entries) {
            if (e.kind !== 'inline' || !contains(e.span, offset)) continue;
            param(e.params, e.body, ot?.slots.get(e.name.name)?.params);
            block(e.body);
          }
        }
      }
      return { locals, ...(driver ? { driver } : {}) };
    }
    return { locals };
  }

  /** Everything an expression at `offset` can name. */
  private scopeItems(offset: number): CompletionItem[] {
    const { locals, driver, inConstraint } = this.localsAt(offset);
    const out: CompletionItem[] = [];
    for (const l of [...locals].reverse()) out.push({ label: l.name, kind: 'variable', detail: typeToString(l.type) });
    if (driver) {
      for (const f of driver.fields.values()) out.push({ label: f.name, kind: 'field', detail: `${driver.name}.${f.name}: ${typeToString(f.type)}`, ...(f.decl.doc ? { documentation: f.decl.doc } : {}) });
      for (const o of driver.ops.values()) out.push({ label: o.name, kind: 'variable', detail: `ops ${o.name} : ${o.decl.type.name}` });
    }
    if (inConstraint) {
      for (const d of this.program.drivers.values()) out.push({ label: d.name, kind: 'driver', detail: 'driver: its state fields' });
      for (const k of objectKinds) out.push({ label: k, kind: 'type', detail: 'object kind, for count()' });
    }
    out.push(...this.globals());
    return out;
  }

  /** What may follow `chain.`: module and rule name parts, actions, event parts, fields and methods. */
  private members(slice: IToken[], rule: string | undefined, offset: number): CompletionItem[] {
    // The dotted chain of words before the final dot.
    const parts: string[] = [];
    let i = slice.length - 2;
    while (i >= 0) {
      const t = slice[i]!;
      if (!tokenMatcher(t, Tok.Word)) break;
      parts.unshift(t.image);
      if (slice[i - 1]?.tokenType !== Tok.Dot) break;
      i -= 2;
    }
    const chain = parts.join('.');
    const p = this.program;
    switch (rule) {
      case 'useDecl':
        return stdlibModules
          .filter((m) => !m.prelude && m.name.startsWith(`${chain}.`))
          .map((m): CompletionItem => ({ label: m.name.slice(chain.length + 1), kind: 'module', detail: m.uri }));
      case 'ruleName':
        return this.ruleItems(`${chain}.`);
      case 'actionLine': {
        const d = p.drivers.get(chain);
        if (!d) return [];
        return [...d.actions].map(([name, a]): CompletionItem => ({
          label: name,
          kind: 'action',
          detail: `action ${name}(${params(a.params)})${returns(a.returns)}`,
          ...(a.decl.doc ? { documentation: a.decl.doc } : {}),
          snippet: callSnippet(name, a.params),
        }));
      }
      case 'pattern': {
        const d = p.drivers.get(parts[0] ?? '');
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
        return this.fieldItems(this.chainType(parts, offset));
    }
  }

  /** The static type of `a.b.c` at `offset`, from the scopes and the fields of each kind. */
  private chainType(parts: readonly string[], offset: number): Type | { driver: DriverInfo } | undefined {
    const [first, ...rest] = parts;
    if (first === undefined) return undefined;
    const { locals, driver, inConstraint } = this.localsAt(offset);
    let t: Type | undefined = [...locals].reverse().find((l) => l.name === first)?.type;
    if (!t && driver) t = driver.fields.get(first)?.type;
    if (!t) {
      const node = this.program.topology.get(first);
      if (node) t = node.kind === 'device' ? T.object('pci_dev') : T.bridge;
    }
    if (!t && this.program.providers.has(first)) t = T.object('p2pdma_provider');
    if (!t && inConstraint) {
      const d = this.program.drivers.get(first);
      if (d && rest.length === 0) return { driver: d };
      if (d && rest[0]) {
        t = d.fields.get(rest[0])?.type;
        rest.shift();
      }
    }
    for (const name of rest) {
      const s: Type | undefined = t && strip(t);
      if (!s || s.k !== 'object') return undefined;
      t = kindFields[s.kind][name];
    }
    return t;
  }

  private fieldItems(t: Type | { driver: DriverInfo } | undefined): CompletionItem[] {
    if (!t) return [];
    if ('driver' in t) return [...t.driver.fields.values()].map((f): CompletionItem => ({ label: f.name, kind: 'field', detail: typeToString(f.type) }));
    const s = strip(t);
    if (s.k === 'object') {
      return Object.entries(kindFields[s.kind]).map(([name, ft]): CompletionItem => ({ label: name, kind: 'field', detail: `${s.kind}.${name}: ${typeToString(ft)}` }));
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

  // ---- hover and definition ----------------------------------------------------

  hover(offset: number): { markdown: string; range: Range } | null {
    for (const r of this.refsAt(offset)) {
      const md = r.hover();
      if (md) return { markdown: md, range: this.range(r.span.start, r.span.end) };
    }
    return null;
  }

  definition(offset: number): Range | null {
    for (const r of this.refsAt(offset)) {
      const d = r.def?.();
      if (d) return this.range(d.start, d.end);
    }
    return null;
  }

  /** The references whose span holds the offset, innermost first. */
  private refsAt(offset: number): Ref[] {
    return this.refs()
      .filter((r) => offset >= r.span.start && offset <= r.span.end && r.span.end > r.span.start)
      .sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
  }

  private refs(): Ref[] {
    if (this.refList) return this.refList;
    const out: Ref[] = [];
    const p = this.program;
    const here = (uri: string | undefined, span: Span | undefined) => (uri === this.uri || uri === undefined ? span : undefined);

    // Resolutions also hold the stdlib's nodes (offsets into other texts): only the spec's own are walked.
    const resolved = (node: A.Node) => {
      const sym = p.resolutions.get(node);
      if (sym) out.push({ span: node.span, hover: () => this.symbolHover(sym), def: () => this.symbolDef(sym) });
    };

    const topoRef = (id: A.Ident) => {
      const n = p.topology.get(id.name);
      if (n) out.push({ span: id.span, hover: () => this.symbolHover(n.kind === 'device' ? { kind: 'device', name: n.name, decl: n.decl } : { kind: 'bridge', name: n.name, decl: n.decl }), def: () => n.decl.name.span });
    };
    const driverRef = (id: A.Ident) => {
      const d = p.drivers.get(id.name);
      if (d) out.push({ span: id.span, hover: () => this.symbolHover({ kind: 'driver', name: d.name, info: d }), def: () => d.decl.name.span });
    };
    const exprs = (e: A.Expr | undefined) => {
      if (!e) return;
      switch (e.kind) {
        case 'name':
          resolved(e);
          return;
        case 'member': {
          exprs(e.object);
          const ot = p.types.get(e.object);
          const s = ot && strip(ot);
          const t = p.types.get(e);
          if (s?.k === 'object' && t) out.push({ span: e.member.span, hover: () => code(`${s.kind}.${e.member.name}: ${typeToString(t)}`) });
          else if (s?.k === 'driver') {
            const f = p.drivers.get(s.name)?.fields.get(e.member.name);
            if (f) out.push({ span: e.member.span, hover: () => withDoc(`${s.name}.${f.name}: ${typeToString(f.type)}`, f.decl.doc), def: () => f.decl.name.span });
          } else if (s?.k === 'set') {
            out.push({ span: e.member.span, hover: () => code(`${typeToString(s)}.${e.member.name}`) });
          }
          return;
        }
        case 'call':
          exprs(e.callee);
          e.args.forEach(exprs);
          return;
        case 'unary':
          exprs(e.operand);
          return;
        case 'binary':
          exprs(e.left);
          exprs(e.right);
          return;
        case 'try':
          exprs(e.expr);
          return;
        default:
          return;
      }
    };
    const stmts = (b: A.Block) => {
      for (const s of b.stmts) {
        switch (s.kind) {
          case 'let':
            exprs(s.value);
            break;
          case 'assign':
            exprs(s.target);
            exprs(s.value);
            break;
          case 'if': {
            let cur: A.IfStmt | A.Block | undefined = s;
            while (cur) {
              if ('stmts' in cur) {
                stmts(cur);
                break;
              }
              exprs(cur.cond);
              stmts(cur.then);
              cur = cur.else;
            }
            break;
          }
          case 'for':
            exprs(s.iter);
            stmts(s.body);
            break;
          case 'lock':
            exprs(s.mutex);
            stmts(s.body);
            break;
          case 'return':
            exprs(s.value);
            break;
          case 'fail':
            exprs(s.errno);
            break;
          case 'assert':
            exprs(s.cond);
            break;
          case 'expr':
            exprs(s.expr);
            break;
        }
      }
    };
    const declHover = (id: A.Ident, head: string, doc: string | undefined) => out.push({ span: id.span, hover: () => withDoc(head, doc), def: () => id.span });

    for (const d of p.spec.decls) {
      switch (d.kind) {
        case 'use': {
          const name = d.path.map((x) => x.name).join('.');
          const m = stdlibModules.find((x) => x.name === name);
          const first = d.path[0];
          const lastPart = d.path.at(-1);
          if (m && first && lastPart) out.push({ span: { start: first.span.start, end: lastPart.span.end }, hover: () => `stdlib module \`${m.name}\` (${m.uri})${this.rulesOf(m.uri)}` });
          break;
        }
        case 'topology':
          for (const item of d.items) {
            out.push({ span: item.name.span, hover: () => this.symbolHover(item.kind === 'device' ? { kind: 'device', name: item.name.name, decl: item } : { kind: 'bridge', name: item.name.name, decl: item }), def: () => item.name.span });
            if (item.kind !== 'host_bridge') topoRef(item.parent);
          }
          break;
        case 'provider': {
          const info = p.providers.get(d.name.name);
          if (info) out.push({ span: d.name.span, hover: () => this.symbolHover({ kind: 'provider', name: info.name, info }), def: () => d.name.span });
          for (const prop of d.props) if (prop.kind === 'device') topoRef(prop.device);
          break;
        }
        case 'opstype': {
          declHover(d.name, `opstype ${d.name.name}`, d.doc);
          const info = p.opstypes.get(d.name.name);
          for (const s of d.slots) {
            const si = info?.slots.get(s.name.name);
            if (si) out.push({ span: s.name.span, hover: () => this.slotItem(si).documentation ?? code(si.name), def: () => s.name.span });
          }
          break;
        }
        case 'driver': {
          const info = p.drivers.get(d.name.name);
          if (info) out.push({ span: d.name.span, hover: () => this.symbolHover({ kind: 'driver', name: info.name, info }), def: () => d.name.span });
          topoRef(d.device);
          for (const item of d.items) {
            switch (item.kind) {
              case 'state':
                for (const f of item.fields) {
                  declHover(f.name, `${d.name.name}.${f.name.name}: ${f.type ? typeToString(typeOfRef(f.type)) : '?'}`, f.doc);
                  exprs(f.init);
                }
                break;
              case 'probe':
              case 'remove':
                declHover(item.keyword, `${d.name.name}.${item.kind}(dev: pci_dev)`, item.doc ?? (item.kind === 'probe' ? 'Called when the driver binds to its device.' : 'Called when the driver unbinds, or its device is unplugged.'));
                stmts(item.body);
                break;
              case 'action': {
                const a = info?.actions.get(item.name.name);
                declHover(item.name, `action ${d.name.name}.${item.name.name}(${a ? params(a.params) : ''})${a ? returns(a.returns) : ''}`, item.doc);
                stmts(item.body);
                break;
              }
              case 'ops': {
                const ot = p.opstypes.get(item.type.name);
                declHover(item.name, `ops ${d.name.name}.${item.name.name} : ${item.type.name}`, item.doc);
                if (ot) out.push({ span: item.type.span, hover: () => withDoc(`opstype ${ot.name}`, `${ot.decl.doc ? `${ot.decl.doc}\n\n` : ''}Slots: ${[...ot.slots.keys()].map((s) => `\`${s}\``).join(', ')}`), def: () => here(ot.uri, ot.decl.name.span) });
                for (const e of item.entries) {
                  const si = ot?.slots.get(e.name.name);
                  if (si) out.push({ span: e.name.span, hover: () => this.slotItem(si).documentation ?? code(si.name), def: () => here(ot!.uri, si.decl.name.span) });
                  if (e.kind === 'inline') stmts(e.body);
                  else exprs(e.value);
                }
                break;
              }
            }
          }
          break;
        }
        case 'fn':
          declHover(d.name, `fn ${d.name.name}(${p.fns.get(d.name.name) ? params(p.fns.get(d.name.name)!.params) : ''})${p.fns.get(d.name.name) ? returns(p.fns.get(d.name.name)!.returns) : ''}`, d.doc);
          stmts(d.body);
          break;
        case 'constraint':
          out.push({ span: d.name.span, hover: () => this.ruleHover(d.name.name), def: () => d.name.span });
          for (const r of d.rules) {
            const pats = r.kind === 'requires' ? [r.pattern] : r.kind === 'never' ? [r.pattern, ...(r.after ? [r.after] : [])] : r.kind === 'before' ? [r.left, r.right] : [];
            for (const pt of pats) this.patternRefs(pt, out);
            if (r.kind === 'requires') exprs(r.cond);
            if (r.kind === 'always' || r.kind === 'at_end') exprs(r.expr);
            if (r.kind === 'lifetime') {
              const k = r.objectKind.name;
              if ((objectKinds as readonly string[]).includes(k)) out.push({ span: r.objectKind.span, hover: () => this.kindHover(k) });
            }
          }
          break;
        case 'scenario': {
          declHover(d.name, `scenario ${d.name.name}`, d.doc);
          const lines = (ls: readonly A.ScenarioLine[]) => {
            for (const l of ls) {
              switch (l.kind) {
                case 'bind':
                case 'unbind':
                  driverRef(l.target);
                  break;
                case 'unplug':
                  topoRef(l.target);
                  break;
                case 'action': {
                  driverRef(l.driver);
                  const a = p.drivers.get(l.driver.name)?.actions.get(l.action.name);
                  if (a) out.push({ span: l.action.span, hover: () => withDoc(`action ${l.driver.name}.${l.action.name}(${params(a.params)})${returns(a.returns)}`, a.decl.doc), def: () => a.decl.name.span });
                  l.args.forEach(exprs);
                  break;
                }
                case 'parallel':
                case 'choose':
                  for (const b of l.branches) lines(b.lines);
                  break;
                case 'expect':
                  for (const r of l.rules) {
                    out.push({ span: r.span, hover: () => this.ruleHover(r.name), def: () => here(p.constraints.get(r.name)?.uri, p.constraints.get(r.name)?.decl.name.span) });
                  }
                  break;
              }
            }
          };
          lines(d.lines);
          break;
        }
      }
    }
    this.refList = out;
    return out;
  }

  private patternRefs(pt: A.Pattern, out: Ref[]): void {
    const p = this.program;
    const [a, b, c] = pt.event;
    if (!a) return;
    if (pt.event.length === 1) {
      const prim = primitives.get(primitiveAliases[a.name] ?? a.name);
      const ev = lifecycleEvents.get(a.name);
      const fn = p.fns.get(a.name);
      if (prim) out.push({ span: a.span, hover: () => primitiveDoc(prim, a.name) });
      else if (ev) out.push({ span: a.span, hover: () => withDoc(`event ${a.name}(${params(ev.params)})`, ev.doc) });
      else if (fn) out.push({ span: a.span, hover: () => this.symbolHover({ kind: 'fn', name: fn.name, info: fn }), def: () => (fn.uri === this.uri ? fn.decl.name.span : undefined) });
      return;
    }
    const d = p.drivers.get(a.name);
    if (!d || !b) return;
    out.push({ span: a.span, hover: () => this.symbolHover({ kind: 'driver', name: d.name, info: d }), def: () => d.decl.name.span });
    if (b.name === 'probe' || b.name === 'remove') {
      const cb = d.decl.items.find((i) => i.kind === b.name);
      out.push({ span: b.span, hover: () => code(`${d.name}.${b.name}(dev: pci_dev)`), def: () => (cb && 'keyword' in cb ? cb.keyword.span : undefined) });
    } else if (d.actions.has(b.name)) {
      const act = d.actions.get(b.name)!;
      out.push({ span: b.span, hover: () => withDoc(`action ${d.name}.${b.name}(${params(act.params)})${returns(act.returns)}`, act.decl.doc), def: () => act.decl.name.span });
    } else if (d.ops.has(b.name)) {
      const t = d.ops.get(b.name)!;
      out.push({ span: b.span, hover: () => code(`ops ${d.name}.${t.name} : ${t.decl.type.name}`), def: () => t.decl.name.span });
      const si = c && t.opstype?.slots.get(c.name);
      if (c && si) {
        const entry = t.decl.entries.find((e) => e.name.name === c.name);
        out.push({ span: c.span, hover: () => this.slotItem(si).documentation ?? code(si.name), def: () => entry?.name.span });
      }
    }
  }

  private rulesOf(uri: string): string {
    const rules = [...this.program.constraints.values()].filter((c) => c.uri === uri).map((c) => `\`${c.name}\``);
    return rules.length ? `: ${rules.join(', ')}` : '';
  }

  private kindHover(kind: string): string {
    const fields = Object.entries(kindFields[kind as (typeof objectKinds)[number]] ?? {});
    return `${code(`object kind ${kind}`)}${fields.length ? `\n\nFields: ${fields.map(([n, t]) => `\`${n}: ${typeToString(t)}\``).join(', ')}` : ''}`;
  }

  /** A constraint's or model violation's documentation, with the rule's text. */
  ruleHover(name: string): string | undefined {
    const c = this.program.constraints.get(name);
    if (c) {
      const text = this.program.sources.get(c.uri)?.text.slice(c.decl.span.start, c.decl.span.end);
      const where = c.uri === this.uri ? '' : `\n\nFrom \`${c.uri}\`.`;
      return `${c.decl.doc ?? c.doc ?? `Constraint \`${name}\`.`}${where}${text ? `\n\n${code(text)}` : ''}`;
    }
    const m = modelViolations.get(name);
    if (m) return `${code(`violation ${name}`)}\n\n${m} Reported by the models themselves, without a constraint.`;
    return undefined;
  }

  private symbolHover(sym: Symbol): string | undefined {
    switch (sym.kind) {
      case 'local': {
        const d = sym.decl as Partial<{ kind: string; stmts: unknown; name: unknown }>;
        const what = d.stmts ? 'parameter' : d.kind === 'for' ? 'for' : typeof d.name === 'string' ? 'pattern variable' : 'let';
        return code(`${what} ${sym.name}: ${typeToString(sym.type)}`);
      }
      case 'field':
        return withDoc(`${sym.driver}.${sym.name}: ${typeToString(sym.type)}`, sym.decl.doc);
      case 'ops':
        return withDoc(`ops ${sym.driver}.${sym.name} : ${sym.table.decl.type.name}`, sym.table.decl.doc);
      case 'device': {
        const d = sym.decl as A.DeviceItem;
        const bars = d.props.filter((x) => x.kind === 'bar').map((x) => (x.kind === 'bar' ? `bar ${x.index.text} size ${x.size.text}` : ''));
        return withDoc(`device ${sym.name} under ${d.parent.name}${bars.length ? ` { ${bars.join('; ')} }` : ''}`, d.doc);
      }
      case 'bridge':
        return withDoc(`${sym.decl.kind} ${sym.name}`, sym.decl.doc);
      case 'provider':
        return withDoc(`provider ${sym.name} : p2pdma { device ${sym.info.device}; bar ${sym.info.bar}; lifetime ${sym.info.lifetime} }`, sym.info.decl.doc);
      case 'fn':
        return withDoc(`fn ${sym.name}(${params(sym.info.params)})${returns(sym.info.returns)}`, sym.info.decl.doc);
      case 'primitive':
        return primitiveDoc(sym.sig, sym.name);
      case 'constant':
        return code(`${sym.name}: ${typeToString(sym.type)}`);
      case 'driver':
        return withDoc(`driver ${sym.name} for ${sym.info.device}`, sym.info.decl.doc);
      case 'kind':
        return this.kindHover(sym.name);
    }
  }

  /** The parameter `name` of the callable whose body is `body`. */
  private paramOf(body: A.Block, name: string): A.Param | undefined {
    for (const d of this.program.spec.decls) {
      if (d.kind === 'fn' && d.body === body) return d.params.find((x) => x.name.name === name);
      if (d.kind !== 'driver') continue;
      for (const item of d.items) {
        if ((item.kind === 'probe' || item.kind === 'remove' || item.kind === 'action') && item.body === body) return item.params.find((x) => x.name.name === name);
        if (item.kind === 'ops') for (const e of item.entries) if (e.kind === 'inline' && e.body === body) return e.params.find((x) => x.name.name === name);
      }
    }
    return undefined;
  }

  private symbolDef(sym: Symbol): Span | undefined {
    switch (sym.kind) {
      case 'local': {
        const d = sym.decl as Partial<{ name: A.Ident | string; binds: A.Ident; stmts: unknown }> & A.Node;
        if (d.binds) return d.binds.span;
        if (typeof d.name === 'object') return d.name.span;
        if (typeof d.name === 'string') return d.span;
        // A parameter: the checker records the body it belongs to.
        return this.paramOf(d as A.Block, sym.name)?.name.span;
      }
      case 'field':
        return sym.decl.name.span;
      case 'ops':
        return sym.table.decl.name.span;
      case 'device':
      case 'bridge':
        return sym.decl.name.span;
      case 'provider':
        return sym.info.decl.name.span;
      case 'fn':
        return sym.info.uri === this.uri ? sym.info.decl.name.span : undefined;
      case 'driver':
        return sym.info.decl.name.span;
      default:
        return undefined;
    }
  }
}
