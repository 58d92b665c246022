/**
 * A source text and its line table. Everything inside the pipeline speaks in
 * 0-based offsets; line and column (1-based) exist only at the edges (the CLI
 * printer, editor markers), computed here.
 */

/** A half-open range of offsets `[start, end)` into one source text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A text with a URI (a file path, `stdlib:dmabuf/rules.lspec`, or an editor model id). */
export class SourceFile {
  private lineStarts: number[] | undefined;

  constructor(
    readonly uri: string,
    readonly text: string,
  ) {}

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      const text = this.text;
      // A line ends at \n, \r\n, or a lone \r (old Mac files): each counts once.
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
      }
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }

  /** The 1-based line and column of an offset (clamped into the text). */
  position(offset: number): Position {
    const starts = this.starts();
    const off = Math.max(0, Math.min(Number.isFinite(offset) ? offset : 0, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: off - starts[lo]! + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const starts = this.starts();
    const start = starts[line - 1];
    if (start === undefined) return '';
    const next = starts[line];
    const end = next === undefined ? this.text.length : next;
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, '');
  }

  get lineCount(): number {
    return this.starts().length;
  }
}
