/**
 * Kernel versions (v1, LANGUAGE.md §10 "Kernel versions"): which kernel's
 * contract a spec follows, and which stdlib rules hold in it. A stdlib
 * constraint says in its doc comment whether it is a check the kernel makes
 * (`Kind: kernel check …`) and, when the contract changed, the versions it
 * holds in (`Linux: 6.2..`, `Linux: ..7.0`, `Linux: 5.5..6.1`), with the
 * commit that changed it in its `Source:`.
 */
import type { Contract } from './program.js';

/** A kernel version, compared as (major, minor): 6.19 is newer than 6.2. */
export interface Version {
  readonly major: number;
  readonly minor: number;
}

/**
 * The newest kernel whose contract the stdlib knows: 7.1, the first release
 * with the dma-buf revoke series (ef246da8e63c, 575157b1b5fc, be6d4c9e9d71,
 * 609fc8766d68) — docs/language.md lists what each version changes.
 */
export const NEWEST: Version = { major: 7, minor: 1 };

/** The oldest kernel the stdlib describes: dynamic dma-buf attachments and move_notify (bb42df4662a4) came in 5.7. */
export const OLDEST: Version = { major: 5, minor: 7 };

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}

export function versionText(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** The contract of a spec with `target` (or the newest). */
export function contractOf(target: Version | undefined): Contract {
  if (!target) return { ...NEWEST, text: `linux ${versionText(NEWEST)} (the newest contract the stdlib knows)`, targeted: false };
  return { ...target, text: `linux ${versionText(target)} (target)`, targeted: true };
}

/** An inclusive range of versions; either end may be open. */
export interface VersionRange {
  readonly from?: Version;
  readonly to?: Version;
}

const versionPattern = /(\d+)\.(\d+)/;

function parseVersion(s: string): Version | undefined {
  const m = versionPattern.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** The `Linux: A..B` line of a stdlib rule's doc comment, if it has one. */
export function ruleVersions(doc: string | undefined): VersionRange | undefined {
  const m = /(?:^|\n)\s*Linux:\s*(\d+\.\d+)?\s*\.\.\s*(\d+\.\d+)?/.exec(doc ?? '');
  if (!m) return undefined;
  const from = m[1] ? parseVersion(m[1]) : undefined;
  const to = m[2] ? parseVersion(m[2]) : undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

export function inRange(v: Version, r: VersionRange | undefined): boolean {
  if (!r) return true;
  if (r.from && compareVersions(v, r.from) < 0) return false;
  if (r.to && compareVersions(v, r.to) > 0) return false;
  return true;
}

/** Whether a stdlib rule's doc comment says the kernel itself checks it at run time. */
export function isKernelCheck(doc: string | undefined): boolean {
  return /(?:^|\n)\s*Kind:\s*kernel check\b/.test(doc ?? '');
}
