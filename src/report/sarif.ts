/**
 * SARIF 2.1.0 for code-scanning services (GitHub's, Azure DevOps', IDE
 * viewers): one run whose tool is lifespec, a result per violated rule per
 * scenario (or, for `lifespec test`, per unmet expectation), a result per
 * diagnostic of a spec with check errors, and a warning per search that
 * stopped at a bound. A trace is one `threadFlow` with a location per step,
 * in step order: the interleaving is the point, so the steps of every thread
 * stay in one list, each naming its thread. docs/ci.md describes the mapping.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnosticCodes } from '../diagnostics/codes.js';
import type { TraceStep } from '../explore/result.js';
import type { Program } from '../semantics/program.js';
import type { SourceFile } from '../source.js';
import type { Finding, Place } from './findings.js';
import { locate, type Sources } from './positions.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** What the descriptions of the rules lifespec itself reports say. */
const ownRules: Readonly<Record<string, string>> = {
  deadlock: 'No scenario thread can move: each thread that has not finished waits for a lock, a wait or a release that nobody can give.',
  expect: "A scenario's outcome does not match its `expect` line: an expected violation or deadlock did not happen.",
  incomplete:
    "A bound stopped a scenario's search before a verdict (--max-states, --timeout, --max-memory, or a bound inside the spec such as a runaway recursion), or the scenario was only simulated (run --simulate: random walks, which look at some runs and never prove that a rule holds): nothing was found, and nothing is proven.",
};

type Json = Record<string, unknown>;

/** A path or a `stdlib:` URI as a URI reference: each segment percent-encoded, so a space, `#` or `?` stays part of the path. */
export function artifactUri(uri: string): string {
  if (/^stdlib:/.test(uri)) return `stdlib:${uri.slice(7).split('/').map(encodeURIComponent).join('/')}`;
  return uri.split('/').map(encodeURIComponent).join('/');
}

function physical(where: Place, end?: { line: number; column: number }): Json {
  const region = where.line > 0 ? { startLine: where.line, startColumn: Math.max(1, where.column), ...(end && end.line > 0 ? { endLine: end.line, endColumn: Math.max(1, end.column) } : {}) } : undefined;
  return { physicalLocation: { artifactLocation: { uri: artifactUri(where.uri) }, ...(region ? { region } : {}) } };
}

/** A trace as one thread flow: a location per step, with its thread; taking and letting go of a lock are `acquire` and `release`. */
function codeFlow(trace: readonly TraceStep[], sources: Sources): Json {
  const held = new Map<string, readonly string[]>();
  const locations = trace.map((s) => {
    const before = held.get(s.thread) ?? [];
    held.set(s.thread, s.locks);
    const kinds = [...(s.locks.some((l) => !before.includes(l)) ? ['acquire'] : []), ...(before.some((l) => !s.locks.includes(l)) ? ['release'] : [])];
    const where = { uri: s.uri, ...locate(sources, s.uri, s.offset) };
    return {
      location: { ...physical(where), message: { text: `${s.step}. [${s.thread}] ${s.event}` } },
      executionOrder: s.step,
      ...(kinds.length ? { kinds } : {}),
      properties: { thread: s.thread, locks: [...s.locks], created: [...s.created], ended: [...s.ended] },
    };
  });
  return { threadFlows: [{ locations }] };
}

/** Collects the results of `check`, `run` or `test` into one SARIF log. */
export class SarifLog {
  private readonly rules = new Map<string, { index: number; descriptor: Json }>();
  private readonly results: Json[] = [];
  private readonly notifications: Json[] = [];

  constructor(private readonly tool: { readonly version: string; readonly informationUri?: string }) {}

