/**
 * The outline of one file: its declarations as a tree (the topology and its
 * nodes, providers, kinds and their fields, ops types, drivers with their
 * state, callbacks, ops tables, actions and fns, top-level fns, constraints,
 * scenarios), in offsets, for an editor's document symbols.
 */
import type { Span } from '../source.js';
import type * as A from '../syntax/ast.js';
import type { LanguageDocument } from './language-document.js';

export type OutlineKind = 'module' | 'namespace' | 'device' | 'provider' | 'kind' | 'field' | 'interface' | 'driver' | 'callback' | 'ops' | 'action' | 'fn' | 'constraint' | 'scenario';

export interface OutlineItem {
  readonly name: string;
  readonly kind: OutlineKind;
  /** One line beside the name: a signature, a type, what it binds to. */
  readonly detail?: string;
  /** The whole declaration. */
  readonly span: Span;
  /** Its name. */
  readonly selection: Span;
  readonly children: readonly OutlineItem[];
}

const item = (name: string, kind: OutlineKind, span: Span, selection: Span, children: OutlineItem[] = [], detail?: string): OutlineItem => ({
  name,
  kind,
  span,
  selection,
  children,
  ...(detail ? { detail } : {}),
});

const typeText = (t: A.TypeRef): string => `${t.name.name}${t.arg ? `<${typeText(t.arg)}>` : ''}${t.optional ? '?' : ''}`;

const signature = (params: readonly A.Param[], returns?: A.TypeRef): string => {
  const ps = params.map((p) => (p.type ? `${p.name.name}: ${typeText(p.type)}` : p.name.name));
  return `(${ps.join(', ')})${returns ? ` -> ${typeText(returns)}` : ''}`;
};

function driverItem(d: A.DriverItem): OutlineItem[] {
  switch (d.kind) {
    case 'state':
      return d.fields.map((f) => item(f.name.name, 'field', f.span, f.name.span, [], typeText(f.type)));
    case 'probe':
    case 'remove':
      return [item(d.kind, 'callback', d.span, d.keyword.span, [], signature(d.params))];
    case 'ops':
      return [item(d.name.name, 'ops', d.span, d.name.span, d.entries.map((e) => item(e.name.name, 'callback', e.span, e.name.span)), `: ${d.type.name}`)];
    case 'action':
      return [item(d.name.name, 'action', d.span, d.name.span, [], signature(d.params, d.returns))];
    case 'fn':
      return [item(d.name.name, 'fn', d.span, d.name.span, [], signature(d.params, d.returns))];
  }
}

function declItem(d: A.Decl): OutlineItem | undefined {
  switch (d.kind) {
    case 'topology': {
      const nodes = d.items.map((t) => item(t.name.name, 'device', t.span, t.name.span, [], t.kind === 'host_bridge' ? 'host bridge' : `${t.kind} under ${t.parent.name}`));
      const first = d.span.start;
      return item('topology', 'namespace', d.span, { start: first, end: first + 'topology'.length }, nodes);
    }
    case 'provider':
      return item(d.name.name, 'provider', d.span, d.name.span, [], 'provider');
    case 'kind':
      return item(d.name.name, 'kind', d.span, d.name.span, d.fields.map((f) => item(f.name.name, 'field', f.span, f.name.span, [], typeText(f.type))));
    case 'opstype':
      return item(d.name.name, 'interface', d.span, d.name.span, d.slots.map((s) => item(s.name.name, s.kind === 'flag' ? 'field' : 'callback', s.span, s.name.span)), 'opstype');
    case 'driver':
      return item(d.name.name, 'driver', d.span, d.name.span, d.items.flatMap(driverItem), d.device ? `for ${d.device.name}` : 'component');
    case 'fn':
      return item(d.name.name, 'fn', d.span, d.name.span, [], signature(d.params, d.returns));
    case 'constraint':
      return item(d.name.name, 'constraint', d.span, d.name.span, [], `${d.rules.length} rule${d.rules.length === 1 ? '' : 's'}`);
    case 'scenario':
      return item(d.name.name, 'scenario', d.span, d.name.span);
    case 'use': {
      const name = d.file ? `"${d.file.name}"` : d.path.map((p) => p.name).join('.');
      return name ? item(name, 'module', d.span, d.file?.span ?? d.span, [], 'use') : undefined;
    }
    default:
      return undefined;
  }
}

/** The declarations of the file `uri` (one of the document's own files), in source order. */
export function outline(doc: LanguageDocument, uri: string = doc.uri): OutlineItem[] {
  return (doc.specOf(uri)?.decls ?? []).flatMap((d) => declItem(d) ?? []);
}
