/**
 * How the editor services explain things: signatures and docs as Markdown,
 * built from the checked program and the registry's tables. Nothing here
 * renders it. Spec text is put in fences that it cannot close, and prose
 * (doc comments, the registry's docs) goes through `inert`: an editor shows
 * it as Markdown, but nothing in it can make the editor load anything.
 */
import type { BodyInfo, DriverInfo, FnInfo, KindFieldInfo, OwnKindInfo, Program, SlotInfo, Symbol } from '../semantics/program.js';
import { typeToString, type Type } from '../semantics/types.js';
import type { PrimitiveSig, Vocabulary } from '../semantics/vocabulary.js';
import type * as A from '../syntax/ast.js';

/**
 * `s` in an `lspec` fence longer than any run of backticks in it, so no line
 * of spec text can close the fence and be read as Markdown.
 */
export function code(s: string): string {
  let longest = 0;
  for (const m of s.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}lspec\n${s}\n${fence}`;
}

/** U+2060 WORD JOINER: invisible, and no Markdown or HTML construct starts with `<` or `!` followed by it. */
const JOINER = '\u2060';

/**
 * Prose as Markdown that loads nothing when rendered: an image (`![alt](url)`,
 * `![alt][ref]`) becomes a link to its URL, which only a click follows, and a
 * raw HTML tag (`<img src=…>`, `<iframe>`) or autolink is shown as the text it
 * is. The rest (emphasis, lists, code spans and blocks, links) is left as written.
 *
 * A doc comment comes from the spec, and a spec may come from a shared link:
 * an editor that rendered its images or HTML would fetch whatever URL the
 * link's author chose, a tracking beacon at the least.
 *
 * Safety does not rest on reading the Markdown as a renderer would. In text,
 * `<` and `![` get a backslash; in what looks like code (a code span or a
 * fence), where a backslash would show, they get an invisible word joiner,
 * which breaks them just as well should the renderer read it as text after
 * all. The reading only decides which of the two looks right. A fence left
 * open is closed, so nothing after the prose is read as code or the reverse.
 */
export function inert(prose: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let fence: string | undefined;
  const flush = () => {
    if (paragraph.length) out.push(inertInline(paragraph.join('\n')));
    paragraph = [];
  };
  for (const line of prose.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence !== undefined) {
      if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && m[2]!.trim() === '') fence = undefined;
      out.push(breakMarkup(line));
    } else if (m && !(m[1]![0] === '`' && m[2]!.includes('`'))) {
      flush();
      fence = m[1]!;
      out.push(breakMarkup(line));
    } else if (line.trim() === '') {
      flush();
      out.push(line);
    } else paragraph.push(line);
  }
  flush();
  if (fence !== undefined) out.push(fence);
  return out.join('\n');
}

/** In code: `<` before what could start a tag, and `![`, broken by the joiner. */
function breakMarkup(s: string): string {
  return s.replace(/<(?=[A-Za-z/!?])/g, `<${JOINER}`).replace(/!\[/g, `!${JOINER}[`);
}

/** A paragraph: `\<` and `\![` in text (an escape already there is kept), code spans broken by the joiner. */
function inertInline(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; ) {
    const c = p[i]!;
    if (c === '\\' && /^[!-/:-@[-`{-~]$/.test(p[i + 1] ?? '')) {
      out += p.slice(i, i + 2);
      i += 2;
    } else if (c === '`') {
      const run = /^`+/.exec(p.slice(i))![0];
      const close = nextRun(p, i + run.length, run.length);
      if (close < 0) {
        out += run;
        i += run.length;
      } else {
        out += run + breakMarkup(p.slice(i + run.length, close)) + run;
        i = close + run.length;
      }
    } else {
      out += c === '<' || (c === '!' && p[i + 1] === '[') ? `\\${c}` : c;
      i++;
    }
  }
  return out;
}

/** Where the next run of exactly `n` backticks starts, from `from` on; -1 if there is none. */
function nextRun(s: string, from: number, n: number): number {
  for (const m of s.slice(from).matchAll(/`+/g)) if (m[0].length === n) return from + m.index;
  return -1;
}

export function params(ps: readonly { name: string; type: Type; optional?: boolean }[]): string {
  return ps.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToString(p.type)}`).join(', ');
}

export function returns(t: Type): string {
  return t.k === 'void' ? '' : ` -> ${typeToString(t)}`;
}

export function withDoc(head: string, doc: string | undefined): string {
  return doc ? `${code(head)}\n\n${inert(doc)}` : code(head);
}

export function primitiveSignature(s: PrimitiveSig, name = s.name): string {
  return `${name}(${params(s.params)})${returns(s.returns)}`;
}

export function primitiveDoc(s: PrimitiveSig, name = s.name): string {
  const alias = name !== s.name ? `\n\nThe newer kernel spelling of \`${s.name}\`.` : '';
  const faults = s.faults?.length ? `\n\nUnder \`faults on\` it may also fail with ${s.faults.map((f) => `\`${f}\``).join(', ')}.` : '';
  return `${code(`primitive ${primitiveSignature(s, name)}`)}\n\n${inert(s.doc)}${alias}${faults}`;
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
  return `${code(`object kind ${kind}`)}\n\n${inert(k.doc)}${list}`;
}

/** A constraint's or model violation's documentation, with the rule's text. */
export function ruleDoc(program: Program, name: string, hereUri: string): string | undefined {
  const c = program.constraints.get(name);
  if (c) {
    const text = program.sources.get(c.uri)?.text.slice(c.decl.span.start, c.decl.span.end);
    const where = c.uri === hereUri ? '' : `\n\nFrom \`${c.uri}\`.`;
    const doc = c.decl.doc ?? c.doc;
    return `${doc ? inert(doc) : `Constraint \`${name}\`.`}${where}${text ? `\n\n${code(text)}` : ''}`;
  }
  const m = program.vocabulary.violations.get(name);
  if (m) return `${code(`violation ${name}`)}\n\n${inert(m)} Reported by the models themselves, without a constraint.`;
  return undefined;
}

/** `fails ENOMEM, EIO` after a signature, when a body declares fault points. */
export function fails(b: Pick<BodyInfo, 'fails'>): string {
  return b.fails?.length ? ` fails ${b.fails.join(', ')}` : '';
}

/** What a `kref` is, under the hover of any field of that type. */
export const KREF_NOTE =
  'A reference count (`kref`): it starts at 1, as after kref_init(). `kref_get` adds one; `kref_put` drops one and is true when it reached zero, so the caller releases (`if kref_put(m.refs) { free(m) }`); `kref_get_unless_zero` adds one unless it is zero; `kref_read` reads it. It is not a value: only these four take it.';

/** A field of an own kind: its type and initialiser, its doc, and what a kref is. */
export function kindFieldDoc(program: Program, k: OwnKindInfo, f: KindFieldInfo): string {
  const init = f.decl.init ? program.sources.get(k.uri)?.text.slice(f.decl.init.span.start, f.decl.init.span.end) : undefined;
  const head = `${k.name}.${f.name}: ${typeToString(f.type)}${init ? ` = ${init}` : ''}`;
  return `${withDoc(head, f.decl.doc)}${f.type.k === 'kref' ? `\n\n${KREF_NOTE}` : ''}`;
}

/** An object kind the spec declares: the declaration with its fields, its doc, and how its objects live. */
export function ownKindDoc(program: Program, k: OwnKindInfo): string {
  const text = program.sources.get(k.uri)?.text;
  const fields = [...k.fields.values()].map((f) => {
    const init = f.decl.init && text ? ` = ${text.slice(f.decl.init.span.start, f.decl.init.span.end)}` : '';
    return `  ${f.name}: ${typeToString(f.type)}${init}`;
  });
  const head = fields.length ? `kind ${k.name} {\n${fields.join('\n')}\n}` : `kind ${k.name} {}`;
  const krefs = [...k.fields.values()].filter((f) => f.type.k === 'kref').map((f) => `\`${f.name}\``);
  const life = `An object kind of the spec's own (\`${k.uri}\`): \`new ${k.name} { … }\` creates one, fields not given take their initialiser; \`free(x)\` ends it, after which using it is \`model.use_after_free\`.${krefs.length ? ` ${krefs.join(', ')} ${krefs.length === 1 ? 'is a kref' : 'are krefs'}: each starts at 1.` : ''}`;
  return `${code(head)}\n\n${k.decl.doc ? `${inert(k.decl.doc)}\n\n` : ''}${inert(life)}`;
}

