/**
 * Specs in URLs: `#code=` followed by the base64url (RFC 4648 §5, no padding)
 * of the spec's UTF-8 bytes.
 */

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

/** The spec a location hash carries (`#code=…`, possibly among other `&`-separated fields), if any. */
export function codeFromHash(hash: string): { text?: string; invalid?: boolean } {
  const fields = new URLSearchParams(hash.replace(/^#/, ''));
  const code = fields.get('code');
  if (code === null) return {};
  // URLSearchParams turns '+' into ' '; base64url has neither, but a hand-made link might.
  const text = decodeCode(code.replace(/ /g, '+'));
  return text === undefined ? { invalid: true } : { text };
}
