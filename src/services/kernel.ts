/**
 * What the editor says about kernel versions and the stdlib's rules, whether
 * or not a spec loads them: the versions `target linux` knows (where the
 * contract changes), what a version's contract is (which version-dependent
 * rules hold, which primitives and spellings it does not have yet), and every
 * stdlib rule by the name `allow` and `expect` give it.
 */
import { compareVersions, inRange, NEWEST, OLDEST, ruleVersions, versionText, type Version } from '../semantics/contract.js';
import type { Vocabulary } from '../semantics/vocabulary.js';
import type * as A from '../syntax/ast.js';
import { parseText } from '../syntax/parse.js';
import { stdlibModules } from '../stdlib/index.js';
import { code, inert } from './markdown.js';

/** A rule of a stdlib module, as `allow` and `expect violation` name it. */
export interface StdlibRule {
  /** `dmabuf.map_locked` */
  readonly name: string;
  readonly module: string;
  readonly uri: string;
  readonly decl: A.ConstraintDecl;
  readonly text: string;
}

let rules: StdlibRule[] | undefined;

/** Every constraint of every stdlib module (parsed once). */
export function stdlibRules(): readonly StdlibRule[] {
  if (!rules) {
    rules = [];
    for (const m of stdlibModules) {
      const prefix = `${m.name.split('.')[0]}.`;
      for (const d of parseText(m.text, { uri: m.uri }).spec.decls) {
        if (d.kind === 'constraint') rules.push({ name: prefix + d.name.name, module: m.name, uri: m.uri, decl: d, text: m.text.slice(d.span.start, d.span.end) });
      }
    }
  }
  return rules;
}

/** The stdlib rule `name`; of two versions of one rule (`dmabuf.map_locked` before and from 6.2), the one `version` has. */
export function stdlibRule(name: string, version?: Version): StdlibRule | undefined {
  const all = stdlibRules().filter((r) => r.name === name);
  return (version && all.find((r) => inRange(version, ruleVersions(r.decl.doc)))) || all[0];
}

const parse = (s: string): Version => {
  const [major, minor] = s.split('.').map(Number) as [number, number];
  return { major, minor };
};

/** The first line of a doc comment. */
const summary = (doc: string | undefined) => doc?.split('\n')[0]?.trim() ?? '';

/** A kernel version and why it is worth naming. */
export interface KnownVersion {
  readonly version: string;
  readonly why: string;
}

/**
 * The versions where the contract the stdlib knows changes, and the last one
 * before each change: the oldest and the newest, each version-dependent
 * rule's first and last, and when each primitive or spelling came in.
 */
export function knownVersions(v: Vocabulary): KnownVersion[] {
  const out = new Map<string, string[]>();
  const note = (ver: Version, why: string) => {
    if (compareVersions(ver, OLDEST) < 0 || compareVersions(ver, NEWEST) > 0) return;
    const key = versionText(ver);
    out.set(key, [...(out.get(key) ?? []), why]);
  };
  note(OLDEST, 'the oldest contract the stdlib knows');
  note(NEWEST, 'the newest contract the stdlib knows (the default without `target`)');
  for (const r of stdlibRules()) {
    const range = ruleVersions(r.decl.doc);
    if (range?.from) note(range.from, `${r.name} holds from here`);
    if (range?.to) note(range.to, `the last with ${r.name}`);
  }
  for (const [name, since] of sinceList(v)) note(parse(since.linux), `${name} comes in`);
  return [...out]
    .map(([version, why]) => ({ version, why: why.join('; ') }))
    .sort((a, b) => compareVersions(parse(a.version), parse(b.version)));
}

/** Every primitive and spelling that came into the kernel at a known release. */
function sinceList(v: Vocabulary): [string, { linux: string; commit: string }][] {
  const out: [string, { linux: string; commit: string }][] = [];
  for (const p of v.primitives.values()) if (p.since) out.push([p.name, p.since]);
  for (const [name, s] of v.spellingsSince ?? []) if (!out.some(([n]) => n === name)) out.push([name, s]);
  return out;
}

/** A kernel's contract, as hover on `target linux X.Y` and the versions' completion explain it. */
export function contractDoc(v: Vocabulary, version: Version, targeted: boolean): string {
  const text = versionText(version);
  const head = targeted ? `target linux ${text}` : `linux ${text}`;
  const known = compareVersions(version, OLDEST) >= 0 && compareVersions(version, NEWEST) <= 0;
  if (!known) return `${code(head)}\n\nLifespec knows the kernel's contract from linux ${versionText(OLDEST)} to linux ${versionText(NEWEST)}; ${text} is outside it.`;
  const lines: string[] = [];
  lines.push(`The spec is checked and run against the contract of linux ${text}: the rules, ops-type slots, primitive spellings and model behaviours of that kernel.`);
  const holding: string[] = [];
  const not: string[] = [];
  for (const r of stdlibRules()) {
    const range = ruleVersions(r.decl.doc);
    if (!range) continue;
    const span = `${range.from ? versionText(range.from) : ''}..${range.to ? versionText(range.to) : ''}`;
    (inRange(version, range) ? holding : not).push(`- \`${r.name}\` (${span}): ${inert(summary(r.decl.doc))}`);
  }
  if (holding.length) lines.push(`Version-dependent rules that hold here:\n${holding.join('\n')}`);
  if (not.length) lines.push(`Version-dependent rules that do not:\n${not.join('\n')}`);
  const later = sinceList(v).filter(([, s]) => compareVersions(parse(s.linux), version) > 0);
  if (later.length) lines.push(`Not in this kernel yet (a call is an error): ${later.map(([n, s]) => `\`${n}\` (${s.linux}, ${s.commit})`).join(', ')}.`);
  return `${code(head)}\n\n${lines.join('\n\n')}`;
}
