/**
 * The index the editor services answer from: every name in the spec's own
 * text that means something (a declaration, a use resolved by the checker,
 * a member, a rule in an `expect` line), with how to explain it and where it
 * is declared. Built with the generic tree walk (syntax/walk.ts): the only
 * per-kind knowledge here is which identifier of which form names what.
 */
import type { Program, Symbol } from '../semantics/program.js';
import { findStdlibModule } from '../stdlib/index.js';
import { strip, typeToString } from '../semantics/types.js';
import type * as A from '../syntax/ast.js';
import { walk } from '../syntax/walk.js';
import type { Span } from '../source.js';
import { code, kindDoc, params, primitiveDoc, returns, ruleDoc, slotDoc, symbolDoc, withDoc } from './markdown.js';

/** A place in some text: the spec's own, or a stdlib module's (`stdlib:dmabuf/rules.lspec`). */
export interface Location {
  readonly uri: string;
  readonly span: Span;
}

/** A name in the text and what it refers to. */
export interface Reference {
  readonly span: A.Node['span'];
  /** Markdown for hover. */
  readonly hover: () => string | undefined;
  /** Where what it names is declared (in this text or another the program loaded). */
  readonly definition?: () => Location | undefined;
}

type Entry = { kind?: string };

/** Where a resolved symbol is declared. */
export function symbolLocation(program: Program, sym: Symbol, uri: string): Location | undefined {
  const here = (span: A.Node['span'] | undefined): Location | undefined => (span ? { uri, span } : undefined);
  switch (sym.kind) {
    case 'local': {
      const d = sym.decl as Partial<{ name: A.Ident | string; binds: A.Ident; stmts: unknown; params: A.Param[] }> & A.Node;
      if (d.binds) return here(d.binds.span);
      if (typeof d.name === 'object') return here(d.name.span);
      if (typeof d.name === 'string') return here(d.span);
      // A parameter: the checker records the body it belongs to; find the callable with that body.
      return here(paramOf(program, d as A.Block, sym.name)?.name.span);
    }
    case 'field':
      return here(sym.decl.name.span);
    case 'ops':
      return here(sym.table.decl.name.span);
    case 'device':
    case 'bridge':
      return here(sym.decl.name.span);
    case 'provider':
      return here(sym.info.decl.name.span);
    case 'fn':
      return { uri: sym.info.uri, span: sym.info.decl.name.span };
    case 'driver':
      return here(sym.info.decl.name.span);
    default:
      return undefined;
  }
}

/** The parameter `name` of the callable whose body is `body`. */
function paramOf(program: Program, body: A.Block, name: string): A.Param | undefined {
  let found: A.Param | undefined;
  walk(program.spec, (n) => {
    if (found) return false;
    const c = n as Partial<{ body: A.Block; params: A.Param[] }>;
    if (c.body === body && c.params) found = c.params.find((x) => x.name.name === name);
    return true;
  });
  return found;
}

