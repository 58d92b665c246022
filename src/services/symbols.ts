/**
 * The index the editor services answer from: every name in one of the spec's
 * own files that means something (a declaration, a use resolved by the
 * checker, a member, a rule in an `expect` or `allow` line, a `use` or
 * `target` line), with how to explain it and where it is declared, in that
 * file or another (a used file, a stdlib module). Built with the generic tree
 * walk (syntax/walk.ts): the only per-kind knowledge here is which identifier
 * of which form names what.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { DriverInfo, Program, Symbol } from '../semantics/program.js';
import { strip, typeToString } from '../semantics/types.js';
import type { Span } from '../source.js';
import { findStdlibModule } from '../stdlib/index.js';
import type * as A from '../syntax/ast.js';
import { walk } from '../syntax/walk.js';
import { contractDoc, stdlibRule } from './kernel.js';
import { actionDoc, code, fnDoc, inert, kindDoc, kindFieldDoc, ownKindDoc, params, primitiveDoc, ruleDoc, slotDoc, symbolDoc, withDoc } from './markdown.js';

/** A place in some text: one of the spec's files, or a stdlib module's (`stdlib:dmabuf/rules.lspec`). */
export interface Location {
  readonly uri: string;
  readonly span: Span;
}

/** A name in the text and what it refers to. */
export interface Reference {
  readonly span: A.Node['span'];
  /** Markdown for hover. */
  readonly hover: () => string | undefined;
  /** Where what it names is declared (in this file or another the program loaded). */
  readonly definition?: () => Location | undefined;
}

/** What the index of one file is built from. */
export interface IndexContext {
  readonly program: Program;
  /** The file indexed. */
  readonly uri: string;
  /** Its tree: the program's root spec, or a used file's. */
  readonly spec: A.Spec;
  /** The diagnostics located in it. */
  readonly diagnostics: readonly Diagnostic[];
  /** The file a top-level declaration or topology item is in. */
  uriOf(node: A.Node): string | undefined;
  /** The URI a `use "path"` line of the file at `from` names. */
  resolve(from: string, path: string): string | undefined;
}

type Entry = { kind?: string };

/** Where a resolved symbol is declared; locals are in the file being indexed (`uri`). */
export function symbolLocation(program: Program, sym: Symbol, uri: string, spec: A.Spec = program.spec, uriOf: (n: A.Node) => string | undefined = () => undefined): Location | undefined {
  const here = (span: A.Node['span'] | undefined): Location | undefined => (span ? { uri, span } : undefined);
  const inDriver = (driver: string, span: A.Node['span']): Location => ({ uri: program.drivers.get(driver)?.uri ?? uri, span });
  switch (sym.kind) {
    case 'local': {
      const d = sym.decl as Partial<{ name: A.Ident | string; binds: A.Ident; stmts: unknown; params: A.Param[] }> & A.Node;
      if (d.binds) return here(d.binds.span);
      if (typeof d.name === 'object') return here(d.name.span);
      if (typeof d.name === 'string') return here(d.span);
      // A parameter: the checker records the body it belongs to; find the callable with that body.
      return here(paramOf(spec, d as A.Block, sym.name)?.name.span);
    }
    case 'field':
      return inDriver(sym.driver, sym.decl.name.span);
    case 'ops':
      return inDriver(sym.driver, sym.table.decl.name.span);
    case 'device':
    case 'bridge':
      return { uri: uriOf(sym.decl) ?? uri, span: sym.decl.name.span };
    case 'provider':
      return { uri: uriOf(sym.info.decl) ?? uri, span: sym.info.decl.name.span };
    case 'fn':
      return { uri: sym.info.uri, span: sym.info.decl.name.span };
    case 'driver':
      return { uri: sym.info.uri, span: sym.info.decl.name.span };
    case 'action':
      return { uri: sym.driver.uri, span: sym.info.decl.name.span };
    case 'kind': {
      const k = program.kinds.get(sym.name);
      return k ? { uri: k.uri, span: k.decl.name.span } : undefined;
    }
    default:
      return undefined;
  }
}

