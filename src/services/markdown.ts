/**
 * How the editor services explain things: signatures and docs as Markdown,
 * built from the checked program and the registry's tables. Nothing here
 * renders it; spec text is put in code spans and fences only, never as
 * Markdown of its own (a doc comment is shown as written).
 */
import type { Program, SlotInfo, Symbol } from '../semantics/program.js';
import { typeToString, type Type } from '../semantics/types.js';
import type { PrimitiveSig, Vocabulary } from '../semantics/vocabulary.js';
import type * as A from '../syntax/ast.js';

export const code = (s: string): string => `\`\`\`lspec\n${s}\n\`\`\``;

export function params(ps: readonly { name: string; type: Type; optional?: boolean }[]): string {
  return ps.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToString(p.type)}`).join(', ');
}

export function returns(t: Type): string {
  return t.k === 'void' ? '' : ` -> ${typeToString(t)}`;
}

export function withDoc(head: string, doc: string | undefined): string {
  return doc ? `${code(head)}\n\n${doc}` : code(head);
}

export function primitiveSignature(s: PrimitiveSig, name = s.name): string {
  return `${name}(${params(s.params)})${returns(s.returns)}`;
}

export function primitiveDoc(s: PrimitiveSig, name = s.name): string {
  const alias = name !== s.name ? `\n\nThe newer kernel spelling of \`${s.name}\`.` : '';
  const faults = s.faults?.length ? `\n\nUnder \`faults on\` it may also fail with ${s.faults.map((f) => `\`${f}\``).join(', ')}.` : '';
  return `${code(`primitive ${primitiveSignature(s, name)}`)}\n\n${s.doc}${alias}${faults}`;
}

/** An ops-table slot as its ops type declares it. */
export function slotSignature(s: SlotInfo): string {
  return s.kind === 'flag' ? `flag ${s.name}` : `${s.required ? 'required ' : ''}${s.name}(${params(s.params)})${returns(s.returns)}`;
}

export function slotDoc(s: SlotInfo): string {
  return withDoc(slotSignature(s), s.doc);
}

/** An object kind: what the registry says of it and its fields. */
export function kindDoc(v: Vocabulary, kind: string): string | undefined {
  const k = v.kinds.get(kind);
  if (!k) return undefined;
  const fields = Object.entries(k.fields);
  const list = fields.length ? `\n\nFields: ${fields.map(([n, f]) => `\`${n}: ${typeToString(f.type)}\``).join(', ')}` : '';
  return `${code(`object kind ${kind}`)}\n\n${k.doc}${list}`;
}

/** A constraint's or model violation's documentation, with the rule's text. */
export function ruleDoc(program: Program, name: string, hereUri: string): string | undefined {
  const c = program.constraints.get(name);
  if (c) {
    const text = program.sources.get(c.uri)?.text.slice(c.decl.span.start, c.decl.span.end);
    const where = c.uri === hereUri ? '' : `\n\nFrom \`${c.uri}\`.`;
    return `${c.decl.doc ?? c.doc ?? `Constraint \`${name}\`.`}${where}${text ? `\n\n${code(text)}` : ''}`;
  }
  const m = program.vocabulary.violations.get(name);
  if (m) return `${code(`violation ${name}`)}\n\n${m} Reported by the models themselves, without a constraint.`;
  return undefined;
}

/** What a resolved name denotes, for hover. */
export function symbolDoc(program: Program, sym: Symbol): string | undefined {
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
    case 'constant': {
      const c = program.vocabulary.constants.get(sym.name);
      return withDoc(`${sym.name}: ${typeToString(sym.type)}`, c?.doc);
    }
    case 'driver':
      return withDoc(`driver ${sym.name} for ${sym.info.device}`, sym.info.decl.doc);
    case 'kind':
    case 'kind-filter':
      return kindDoc(program.vocabulary, sym.name);
  }
}