  private rule(id: string, text: string | undefined, level: 'error' | 'warning' | 'note'): number {
    const known = this.rules.get(id);
    if (known) return known.index;
    const description = text ?? `The rule ${id}.`;
    // The first sentence of the first paragraph, on one line.
    const paragraph = description.split(/\n\s*\n/)[0]!.replace(/\s*\n\s*/g, ' ');
    const first = /^.*?[.!?](?=\s|$)/.exec(paragraph)?.[0] ?? paragraph;
    const descriptor = {
      id,
      shortDescription: { text: first },
      fullDescription: { text: description },
      help: { text: description },
      defaultConfiguration: { level },
    };
    const index = this.rules.size;
    this.rules.set(id, { index, descriptor });
    return index;
  }

  /** What a rule is, from the program: a constraint's `///` text, a model violation's description, or lifespec's own. */
  private ruleText(id: string, program: Program): string | undefined {
    const c = program.constraints.get(id);
    if (c) return c.doc?.trim() || `The constraint ${id}, declared in ${c.uri}.`;
    return program.vocabulary.violations.get(id) ?? ownRules[id];
  }

  /** Each diagnostic of a file's check as a result at its range. */
  addDiagnostics(diagnostics: readonly Diagnostic[], source: (uri: string) => SourceFile | undefined): void {
    for (const d of diagnostics) {
      const level = d.severity === 'info' ? 'note' : d.severity;
      const ruleIndex = this.rule(d.code, diagnosticCodes[d.code], 'error');
      const src = source(d.uri);
      const at = (uri: string, offset: number) => src && uri === d.uri ? src.position(offset) : source(uri)?.position(offset);
      const start = at(d.uri, d.span.start) ?? { line: 0, column: 0 };
      const related = (d.related ?? []).map((r, i) => ({ id: i, ...physical({ uri: r.uri, ...(at(r.uri, r.span.start) ?? { line: 0, column: 0 }) }), message: { text: r.message } }));
      this.results.push({
        ruleId: d.code,
        ruleIndex,
        level,
        message: { text: d.message },
        locations: [physical({ uri: d.uri, ...start }, at(d.uri, d.span.end))],
        ...(related.length ? { relatedLocations: related } : {}),
      });
    }
  }

  /** The findings of a scenario (findings.ts) as results; a search with no verdict is also a tool notification. */
  addFindings(findings: readonly Finding[], program: Program): void {
    for (const f of findings) {
      const level = f.level === 'warning' ? 'warning' : 'error';
      const ruleIndex = this.rule(f.rule, this.ruleText(f.rule, program), level);
      const message = f.kind === 'violation' || f.kind === 'deadlock' ? `scenario ${f.scenario}: ${f.message}` : f.message;
      this.results.push({
        ruleId: f.rule,
        ruleIndex,
        level,
        message: { text: message },
        locations: [physical(f.where)],
        ...(f.trace && f.trace.length ? { codeFlows: [codeFlow(f.trace, program.sources)] } : {}),
        properties: { scenario: f.scenario },
      });
      if (f.kind === 'incomplete') this.notifications.push({ level: 'warning', message: { text: message }, locations: [physical(f.where)], associatedRule: { id: f.rule, index: ruleIndex } });
    }
  }

  /**
   * The log. `executionSuccessful` is false exactly when a search stopped at
   * a bound (exit 3): the analysis asked for was not finished. Violations
   * and check errors are results of a successful execution.
   */
  toJson(exitCode: number): Json {
    const incomplete = this.notifications.length > 0;
    return {
      $schema: SARIF_SCHEMA,
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'lifespec',
              version: this.tool.version,
              semanticVersion: this.tool.version,
              ...(this.tool.informationUri ? { informationUri: this.tool.informationUri } : {}),
              rules: [...this.rules.values()].map((r) => r.descriptor),
            },
          },
          invocations: [{ executionSuccessful: !incomplete, exitCode, ...(incomplete ? { toolExecutionNotifications: this.notifications } : {}) }],
          columnKind: 'utf16CodeUnits',
          results: this.results,
        },
      ],
    };
  }
}