/** The parameter `name` of the callable whose body is `body`. */
function paramOf(spec: A.Spec, body: A.Block, name: string): A.Param | undefined {
  let found: A.Param | undefined;
  walk(spec, (n) => {
    if (found) return false;
    const c = n as Partial<{ body: A.Block; params: A.Param[] }>;
    if (c.body === body && c.params) found = c.params.find((x) => x.name.name === name);
    return true;
  });
  return found;
}

/** A rule's doc, whether the spec loads it or not (an `allow` may name a stdlib rule no `use` brought in). */
function anyRuleDoc(p: Program, name: string, uri: string): string | undefined {
  const loaded = ruleDoc(p, name, uri);
  if (loaded) return loaded;
  const r = stdlibRule(name, p.contract);
  return r ? `${r.decl.doc ? inert(r.decl.doc) : `Constraint \`${name}\`.`}\n\nFrom \`${r.uri}\`.\n\n${code(r.text)}` : undefined;
}

function anyRuleLocation(p: Program, name: string): Location | undefined {
  const c = p.constraints.get(name);
  if (c) return { uri: c.uri, span: c.decl.name.span };
  const r = stdlibRule(name, p.contract);
  return r ? { uri: r.uri, span: r.decl.name.span } : undefined;
}

/** What a `use "file"` line brings in: the file, and the names it declares (not its scenarios). */
function useFileDoc(cx: IndexContext, d: A.UseDecl & { file: A.Ident }): string {
  const uri = cx.resolve(cx.uri, d.file.name);
  const used = cx.program.files.find((f) => f.uri === uri);
  const head = code(`use "${d.file.name}"`);
  if (!used) {
    const why = cx.diagnostics.find((x) => x.span.start === d.file.span.start && x.span.end === d.file.span.end);
    return `${head}\n\n${inert(why ? `Not loaded: ${why.message}` : `Not loaded${uri ? ` (\`${uri}\`)` : ''}.`)}`;
  }
  const groups = new Map<string, string[]>();
  const put = (what: string, name: string) => groups.set(what, [...(groups.get(what) ?? []), `\`${name}\``]);
  for (const x of used.spec.decls) {
    if (x.kind === 'kind') put('kinds', x.name.name);
    else if (x.kind === 'driver') put(x.device ? 'drivers' : 'components', x.name.name);
    else if (x.kind === 'fn') put('fns', x.name.name);
    else if (x.kind === 'opstype') put('ops types', x.name.name);
    else if (x.kind === 'constraint') put('constraints', x.name.name);
    else if (x.kind === 'provider') put('providers', x.name.name);
    else if (x.kind === 'topology') put('topology', `${x.items.length} node${x.items.length === 1 ? '' : 's'}`);
  }
  const brings = [...groups].map(([what, names]) => `${what}: ${names.join(', ')}`);
  const own = new Set(used.spec.decls.flatMap((x) => (x.kind === 'use' && x.file ? [cx.resolve(used.uri, x.file.name)] : [])));
  const also = cx.program.files.filter((f) => own.has(f.uri));
  const lines = [
    `Loads \`${used.uri}\`${brings.length ? `, which declares ${brings.join('; ')}` : ', which declares nothing'}.`,
    ...(also.length ? [`Through its own \`use\` lines: ${also.map((f) => `\`${f.uri}\``).join(', ')}.`] : []),
    'Its scenarios, `target` and `allow` lines stay its own: they apply when that file is run itself.',
  ];
  return `${head}\n\n${inert(lines.join('\n\n'))}`;
}

/** Every reference of one of the spec's files. */
export function buildIndex(cx: IndexContext): Reference[] {
  const { program: p, uri } = cx;
  const out: Reference[] = [];
  const here = (span: A.Node['span']): Location => ({ uri, span });
  const add = (span: A.Node['span'], hover: () => string | undefined, definition?: () => Location | undefined) => out.push({ span, hover, ...(definition ? { definition } : {}) });
  const decl = (id: A.Ident, head: string, docText: string | undefined) => add(id.span, () => withDoc(head, docText), () => here(id.span));
  const symbolRef = (id: A.Node, sym: Symbol | undefined) => {
    if (sym) add(id.span, () => symbolDoc(p, sym), () => symbolLocation(p, sym, uri, cx.spec, cx.uriOf));
  };
  const topoRef = (id: A.Ident) => {
    const n = p.topology.get(id.name);
    if (n) symbolRef(id, n.kind === 'device' ? { kind: 'device', name: n.name, decl: n.decl } : { kind: 'bridge', name: n.name, decl: n.decl });
  };
  const driverRef = (id: A.Ident) => {
    const d = p.drivers.get(id.name);
    if (d) symbolRef(id, { kind: 'driver', name: d.name, info: d });
  };
  const ruleRef = (id: A.Ident, note = '') => add(id.span, () => {
    const doc = anyRuleDoc(p, id.name, uri);
    return doc && `${doc}${note}`;
  }, () => anyRuleLocation(p, id.name));
  /** A kind named in a type, `new`, `lifetime`: an own kind goes to its declaration. */
  const kindRef = (id: A.Ident) => {
    const own = p.kinds.get(id.name);
    if (own) add(id.span, () => ownKindDoc(p, own), () => ({ uri: own.uri, span: own.decl.name.span }));
    else if (p.vocabulary.kinds.has(id.name)) add(id.span, () => kindDoc(p.vocabulary, id.name));
  };
  /** A field of an own kind, named in `new K { f: … }`, `x.f` or `lifetime K within f`. */
  const kindFieldRef = (kind: string, id: A.Ident) => {
    const k = p.kinds.get(kind);
    const f = k?.fields.get(id.name);
    if (k && f) add(id.span, () => kindFieldDoc(p, k, f), () => ({ uri: k.uri, span: f.decl.name.span }));
  };
  const actionRef = (d: DriverInfo, id: A.Ident) => {
    const a = d.actions.get(id.name);
    if (a) add(id.span, () => actionDoc(d.name, id.name, a), () => ({ uri: d.uri, span: a.decl.name.span }));
  };

  let driver: A.DriverDecl | undefined;
  walk(cx.spec, (node, parent) => {
    const n = node as Entry;
    switch (n.kind) {
      case 'use': {
        const d = node as A.UseDecl;
        if (d.file) {
          const file = d.file;
          const target = cx.resolve(uri, file.name);
          add(file.span, () => useFileDoc(cx, { ...d, file }), target && p.files.some((f) => f.uri === target) ? () => ({ uri: target, span: { start: 0, end: 0 } }) : undefined);
          return false;
        }
        const first = d.path[0];
        const last = d.path.at(-1);
        const name = d.path.map((x) => x.name).join('.');
        const m = findStdlibModule(name);
        if (first && last && m) {
          const rules = [...p.constraints.values()].filter((c) => c.uri === m.uri).map((c) => `\`${c.name}\``);
          add({ start: first.span.start, end: last.span.end }, () => `stdlib module \`${m.name}\` (${m.uri})${rules.length ? `: ${rules.join(', ')}` : ''}`);
        }
        return false;
      }
      case 'target': {
        const d = node as A.TargetDecl;
        add(d.span, () => contractDoc(p.vocabulary, d, true));
        return false;
      }
      case 'allow':
        for (const r of (node as A.AllowDecl).rules) if (r.name) ruleRef(r, `\n\nTurned off here by \`allow\`: no run of this spec checks it${uri === p.spec.uri ? '' : ' (when this file is run itself)'}.`);
        return false;
      case 'kind': {
        const d = node as A.KindDecl;
        const own = p.kinds.get(d.name.name);
        if (own?.decl === d) {
          add(d.name.span, () => ownKindDoc(p, own), () => here(d.name.span));
          for (const f of d.fields) kindFieldRef(own.name, f.name);
        }
        return true;
      }
      case 'host_bridge':
      case 'switch':
      case 'device': {
        if (!('name' in node) || !('span' in (node as A.TopoItem).name)) break;
        const item = node as A.TopoItem;
        if (parent && (parent as Entry).kind === 'topology') {
          symbolRef(item.name, item.kind === 'device' ? { kind: 'device', name: item.name.name, decl: item } : { kind: 'bridge', name: item.name.name, decl: item });
          if (item.kind !== 'host_bridge') topoRef(item.parent);
        }
        return false;
      }
      case 'provider': {
        const d = node as A.ProviderDecl;
        const info = p.providers.get(d.name.name);
        if (info) symbolRef(d.name, { kind: 'provider', name: info.name, info });
        for (const prop of d.props) if (prop.kind === 'device') topoRef(prop.device);
        return false;
      }
      case 'opstype': {
        const d = node as A.OpstypeDecl;
        decl(d.name, `opstype ${d.name.name}`, d.doc);
        const info = p.opstypes.get(d.name.name);
        for (const s of d.slots) {
          const si = info?.slots.get(p.vocabulary.slotAliases.get(s.name.name) ?? s.name.name);
          if (si) add(s.name.span, () => slotDoc(si), () => here(s.name.span));
        }
        return false;
      }
      case 'driver': {
        const d = node as A.DriverDecl;
        driver = d;
        driverRef(d.name);
        if (d.device) topoRef(d.device);
        return true;
      }
      case 'state':
        for (const f of (node as A.StateBlock).fields) {
          const info = driver && p.drivers.get(driver.name.name)?.fields.get(f.name.name);
          if (info && driver) symbolRef(f.name, { kind: 'field', name: f.name.name, type: info.type, driver: driver.name.name, decl: f });
          else decl(f.name, `${driver?.name.name}.${f.name.name}: ?`, f.doc);
        }
        return true;
      case 'probe':
      case 'remove':
        if ('keyword' in node) {
          const item = node as A.CallbackDecl;
          decl(item.keyword, `${driver?.name.name}.${item.kind}(dev: pci_dev)`, item.doc ?? (item.kind === 'probe' ? 'Called when the driver binds to its device.' : 'Called when the driver unbinds, or its device is unplugged.'));
        }
        return true;
      case 'action': {
        if ('binds' in node || 'driver' in node) {
          // A scenario line calling an action.
          const l = node as A.ActionLine;
          driverRef(l.driver);
          const d = p.drivers.get(l.driver.name);
          if (d) actionRef(d, l.action);
          return true;
        }
        const item = node as A.ActionDecl;
        const d = driver && p.drivers.get(driver.name.name);
        if (d?.actions.has(item.name.name)) add(item.name.span, () => actionDoc(d.name, item.name.name, d.actions.get(item.name.name)!), () => here(item.name.span));
        else decl(item.name, `action ${driver?.name.name}.${item.name.name}()`, item.doc);
        return true;
      }
      case 'ops': {
        const item = node as A.OpsTable;
        const ot = p.opstypes.get(item.type.name);
        decl(item.name, `ops ${driver?.name.name}.${item.name.name} : ${item.type.name}`, item.doc);
        if (ot) {
          const slots = [...ot.slots.keys()].map((s) => `\`${s}\``).join(', ');
          add(item.type.span, () => withDoc(`opstype ${ot.name}`, `${ot.decl.doc ? `${ot.decl.doc}\n\n` : ''}Slots: ${slots}`), () => ({ uri: ot.uri, span: ot.decl.name.span }));
          for (const e of item.entries) {
            const si = ot.slots.get(p.vocabulary.slotAliases.get(e.name.name) ?? e.name.name);
            if (si) add(e.name.span, () => slotDoc(si), () => ({ uri: ot.uri, span: si.decl.name.span }));
          }
        }
        return true;
      }
      case 'fn': {
        const d = node as A.FnDecl;
        // A driver's own fn, or a top-level one.
        const owner = parent && (parent as Entry).kind === 'driver' ? p.drivers.get((parent as A.DriverDecl).name.name) : undefined;
        const info = owner ? owner.fns.get(d.name.name) : p.fns.get(d.name.name);
        if (info?.decl === d) add(d.name.span, () => fnDoc(info), () => here(d.name.span));
        else decl(d.name, `fn ${d.name.name}()`, d.doc);
        return true;
      }
      case 'constraint': {
        const d = node as A.ConstraintDecl;
        add(d.name.span, () => ruleDoc(p, d.name.name, uri), () => here(d.name.span));
        return true;
      }
      case 'lifetime': {
        const r = node as A.LifetimeRule;
        kindRef(r.objectKind);
        kindFieldRef(r.objectKind.name, r.field);
        return false;
      }
      case 'scenario': {
        const d = node as A.ScenarioDecl;
        decl(d.name, `scenario ${d.name.name}`, d.doc);
        return true;
      }
      case 'bind':
      case 'unbind':
        driverRef((node as A.LifecycleLine).target);
        return false;
      case 'unplug':
        topoRef((node as A.LifecycleLine).target);
        return false;
      case 'expect':
        for (const r of (node as A.ExpectLine).rules) ruleRef(r);
        return false;
      case 'name':
        symbolRef(node, p.resolutions.get(node));
        return false;
      case 'new': {
        const e = node as A.NewExpr;
        kindRef(e.type);
        for (const f of e.fields) kindFieldRef(e.type.name, f.name);
        return true;
      }
      case 'member': {
        const e = node as A.MemberExpr;
        const sym = p.resolutions.get(e);
        if (sym?.kind === 'action') {
          actionRef(sym.driver, e.member);
          return true;
        }
        const ot = p.types.get(e.object);
        const s = ot && strip(ot);
        const t = p.types.get(e);
        if (s?.k === 'object' && p.kinds.has(s.kind)) kindFieldRef(s.kind, e.member);
        else if (s?.k === 'object' && t) add(e.member.span, () => code(`${s.kind}.${e.member.name}: ${typeToString(t)}`));
        else if (s?.k === 'driver') {
          const d = p.drivers.get(s.name);
          const f = d?.fields.get(e.member.name);
          if (d && f) symbolRef(e.member, { kind: 'field', name: f.name, type: f.type, driver: d.name, decl: f.decl });
        } else if (s?.k === 'set') add(e.member.span, () => code(`${typeToString(s)}.${e.member.name}`));
        return true;
      }
      default:
        break;
    }
    // A written type: the kind it names.
    if (isTypeRef(node)) {
      kindRef(node.name);
      return true;
    }
    // A constraint pattern: its event's parts.
    if ('event' in node && Array.isArray((node as A.Pattern).event)) {
      patternRefs(p, node as A.Pattern, add);
      return false;
    }
    return true;
  });
  return out;
}

