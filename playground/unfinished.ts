/**
 * The texts whose check started and never ended, remembered in local storage
 * by a hash of the text: the page that hung or crashed on a text does not
 * check it again by itself after a reload (checker.ts adds a text a check
 * takes long over, and takes it off when the check is answered). No DOM here,
 * so test/playground.test.ts runs it under Node.
 */
import type { KeyValueStore } from './drafts.js';

/** Local storage: hashes of the texts whose check started but never ended. */
export const UNFINISHED_KEY = 'lifespec.playground.unfinished-checks';
const MAX_UNFINISHED = 16;

/** FNV-1a over the UTF-16 code units, and the length: enough to tell one text from another. */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(36)}.${text.length.toString(36)}`;
}

/** The texts whose check did not finish, as local storage remembers them across reloads. */
export class UnfinishedChecks {
  constructor(private readonly storage: KeyValueStore | undefined) {}

  has(text: string): boolean {
    return this.read().includes(textHash(text));
  }

  add(text: string): void {
    const h = textHash(text);
    this.write([h, ...this.read().filter((x) => x !== h)].slice(0, MAX_UNFINISHED));
  }

  delete(text: string): void {
    const h = textHash(text);
    const list = this.read();
    if (list.includes(h)) this.write(list.filter((x) => x !== h));
  }

  private read(): string[] {
    try {
      const v = JSON.parse(this.storage?.getItem(UNFINISHED_KEY) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private write(list: string[]): void {
    try {
      this.storage?.setItem(UNFINISHED_KEY, JSON.stringify(list));
    } catch {
      /* storage full or disabled: a reload may check the text again, and fail the same way */
    }
  }
}
