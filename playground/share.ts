/**
 * Specs in URLs. One file (the main tab, of the default name) is `#code=`
 * followed by the base64url (RFC 4648 §5, no padding) of its UTF-8 bytes, as
 * before tabs, so old links open as they did and a one-file link is what it
 * always was. Several tabs are `#files=` followed by the base64url of the
 * UTF-8 JSON `[{"name": …, "text": …}, …]`, the main tab first.
 */
import { isSingle, single, validFiles, type SpecFile } from './files.js';

export function encodeCode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The text of a `#code=` value, or undefined when it is not base64url of UTF-8. */
export function decodeCode(code: string): string | undefined {
  const b64 = code.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  try {
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The hash that carries `files`: `#code=…` for one file of the default name, else `#files=…`. */
export function encodeFiles(files: readonly SpecFile[]): string {
  if (isSingle(files)) return `#code=${encodeCode(files[0]!.text)}`;
  return `#files=${encodeCode(JSON.stringify(files.map((f) => ({ name: f.name, text: f.text }))))}`;
}

/** The files of a `#files=` value, or undefined when it is not base64url of a JSON list of well-named files. */
export function decodeFiles(value: string): SpecFile[] | undefined {
  const json = decodeCode(value);
  if (json === undefined) return undefined;
  try {
    return validFiles(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** The files a location hash carries (`#code=…` or `#files=…`, possibly among other `&`-separated fields), if any. */
export function filesFromHash(hash: string): { files?: SpecFile[]; invalid?: boolean } {
  const fields = new URLSearchParams(hash.replace(/^#/, ''));
  // URLSearchParams turns '+' into ' '; base64url has neither, but a hand-made link might.
  const raw = (name: string) => fields.get(name)?.replace(/ /g, '+');
  const many = raw('files');
  if (many !== undefined) {
    const files = decodeFiles(many);
    return files ? { files } : { invalid: true };
  }
  const code = raw('code');
  if (code === undefined) return {};
  const text = decodeCode(code);
  return text === undefined ? { invalid: true } : { files: single(text) };
}

/** The spec a `#code=` hash carries, as before tabs: the main file's text of any link. */
export function codeFromHash(hash: string): { text?: string; invalid?: boolean } {
  const r = filesFromHash(hash);
  if (r.invalid) return { invalid: true };
  return r.files ? { text: r.files[0]!.text } : {};
}