/** Every reference of the spec's own text (`uri`). */
export function buildIndex(p: Program, uri: string): Reference[] {
  const out: Reference[] = [];
  const here = (span: A.Node['span']): Location => ({ uri, span });
  const add = (span: A.Node['span'], hover: () => string | undefined, definition?: () => Location | undefined) => out.push({ span, hover, ...(definition ? { definition } : {}) });
  const decl = (id: A.Ident, head: string, docText: string | undefined) => add(id.span, () => withDoc(head, docText), () => here(id.span));
  const symbolRef = (id: A.Node, sym: Symbol | undefined) => {
    if (sym) add(id.span, () => symbolDoc(p, sym), () => symbolLocation(p, sym, uri));
  };
  const topoRef = (id: A.Ident) => {
    const n = p.topology.get(id.name);
    if (n) symbolRef(id, n.kind === 'device' ? { kind: 'device', name: n.name, decl: n.decl } : { kind: 'bridge', name: n.name, decl: n.decl });
  };
  const driverRef = (id: A.Ident) => {
    const d = p.drivers.get(id.name);
    if (d) symbolRef(id, { kind: 'driver', name: d.name, info: d });
  };
  const ruleRef = (id: A.Ident) => {
    const c = p.constraints.get(id.name);
    add(id.span, () => ruleDoc(p, id.name, uri), c ? () => ({ uri: c.uri, span: c.decl.name.span }) : undefined);
  };

  let driver: A.DriverDecl | undefined;
  walk(p.spec, (node, parent) => {
    const n = node as Entry;
    switch (n.kind) {
      case 'use': {
        const d = node as A.UseDecl;
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
          decl(f.name, `${driver?.name.name}.${f.name.name}: ${info ? typeToString(info.type) : '?'}`, f.doc);
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
          const a = p.drivers.get(l.driver.name)?.actions.get(l.action.name);
          if (a) add(l.action.span, () => withDoc(`action ${l.driver.name}.${l.action.name}(${params(a.params)})${returns(a.returns)}`, a.decl.doc), () => here(a.decl.name.span));
          return true;
        }
        const item = node as A.ActionDecl;
        const a = driver && p.drivers.get(driver.name.name)?.actions.get(item.name.name);
        decl(item.name, `action ${driver?.name.name}.${item.name.name}(${a ? params(a.params) : ''})${a ? returns(a.returns) : ''}`, item.doc);
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
        const info = p.fns.get(d.name.name);
        decl(d.name, `fn ${d.name.name}(${info ? params(info.params) : ''})${info ? returns(info.returns) : ''}`, d.doc);
        return true;
      }
      case 'constraint': {
        const d = node as A.ConstraintDecl;
        add(d.name.span, () => ruleDoc(p, d.name.name, uri), () => here(d.name.span));
        return true;
      }
      case 'lifetime': {
        const r = node as A.LifetimeRule;
        if (p.vocabulary.kinds.has(r.objectKind.name)) add(r.objectKind.span, () => kindDoc(p.vocabulary, r.objectKind.name));
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
      case 'member': {
        const e = node as A.MemberExpr;
        const ot = p.types.get(e.object);
        const s = ot && strip(ot);
        const t = p.types.get(e);
        if (s?.k === 'object' && t) add(e.member.span, () => code(`${s.kind}.${e.member.name}: ${typeToString(t)}`));
        else if (s?.k === 'driver') {
          const f = p.drivers.get(s.name)?.fields.get(e.member.name);
          if (f) add(e.member.span, () => withDoc(`${s.name}.${f.name}: ${typeToString(f.type)}`, f.decl.doc), () => here(f.decl.name.span));
        } else if (s?.k === 'set') add(e.member.span, () => code(`${typeToString(s)}.${e.member.name}`));
        return true;
      }
      default:
        break;
    }
    // A constraint pattern: its event's parts.
    if ('event' in node && Array.isArray((node as A.Pattern).event)) {
      patternRefs(p, uri, node as A.Pattern, add);
      return false;
    }
    return true;
  });
  return out;
}

function patternRefs(p: Program, uri: string, pt: A.Pattern, add: (span: A.Node['span'], hover: () => string | undefined, definition?: () => Location | undefined) => void): void {
  const here = (span: A.Node['span'] | undefined): Location | undefined => (span ? { uri, span } : undefined);
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
  add(a.span, () => symbolDoc(p, { kind: 'driver', name: d.name, info: d }), () => here(d.decl.name.span));
  if (b.name === 'probe' || b.name === 'remove') {
    const cb = d.decl.items.find((i) => i.kind === b.name);
    add(b.span, () => code(`${d.name}.${b.name}(dev: pci_dev)`), () => here(cb && 'keyword' in cb ? cb.keyword.span : undefined));
  } else if (d.actions.has(b.name)) {
    const act = d.actions.get(b.name)!;
    add(b.span, () => withDoc(`action ${d.name}.${b.name}(${params(act.params)})${returns(act.returns)}`, act.decl.doc), () => here(act.decl.name.span));
  } else if (d.ops.has(b.name)) {
    const t = d.ops.get(b.name)!;
    add(b.span, () => code(`ops ${d.name}.${t.name} : ${t.decl.type.name}`), () => here(t.decl.name.span));
    const si = c && t.opstype?.slots.get(p.vocabulary.slotAliases.get(c.name) ?? c.name);
    if (c && si) {
      const entry = t.decl.entries.find((e) => e.name.name === c.name);
      add(c.span, () => slotDoc(si), () => here(entry?.name.span));
    }
  }
}