/** A driver, or a component (a driver without `for`). */
export function driverDoc(d: DriverInfo): string {
  if (!d.component) return withDoc(`driver ${d.name} for ${d.device}`, d.decl.doc);
  const actions = [...d.actions.keys()].map((a) => `\`${a}\``);
  const note = `A component: bound to no device. It is there for the whole scenario, with no probe or remove; scenario lines and other drivers' bodies call its actions${actions.length ? ` (${actions.join(', ')})` : ''}, and \`bind\`, \`unbind\` and \`unplug\` do not apply to it.`;
  return `${withDoc(`driver ${d.name}`, d.decl.doc)}\n\n${note}`;
}

/** A `fn`: top-level, or a driver's own. */
export function fnDoc(f: FnInfo): string {
  const head = `fn ${f.driver ? `${f.driver}.` : ''}${f.name}(${params(f.params)})${returns(f.returns)}${fails(f)}`;
  const own = f.driver ? `\n\nA function of driver \`${f.driver}\`: it sees the driver's state and ops tables, and its bodies call it by name.` : '';
  return `${withDoc(head, f.decl.doc)}${own}`;
}

/** An action, as a scenario line or another body calls it. */
export function actionDoc(driver: string, name: string, a: BodyInfo & { decl: A.ActionDecl }): string {
  return withDoc(`action ${driver}.${name}(${params(a.params)})${returns(a.returns)}${fails(a)}`, a.decl.doc);
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
      return `${withDoc(`${sym.driver}.${sym.name}: ${typeToString(sym.type)}`, sym.decl.doc)}${sym.type.k === 'kref' ? `\n\n${KREF_NOTE}` : ''}`;
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
      return fnDoc(sym.info);
    case 'primitive':
      return primitiveDoc(sym.sig, sym.name);
    case 'constant': {
      const c = program.vocabulary.constants.get(sym.name);
      return withDoc(`${sym.name}: ${typeToString(sym.type)}`, c?.doc);
    }
    case 'driver':
      return driverDoc(sym.info);
    case 'action':
      return actionDoc(sym.driver.name, sym.name, sym.info);
    case 'kind':
    case 'kind-filter': {
      const own = program.kinds.get(sym.name);
      return own ? ownKindDoc(program, own) : kindDoc(program.vocabulary, sym.name);
    }
  }
}
