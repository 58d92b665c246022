/**
 * `lifespec replay TRACE.json SPEC`: re-runs every trace of a JSON report
 * (`run --format json`, or `test --format json`) step by step against SPEC,
 * and says, for each, whether SPEC still allows the whole run and still
 * breaks the rule, or where it departs from it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { check, hasErrors, replay, type RecordedStep, type ReplayResult } from '../index.js';
import { visible } from '../diagnostics/format.js';
import { printDiagnostics, readAll } from './check-command.js';
import { fileHost, UsageError, type Io } from './io.js';

export const replayHelp = `lifespec replay — re-run recorded traces against a spec

Usage:
  lifespec replay [--format text|json] [--no-color] TRACE.json SPEC

TRACE.json is what \`lifespec run --format json\` (or \`test --format json\`)
wrote. Each trace in it (every violated rule's, and a deadlock's) is re-run
in SPEC's scenario of the same name, one step at a time, a step matched by
its thread and event as the trace records them. For each trace it prints
whether SPEC still allows the whole run and whether the run still breaks
the rule; or the first step SPEC does not allow, located where the trace
recorded it, with the steps SPEC offers there instead.

Exit codes: 0 every trace replays in full and breaks its rule again; 1 some
trace departs, or replays without breaking its rule (the spec no longer has
the bug, or the rule changed); 2 usage or I/O error (the report unreadable).
`;

interface Recorded {
  readonly scenario: string;
  readonly rule: string;
  readonly steps: readonly (RecordedStep & { readonly uri?: string; readonly line?: number; readonly column?: number })[];
}

/** Every trace of a report: its scenarios' violations and deadlock. */
function tracesOf(report: unknown, shown: string): Recorded[] {
  const bad = () => new UsageError(`${shown}: not a Lifespec JSON report (lifespec run --format json writes one)`);
  if (typeof report !== 'object' || report === null) throw bad();
  const r = report as { files?: unknown[]; scenarios?: unknown[] };
  const reports = Array.isArray(r.files) ? r.files : [r];
  const out: Recorded[] = [];
  for (const one of reports) {
    const scenarios = (one as { scenarios?: unknown }).scenarios;
    if (!Array.isArray(scenarios)) throw bad();
    for (const s of scenarios as { scenario?: string; violations?: { rule?: string; trace?: Recorded['steps'] }[]; deadlock?: { trace?: Recorded['steps'] } | null }[]) {
      if (typeof s.scenario !== 'string') throw bad();
      for (const v of s.violations ?? []) if (typeof v.rule === 'string' && Array.isArray(v.trace)) out.push({ scenario: s.scenario, rule: v.rule, steps: v.trace });
      if (s.deadlock && Array.isArray(s.deadlock.trace)) out.push({ scenario: s.scenario, rule: 'deadlock', steps: s.deadlock.trace });
    }
  }
  return out;
}

export function commandReplay(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, 'no-color': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(replayHelp);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not '${values.format}'`);
  if (positionals.length !== 2) throw new UsageError('replay takes TRACE.json and SPEC (try: lifespec run --format json spec.lspec > trace.json; lifespec replay trace.json spec.lspec)');
  const [tracePath, specPath] = positionals as [string, string];
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(tracePath, 'utf8'));
  } catch (e) {
    throw new UsageError(`${visible(tracePath)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read it as JSON (${(e as Error).message.split('\n')[0]})`}`);
  }
  const traces = tracesOf(report, visible(tracePath));
  const { path, text } = readAll([specPath], 'replay needs a SPEC')[0]!;
  const checked = check(text, { uri: path, host: fileHost() });
  if (hasErrors(checked.diagnostics)) {
    printDiagnostics(checked, path, text, io, io.color && !values['no-color']);
    io.err(`${visible(path)}: not replayed: fix the errors above first\n`);
    return 1;
  }
  const results: (Recorded & { readonly result?: ReplayResult; readonly missing?: true })[] = traces.map((t) =>
    checked.program.scenarios.has(t.scenario) ? { ...t, result: replay(checked.program, t.scenario, t.steps) } : { ...t, missing: true },
  );
  const holds = (r: (typeof results)[number]) => r.result !== undefined && !r.result.departs && r.result.violated.includes(r.rule);
  if (values.format === 'json') {
    io.out(`${JSON.stringify(results.map((r) => ({ scenario: r.scenario, rule: r.rule, steps: r.steps.length, ...(r.missing ? { missing: true } : { replayed: r.result!.replayed, departs: r.result!.departs ?? null, violated: r.result!.violated }), again: holds(r) })), null, 2)}\n`);
  } else {
    for (const r of results) {
      const name = `${r.scenario} ${r.rule}`;
      if (r.missing) {
        io.out(`${visible(path)}: error: replay: ${name}: ${visible(path)} has no scenario '${r.scenario}'\n`);
      } else if (r.result!.departs) {
        const d = r.result!.departs;
        const at = r.steps[d.step - 1]!;
        const where = at.uri !== undefined && at.line !== undefined ? `${visible(at.uri)}:${at.line}:${at.column ?? 1}` : visible(path);
        io.out(`${where}: error: replay: ${name} departs at step ${d.step} of ${r.steps.length}: the trace has \`${d.expected.thread} ${d.expected.event}\`\n`);
        io.out(d.offered.length ? `  the spec offers there: ${d.offered.map((o) => `\`${o.thread} ${o.event}\``).join(', ')}\n` : '  the spec offers no step there (its run has ended or is stuck)\n');
      } else if (holds(r)) {
        io.out(`${name}: replays in full (${r.steps.length} steps) and breaks ${r.rule} again\n`);
      } else {
        const others = r.result!.violated.filter((x) => x !== r.rule);
        io.out(`${visible(path)}: error: replay: ${name} replays in full (${r.steps.length} steps) but no longer breaks ${r.rule}${others.length ? `; it breaks ${others.join(', ')}` : ''}\n`);
      }
    }
    const again = results.filter(holds).length;
    io.out(`${results.length} trace${results.length === 1 ? '' : 's'}: ${again} replay${again === 1 ? 's' : ''} and break${again === 1 ? 's' : ''} the rule again, ${results.length - again} do${results.length - again === 1 ? 'es' : ''} not\n`);
  }
  return results.every(holds) ? 0 : 1;
}
