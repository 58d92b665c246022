/**
 * What a position in the text can name: the locals and parameters in scope
 * (innermost last), the driver whose body it is in, and whether it is in a
 * constraint; and the static type of a dotted chain there (`buf.resv`).
 */
import type { DriverInfo, Program } from '../semantics/program.js';
import { strip, T, type Type } from '../semantics/types.js';
import type * as A from '../syntax/ast.js';
import { pathTo } from '../syntax/walk.js';

export interface Local {
  readonly name: string;
  readonly type: Type;
  readonly decl: A.Node;
  readonly nameSpan: A.Node['span'];
}

export interface ScopeAt {
  readonly locals: Local[];
  readonly driver?: DriverInfo;
  readonly inConstraint?: A.ConstraintDecl;
}

function contains(span: A.Node['span'], offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}

/** The declaration the offset is in (recovery may have cut its span short, so the last one that starts before it). */
export function declAt(spec: A.Spec, offset: number): A.Decl | undefined {
  let best: A.Decl | undefined;
  for (const d of spec.decls) if (d.span.start <= offset) best = d;
  return best;
}

/** The type a written type denotes, for a local the checker gave none. */
function typeOfRef(program: Program, ref: A.TypeRef | undefined): Type {
  if (!ref) return T.unknown;
  let t: Type;
  if (ref.name.name === 'set') t = T.set(typeOfRef(program, ref.arg));
  else if (program.vocabulary.kinds.has(ref.name.name)) t = T.object(ref.name.name);
  else t = ({ bool: T.bool, int: T.int, errno: T.errno, string: T.string, map_type: T.mapType, kref: T.kref } as Record<string, Type>)[ref.name.name] ?? T.unknown;
  return ref.optional ? T.optional(t) : t;
}

/** The types the checker gave locals, by declaring node and name (parameters share their body's node). */
function localTypes(program: Program): { get(node: A.Node, name: string): Type | undefined } {
  const m = new Map<A.Node, Map<string, Type>>();
  for (const sym of program.resolutions.values()) {
    if (sym.kind !== 'local') continue;
    if (!m.has(sym.decl)) m.set(sym.decl, new Map());
    m.get(sym.decl)!.set(sym.name, sym.type);
  }
  return { get: (node, name) => m.get(node)?.get(name) };
}

/** Locals and parameters visible at `offset` in a body of `spec` (the root's, or a used file's), innermost last. */
export function scopeAt(program: Program, offset: number, spec: A.Spec = program.spec): ScopeAt {
  const d = declAt(spec, offset);
  const locals: Local[] = [];
  const known = localTypes(program);
  const param = (ps: readonly A.Param[], body: A.Block, slotTypes?: readonly { type: Type }[]) =>
    ps.forEach((x, i) => {
      if (x.name.name) locals.push({ name: x.name.name, type: known.get(body, x.name.name) ?? (x.type ? typeOfRef(program, x.type) : (slotTypes?.[i]?.type ?? T.unknown)), decl: x, nameSpan: x.name.span });
    });
  // Statements before the offset in each block the offset is in declare what it sees.
  const block = (b: A.Block) => {
    if (!contains(b.span, offset)) return;
    for (const s of b.stmts) {
      if (s.span.start >= offset) break;
      if (s.kind === 'let' && s.span.end <= offset && s.name.name) {
        locals.push({ name: s.name.name, type: known.get(s, s.name.name) ?? (s.type ? typeOfRef(program, s.type) : (program.types.get(s.value) ?? T.unknown)), decl: s, nameSpan: s.name.span });
      }
      if (s.kind === 'for' && contains(s.body.span, offset)) {
        const it = program.types.get(s.iter);
        const st = it && strip(it);
        locals.push({ name: s.name.name, type: known.get(s, s.name.name) ?? (st?.k === 'set' ? st.elem : T.unknown), decl: s, nameSpan: s.name.span });
      }
      // Any block nested in the statement (then/else, a loop's or a lock's body) may hold the offset.
      for (const n of pathTo(s, offset)) if ('stmts' in n && n !== b) block(n as A.Block);
    }
  };
  if (!d) return { locals };
  switch (d.kind) {
    case 'fn':
      param(d.params, d.body);
      block(d.body);
      return { locals };
    case 'constraint':
      for (const r of d.rules) {
        if (!contains(r.span, offset)) continue;
        const pats = r.kind === 'requires' ? [r.pattern] : r.kind === 'never' ? [r.pattern, ...(r.after ? [r.after] : [])] : r.kind === 'before' || r.kind === 'leads_to' ? [r.left, r.right] : [];
        for (const pt of pats) for (const a of pt.args) if (a.name && a.name !== '_') locals.push({ name: a.name, type: T.unknown, decl: a, nameSpan: a.span });
      }
      return { locals, inConstraint: d };
    case 'scenario': {
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
    case 'driver': {
      const driver = program.drivers.get(d.name.name);
      for (const item of d.items) {
        if (!contains(item.span, offset)) continue;
        if (item.kind === 'probe' || item.kind === 'remove') {
          param(item.params, item.body, [{ type: T.object('pci_dev') }]);
          block(item.body);
        } else if (item.kind === 'action' || item.kind === 'fn') {
          param(item.params, item.body);
          block(item.body);
        } else if (item.kind === 'ops') {
          const ot = program.opstypes.get(item.type.name);
          for (const e of item.entries) {
            if (e.kind !== 'inline' || !contains(e.span, offset)) continue;
            param(e.params, e.body, ot?.slots.get(program.vocabulary.slotAliases.get(e.name.name) ?? e.name.name)?.params);
            block(e.body);
          }
        }
      }
      return { locals, ...(driver ? { driver } : {}) };
    }
    default:
      return { locals };
  }
}

/** What `drv.` names: its state fields in a constraint, its actions in a body (v1: a body calls another driver's actions). */
export interface DriverChain {
  readonly driver: DriverInfo;
  readonly as: 'state' | 'actions';
}

/** The static type of `a.b.c` at `offset`, from the scopes and the fields of each kind; a driver's own for `drv.`. */
export function chainType(program: Program, parts: readonly string[], offset: number, spec: A.Spec = program.spec): Type | DriverChain | undefined {
  const [first, ...rest] = parts;
  if (first === undefined) return undefined;
  const { locals, driver, inConstraint } = scopeAt(program, offset, spec);
  let t: Type | undefined = [...locals].reverse().find((l) => l.name === first)?.type;
  if (!t && driver) t = driver.fields.get(first)?.type;
  if (!t) {
    const node = program.topology.get(first);
    if (node) t = node.kind === 'device' ? T.object('pci_dev') : T.bridge;
  }
  if (!t && program.providers.has(first)) t = T.object('p2pdma_provider');
  if (!t) {
    const d = program.drivers.get(first);
    if (d && rest.length === 0) return { driver: d, as: inConstraint ? 'state' : 'actions' };
    if (d && rest[0] && inConstraint) {
      t = d.fields.get(rest[0])?.type;
      rest.shift();
    }
  }
  for (const name of rest) {
    const s: Type | undefined = t && strip(t);
    if (!s || s.k !== 'object') return undefined;
    t = program.vocabulary.kinds.get(s.kind)?.fields[name]?.type;
  }
  return t;
}
