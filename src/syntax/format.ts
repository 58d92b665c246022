/**
 * The formatter: prints a spec in one canonical layout and keeps every
 * comment. Canonical means: two-space indentation, one item per line, at most
 * one blank line where the source had any, operators spaced, only the
 * parentheses precedence needs. Two choices are left to the author, because
 * both read well: a block written on one line with at most one item stays on
 * one line (`if revoked { fail ENODEV }`), and the spaces before a trailing
 * comment are kept (so aligned comments stay aligned).
 *
 * Formatting a formatted spec changes nothing, and the result parses to the
 * same syntax tree.
 */
import type * as A from './ast.js';
import { precedence } from './ast.js';
import type { Comment, ParseResult } from './parse.js';

const INDENT = '  ';

const UNARY = 6;
const POSTFIX = 7;

/** An expression in canonical form, with the parentheses its context needs. */
export function formatExpr(e: A.Expr, minPrec = 0): string {
  switch (e.kind) {
    case 'int':
    case 'size':
      return e.text;
    case 'bool':
      return String(e.value);
    case 'none':
      return 'none';
    case 'string':
      return `"${e.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'errno':
    case 'name':
      return e.name;
    case 'missing':
      return '';
    case 'member':
      return `${formatExpr(e.object, POSTFIX)}.${e.member.name}`;
    case 'call':
      return `${formatExpr(e.callee, POSTFIX)}(${e.args.map((a) => formatExpr(a)).join(', ')})`;
    case 'unary': {
      const s = `${e.op}${formatExpr(e.operand, UNARY)}`;
      return UNARY < minPrec ? `(${s})` : s;
    }
    case 'try': {
      const s = `try ${formatExpr(e.expr, UNARY)}`;
      return UNARY < minPrec ? `(${s})` : s;
    }
    case 'binary': {
      const p = precedence[e.op];
      const s = `${formatExpr(e.left, p)} ${e.op} ${formatExpr(e.right, p + 1)}`;
      return p < minPrec ? `(${s})` : s;
    }
    case 'new':
      return `new ${e.type.name} { ${e.fields.map((f) => `${f.name.name}: ${formatExpr(f.value)}`).join(', ')}${e.fields.length ? ' ' : ''}}`.replace('{  }', '{ }');
  }
}

function formatFails(fails: readonly A.Ident[]): string {
  return fails.length ? ` fails ${fails.map((f) => f.name).join(', ')}` : '';
}

function formatType(t: A.TypeRef): string {
  return `${t.name.name}${t.arg ? `<${formatType(t.arg)}>` : ''}${t.optional ? '?' : ''}`;
}

function formatParams(ps: readonly A.Param[]): string {
  return ps.map((p) => (p.type ? `${p.name.name}: ${formatType(p.type)}` : p.name.name)).join(', ');
}

function formatPattern(p: A.Pattern): string {
  return `${p.event.map((e) => e.name).join('.')}(${p.args.map((a) => a.name).join(', ')})${p.outcome ? ` ${p.outcome}` : ''}`;
}

/** A syntax item the printer lays out on lines of its own. */
interface Item {
  readonly span: A.Node['span'];
  /** Prints the item at the printer's current indentation. */
  readonly print: () => void;
}

class Printer {
  private readonly lines: string[] = [];
  private depth = 0;
  private next = 0;

  constructor(
    private readonly text: string,
    private readonly comments: readonly Comment[],
  ) {}

  result(): string {
    this.flushComments(this.text.length, true);
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return `${this.lines.join('\n')}\n`;
  }

  private emit(s: string): void {
    this.lines.push(s === '' ? '' : INDENT.repeat(this.depth) + s);
  }

  private blankBefore(start: number, prevEnd: number): void {
    if (prevEnd < 0 || this.lines.length === 0) return;
    const gap = this.text.slice(prevEnd, start);
    if ((gap.match(/\n/g) ?? []).length >= 2 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  /** Emits the comments that start before `offset` on lines of their own, keeping one blank line where the source had one. */
  private flushComments(offset: number, keepGaps: boolean, prevEnd = -1): void {
    let last = prevEnd;
    while (this.next < this.comments.length && this.comments[this.next]!.start < offset) {
      const c = this.comments[this.next++]!;
      if (keepGaps) this.blankBefore(c.start, last);
      for (const line of c.text.split('\n')) this.emit(line.replace(/\s+$/, ''));
      last = c.end;
    }
  }

  /** The comment that follows `end` on the same source line, if any, appended to the last line. */
  private trailing(end: number): void {
    const c = this.comments[this.next];
    if (!c || c.text.includes('\n')) return;
    const between = this.text.slice(end, c.start);
    if (between.includes('\n') || between.trim().replace(/;/g, '') !== '') return;
    this.next++;
    const spaces = between.replace(/;/g, '').length || 1;
    this.lines[this.lines.length - 1] += `${' '.repeat(spaces)}${c.text.replace(/\s+$/, '')}`;
  }

  private hasCommentIn(span: A.Node['span']): boolean {
    return this.comments.some((c) => c.start > span.start && c.start < span.end);
  }

  private onOneLine(span: A.Node['span']): boolean {
    return !this.text.slice(span.start, span.end).includes('\n');
  }

  /** Prints a list of items, one per line, with their comments and the source's blank lines. */
  items(list: readonly Item[], endOffset: number): void {
    let prevEnd = -1;
    for (const it of list) {
      const firstComment = this.comments[this.next];
      const startsWithComment = firstComment !== undefined && firstComment.start < it.span.start;
      this.blankBefore(startsWithComment ? firstComment.start : it.span.start, prevEnd);
      this.flushComments(it.span.start, true, prevEnd);
      if (startsWithComment) {
        // A blank line between the comments and the item stays too (a file's leading comment included).
        this.blankBefore(it.span.start, this.comments[this.next - 1]!.end);
      }
      it.print();
      this.trailing(it.span.end);
      prevEnd = it.span.end;
    }
    this.flushComments(endOffset, true, prevEnd);
  }

  /**
   * `head { … }`: on one line when the source had it there with at most
   * `inlineMax` items and no comment inside, else one item per line.
   */
  braced(head: string, span: A.Node['span'], list: readonly Item[], inline: () => string | undefined, inlineMax = 1): void {
    const prefix = head === '' ? '' : `${head} `;
    if (list.length === 0 && !this.hasCommentIn(span)) {
      this.emit(`${prefix}{ }`);
      return;
    }
    if (list.length <= inlineMax && this.onOneLine(span) && !this.hasCommentIn(span)) {
      const one = inline();
      if (one !== undefined) {
        this.emit(`${prefix}{ ${one} }`);
        return;
      }
    }
    this.emit(`${prefix}{`);
    // A comment on the line of the opening brace stays there.
    const brace = this.text.indexOf('{', span.start);
    if (brace >= 0 && brace < span.end) this.trailing(brace + 1);
    this.depth++;
    this.items(list, span.end);
    this.depth--;
    this.emit('}');
  }

  // ---- declarations ------------------------------------------------------------

  spec(s: A.Spec): void {
    this.items(
      s.decls.map((d) => ({ span: d.span, print: () => this.decl(d) })),
      this.text.length,
    );
  }

  decl(d: A.Decl): void {
    switch (d.kind) {
      case 'use':
        this.emit(d.file ? `use ${formatExpr({ kind: 'string', value: d.file.name, span: d.span })}` : `use ${d.path.map((p) => p.name).join('.')}`);
        return;
      case 'kind': {
        const field = (f: A.Field) => `${f.name.name}: ${formatType(f.type)}${f.init ? ` = ${formatExpr(f.init)}` : ''}`;
        this.braced(`kind ${d.name.name}`, d.span, d.fields.map((f) => ({ span: f.span, print: () => this.emit(field(f)) })), () => d.fields.map(field).join('; '));
        return;
      }
      case 'target':
        this.emit(`target linux ${d.text}`);
        return;
      case 'allow':
        this.emit(`allow ${d.rules.map((r) => r.name).join(', ')}`);
        return;
      case 'topology':
        this.braced('topology', d.span, d.items.map((i) => ({ span: i.span, print: () => this.emit(this.topoItem(i)) })), () => '', 0);
        return;
      case 'provider':
        this.braced(
          `provider ${d.name.name} : ${d.providerKind.name}`,
          d.span,
          d.props.map((p) => ({ span: p.span, print: () => this.emit(providerProp(p)) })),
          () => d.props.map(providerProp).join('  '),
          Infinity,
        );
        return;
      case 'opstype':
        this.braced(`opstype ${d.name.name}`, d.span, d.slots.map((s) => ({ span: s.span, print: () => this.emit(opsSlot(s)) })), () => d.slots.map(opsSlot).join('; '));
        return;
      case 'driver':
        this.braced(`driver ${d.name.name}${d.device ? ` for ${d.device.name}` : ''}`, d.span, d.items.map((i) => ({ span: i.span, print: () => this.driverItem(i) })), () => '', 0);
        return;
      case 'fn':
        this.body(`fn ${d.name.name}(${formatParams(d.params)})${d.returns ? ` -> ${formatType(d.returns)}` : ''}${formatFails(d.fails)}`, d.body);
        return;
      case 'constraint':
        this.braced(`constraint ${d.name.name}`, d.span, d.rules.map((r) => ({ span: r.span, print: () => this.emit(rule(r)) })), () => d.rules.map(rule).join('; '));
        return;
      case 'scenario':
        this.braced(`scenario ${d.name.name}`, d.span, this.scenarioItems(d.lines), () => '', 0);
        return;
    }
  }

  private topoItem(i: A.TopoItem): string {
    switch (i.kind) {
      case 'host_bridge':
        return `host_bridge ${i.name.name}${i.props.length ? ` { ${i.props.map((p) => `${p.kind} ${p.mode}`).join('  ')} }` : ''}`;
      case 'switch':
        return `switch ${i.name.name} under ${i.parent.name}${i.props.length ? ` { ${i.props.map((p) => `acs ${p.on ? 'on' : 'off'}`).join('  ')} }` : ''}`;
      case 'device': {
        const props = i.props.map((p) => (p.kind === 'bar' ? `bar ${p.index.text} size ${p.size.text}` : `acs ${p.on ? 'on' : 'off'}`));
        return `device ${i.name.name} under ${i.parent.name}${props.length ? ` { ${props.join('  ')} }` : ''}`;
      }
    }
  }

  private driverItem(i: A.DriverItem): void {
    switch (i.kind) {
      case 'state': {
        const field = (f: A.Field) => `${f.name.name}: ${formatType(f.type)}${f.init ? ` = ${formatExpr(f.init)}` : ''}`;
        this.braced('state', i.span, i.fields.map((f) => ({ span: f.span, print: () => this.emit(field(f)) })), () => i.fields.map(field).join('; '));
        return;
      }
      case 'probe':
      case 'remove':
        this.body(`${i.kind}(${formatParams(i.params)})`, i.body);
        return;
      case 'ops':
        this.braced(
          `ops ${i.name.name} : ${i.type.name}`,
          i.span,
          i.entries.map((e) => ({ span: e.span, print: () => this.opsEntry(e) })),
          () => (i.entries[0] && i.entries[0].kind === 'value' ? `${i.entries[0].name.name} = ${formatExpr(i.entries[0].value)}` : ''),
          i.entries.every((e) => e.kind === 'value') ? 1 : 0,
        );
        return;
      case 'action':
        this.body(`action ${i.name.name}(${formatParams(i.params)})${i.returns ? ` -> ${formatType(i.returns)}` : ''}${formatFails(i.fails)}`, i.body);
        return;
      case 'fn':
        this.body(`fn ${i.name.name}(${formatParams(i.params)})${i.returns ? ` -> ${formatType(i.returns)}` : ''}${formatFails(i.fails)}`, i.body);
        return;
    }
  }

  private opsEntry(e: A.OpsEntry): void {
    if (e.kind === 'value') this.emit(`${e.name.name} = ${formatExpr(e.value)}`);
    else this.body(`${e.name.name}(${formatParams(e.params)})`, e.body);
  }

  // ---- statements ----------------------------------------------------------------

  /** `head { statements }`; `multiline` when the block may not stay on one line (an `if` with an `else`). */
  body(head: string, b: A.Block, multiline = false): void {
    this.braced(head, b.span, this.stmtItems(b.stmts), () => (b.stmts[0] ? this.inlineStmt(b.stmts[0]) : ''), multiline ? 0 : 1);
  }

  private stmtItems(stmts: readonly A.Stmt[]): Item[] {
    return stmts.map((s) => ({ span: s.span, print: () => this.stmt(s) }));
  }

  /** A statement printed on one line for `{ … }`, or undefined when it takes more than one. */
  private inlineStmt(s: A.Stmt): string | undefined {
    const saved = this.lines.length;
    const depth = this.depth;
    this.depth = 0;
    this.stmt(s);
    this.depth = depth;
    const printed = this.lines.splice(saved);
    return printed.length === 1 ? printed[0] : undefined;
  }

  stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'let':
        this.emit(`let ${s.name.name}${s.type ? `: ${formatType(s.type)}` : ''} = ${formatExpr(s.value)}`);
        return;
      case 'assign':
        this.emit(`${formatExpr(s.target)} = ${formatExpr(s.value)}`);
        return;
      case 'if':
        this.ifStmt(s, 'if');
        return;
      case 'for':
        this.body(`for ${s.name.name} in ${formatExpr(s.iter)}`, s.body);
        return;
      case 'lock':
        this.body(`lock ${formatExpr(s.mutex)}`, s.body);
        return;
      case 'return':
        this.emit(s.value ? `return ${formatExpr(s.value)}` : 'return');
        return;
      case 'fail':
        this.emit(`fail ${formatExpr(s.errno)}`);
        return;
      case 'assert':
        this.emit(`assert ${formatExpr(s.cond)}${s.message !== undefined ? `, ${formatExpr({ kind: 'string', value: s.message, span: s.span })}` : ''}`);
        return;
      case 'expr':
        this.emit(formatExpr(s.expr));
        return;
      case 'choose':
        this.braced(
          'choose',
          s.span,
          s.branches.map((b) => ({ span: b.span, print: () => this.body('', b) })),
          () => '',
          0,
        );
        return;
    }
  }

  private ifStmt(s: A.IfStmt, keyword: string, chained = false): void {
    // An if/else chain is laid out one branch per line, never squeezed onto one.
    const multiline = chained || s.else !== undefined;
    this.body(`${keyword} ${formatExpr(s.cond)}`, s.then, multiline);
    if (!s.else) return;
    const last = this.lines.length - 1;
    if ('kind' in s.else) {
      const before = this.lines.length;
      this.ifStmt(s.else, 'if', true);
      // `} else if … {` continues the closing line of the block before it.
      const first = this.lines.splice(before, 1)[0]!.trimStart();
      this.lines[last] += ` else ${first}`;
      return;
    }
    const before = this.lines.length;
    this.body('else', s.else, true);
    const first = this.lines.splice(before, 1)[0]!.trimStart();
    this.lines[last] += ` ${first}`;
  }

  // ---- scenarios -----------------------------------------------------------------

  private scenarioItems(lines: readonly A.ScenarioLine[]): Item[] {
    return lines.map((l) => ({ span: l.span, print: () => this.scenarioLine(l) }));
  }

  private scenarioLine(l: A.ScenarioLine): void {
    switch (l.kind) {
      case 'bind':
      case 'unbind':
      case 'unplug':
        this.emit(`${l.kind} ${l.target.name}`);
        return;
      case 'faults':
        this.emit(`faults ${l.on ? 'on' : 'off'}`);
        return;
      case 'expect':
        this.emit(l.outcome === 'violation' ? `expect violation ${l.rules.map((r) => r.name).join(', ')}` : `expect ${l.outcome}`);
        return;
      case 'action':
        this.emit(`${l.binds ? `let ${l.binds.name} = ` : ''}${l.driver.name}${l.bare ? '' : `.${l.action.name}`}(${l.args.map((a) => formatExpr(a)).join(', ')})`);
        return;
      case 'parallel':
      case 'choose':
        this.braced(
          l.kind,
          l.span,
          l.branches.map((b) => ({
            span: b.span,
            print: () => this.braced('', b.span, this.scenarioItems(b.lines), () => (b.lines[0] ? this.inlineLine(b.lines[0]) : '')),
          })),
          () => '',
          0,
        );
        return;
    }
  }

  private inlineLine(l: A.ScenarioLine): string | undefined {
    const saved = this.lines.length;
    const depth = this.depth;
    this.depth = 0;
    this.scenarioLine(l);
    this.depth = depth;
    const printed = this.lines.splice(saved);
    return printed.length === 1 ? printed[0] : undefined;
  }
}

function providerProp(p: A.ProviderProp): string {
  switch (p.kind) {
    case 'device':
      return `device ${p.device.name}`;
    case 'bar':
      return `bar ${p.bar.text}`;
    case 'lifetime':
      return `lifetime ${p.lifetime}`;
  }
}

function opsSlot(s: A.OpsSlot): string {
  if (s.kind === 'flag') return `flag ${s.name.name}`;
  return `${s.required ? 'required ' : ''}${s.name.name}(${formatParams(s.params)})${s.returns ? ` -> ${formatType(s.returns)}` : ''}`;
}

function rule(r: A.Rule): string {
  switch (r.kind) {
    case 'lifetime':
      return `lifetime ${r.objectKind.name} within ${r.field.name}`;
    case 'before':
      return `${formatPattern(r.left)} before ${formatPattern(r.right)}`;
    case 'never':
      return `never ${formatPattern(r.pattern)}${r.after ? ` after ${formatPattern(r.after)}` : ''}`;
    case 'requires':
      return `${formatPattern(r.pattern)} requires ${formatExpr(r.cond)}`;
    case 'leads_to':
      return `${formatPattern(r.left)} leads_to ${formatPattern(r.right)}`;
    case 'always':
      return `always ${formatExpr(r.expr)}`;
    case 'at_end':
      return `at end ${formatExpr(r.expr)}`;
  }
}

/**
 * Formats a parsed spec. Call it only on a spec without syntax errors: what
 * recovery skipped is not in the tree, so formatting it would lose text.
 */
export function formatSpec(parsed: ParseResult): string {
  const p = new Printer(parsed.source.text, parsed.comments);
  p.spec(parsed.spec);
  return p.result();
}

/** The syntax tree without positions, for comparing two parses of different text. */
export function shapeOf(spec: A.Spec): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => k !== 'span' && k !== 'uri' && o[k] !== undefined)
        .sort()
        .map((k) => [k, sorted(o[k])]),
    );
  };
  return JSON.stringify(sorted(spec.decls));
}

export type FormatResult =
  | { readonly ok: true; readonly text: string; readonly changed: boolean }
  | { readonly ok: false; readonly reason: 'syntax-errors' | 'unsafe' };

/**
 * Formats a text, refusing when it has syntax errors (recovery may have
 * skipped text) or when the result would not parse back to the same tree and
 * the same comments — so a formatted file never loses anything. Lines end
 * with \n in the result, whatever they ended with before.
 */
export function formatText(original: ParseResult, reparse: (text: string) => ParseResult): FormatResult {
  if (original.diagnostics.some((d) => d.severity === 'error')) return { ok: false, reason: 'syntax-errors' };
  // The canonical layout ends lines with \n: a CRLF or CR-only file is read with its line ends made \n
  // first, so comments and blank lines are placed by the same rules as anywhere else.
  const source = original.source.text;
  const parsed = /\r/.test(source) ? reparse(source.replace(/\r\n?/g, '\n')) : original;
  const text = formatSpec(parsed);
  const again = reparse(text);
  const sameComments = again.comments.map((c) => c.text.trimEnd()).join('\n') === parsed.comments.map((c) => c.text.trimEnd()).join('\n');
  if (again.diagnostics.length > 0 || shapeOf(again.spec) !== shapeOf(parsed.spec) || !sameComments) return { ok: false, reason: 'unsafe' };
  return { ok: true, text, changed: text !== source };
}