function isTypeRef(n: A.Node): n is A.TypeRef {
  return !('kind' in n) && 'optional' in n && 'name' in n && typeof (n as A.TypeRef).name === 'object';
}

function patternRefs(p: Program, pt: A.Pattern, add: (span: A.Node['span'], hover: () => string | undefined, definition?: () => Location | undefined) => void): void {
  const [a, b, c] = pt.event;
  if (!a) return;
  if (pt.event.length === 1) {
    const prim = p.vocabulary.primitives.get(p.vocabulary.primitiveAliases.get(a.name) ?? a.name);
    const ev = p.vocabulary.events.get(a.name) ?? (a.name === 'create' || a.name === 'destroy' ? { params: [], doc: a.name === 'create' ? 'An object is created.' : 'An object ends.' } : undefined);
    if (prim) add(a.span, () => primitiveDoc(prim, a.name));
    else if (ev) add(a.span, () => withDoc(`event ${a.name}(${params(ev.params)})`, ev.doc));
    return;
  }
  const d = p.drivers.get(a.name);
  if (!d || !b) return;
  const there = (span: A.Node['span'] | undefined): Location | undefined => (span ? { uri: d.uri, span } : undefined);
  add(a.span, () => symbolDoc(p, { kind: 'driver', name: d.name, info: d }), () => there(d.decl.name.span));
  if (b.name === 'probe' || b.name === 'remove') {
    const cb = d.decl.items.find((i) => i.kind === b.name);
    add(b.span, () => code(`${d.name}.${b.name}(dev: pci_dev)`), () => there(cb && 'keyword' in cb ? cb.keyword.span : undefined));
  } else if (d.actions.has(b.name)) {
    const act = d.actions.get(b.name)!;
    add(b.span, () => actionDoc(d.name, b.name, act), () => there(act.decl.name.span));
  } else if (d.ops.has(b.name)) {
    const t = d.ops.get(b.name)!;
    add(b.span, () => code(`ops ${d.name}.${t.name} : ${t.decl.type.name}`), () => there(t.decl.name.span));
    const si = c && t.opstype?.slots.get(p.vocabulary.slotAliases.get(c.name) ?? c.name);
    if (c && si) {
      const entry = t.decl.entries.find((e) => e.name.name === c.name);
      add(c.span, () => slotDoc(si), () => there(entry?.name.span));
    }
  }
}
