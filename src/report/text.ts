/**
 * Exploration results as people read them: the CLI's text output, and the
 * lines `lifespec test` prints. Platform-neutral; positions are computed here,
 * from the program's texts, and names of a tool's options are the tool's.
 * Every text that comes from a spec (messages, events, names, URIs) is shown
 * through `visible`/`shown`, so what reaches a terminal is never a control
 * sequence of the spec's; the colours are the only escapes this module writes.
 */
import { shown, visible } from '../diagnostics/format.js';
import type { Bound, DeadlockReport, ScenarioResult, TraceStep, ViolationReport } from '../explore/result.js';
import { simulationText } from '../explore/verdict.js';
import type { Finding, Place } from './findings.js';
import { locate, type Sources } from './positions.js';

export interface ReportOptions {
  readonly color?: boolean;
  /** What the host adds to a bound's reason (the CLI names its option: `raise it with --max-states`). */
  readonly hint?: (bound: Bound) => string | undefined;
  /**
   * Start each violated rule and deadlock with `FILE:LINE:COL: error: RULE: message`
   * at the violating step, as compilers print errors, so that editors (Vim's
   * quickfix, Emacs's compile mode) jump to it; the trace is indented below.
   */
  readonly quickfix?: boolean;
}

const ansi = { red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };

function paint(on: boolean | undefined, code: string, s: string): string {
  return on ? `${code}${s}${ansi.reset}` : s;
}

function count(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `21 states, 26 transitions, 5 ms`; a swarm run's `2,000 states walked, 3,000 transitions`, with no time, so its output is the same each time. */
export function statsLine(r: ScenarioResult): string {
  if (r.simulation) return `${count(r.states, 'state')} walked, ${count(r.transitions, 'transition')}`;
  const ms = r.timeMs < 1000 ? `${Math.round(r.timeMs)} ms` : `${(r.timeMs / 1000).toFixed(2)} s`;
  return `${count(r.states, 'state')}, ${count(r.transitions, 'transition')}, ${ms}${r.threads ? `, ${r.threads} threads` : ''}`;
}

/** A trace as a numbered table: step, thread, event, source line; the last step is marked. */
export function formatTrace(trace: readonly TraceStep[], sources: Sources, indent: string, options: ReportOptions = {}): string[] {
  const threads = trace.map((t) => shown(t.thread));
  const threadWidth = Math.max(6, ...threads.map((t) => t.length));
  const stepWidth = String(trace.length).length;
  return trace.map((t, i) => {
    const last = i === trace.length - 1;
    const where = `${visible(t.uri)}:${locate(sources, t.uri, t.offset).line}`;
    const line = `${indent}${String(t.step).padStart(stepWidth)}  ${threads[i]!.padEnd(threadWidth)}  ${shown(t.event)}  ${paint(options.color, ansi.dim, where)}`;
    return last ? `${line}  ${paint(options.color, ansi.red, '← here')}` : line;
  });
}

/** `FILE:LINE:COL: error: RULE: message`: the first line of a finding, as compilers write it. */
export function locatedLine(where: Place, level: 'error' | 'warning', rule: string, message: string, options: Pick<ReportOptions, 'color'> = {}): string {
  const head = paint(options.color, ansi.bold, `${visible(where.uri)}:${where.line}:${where.column}:`);
  const sev = paint(options.color, (level === 'error' ? ansi.red : ansi.yellow) + ansi.bold, `${level}:`);
  return `${head} ${sev} ${paint(options.color, ansi.bold, shown(rule))}: ${shown(message)}`;
}

/** A finding's located line (findings.ts), for the text output. */
export function findingLine(f: Finding, options: Pick<ReportOptions, 'color'> = {}): string {
  return locatedLine(f.where, f.level, f.rule, f.message, options);
}

/** The first line of a finding with a trace: located at its last step with `quickfix`, else indented. */
function headLine(rule: string, message: string, trace: readonly TraceStep[], sources: Sources, options: ReportOptions): string {
  const last = trace.at(-1);
  if (options.quickfix && last) return locatedLine({ uri: last.uri, ...locate(sources, last.uri, last.offset) }, 'error', rule, message, options);
  return `    ${paint(options.color, ansi.bold, shown(rule))}: ${shown(message)}`;
}

/** What a trace is: the shortest of all runs, or (a swarm run's) the shortest its walks met, and the walk that met it. */
function traceLine(rule: string, trace: readonly TraceStep[], r: ScenarioResult): string {
  if (!r.simulation) return `      shortest trace, ${count(trace.length, 'step')}:`;
  const seed = r.simulation.walks.find((w) => w.rule === rule)?.seed;
  return `      shortest trace the walks met, ${count(trace.length, 'step')}${seed !== undefined ? ` (walk seed ${seed})` : ''}:`;
}

function violationLines(v: ViolationReport, r: ScenarioResult, sources: Sources, options: ReportOptions): string[] {
  return [headLine(v.rule, v.message, v.trace, sources, options), traceLine(v.rule, v.trace, r), ...formatTrace(v.trace, sources, '        ', options)];
}

function deadlockLines(d: DeadlockReport, r: ScenarioResult, sources: Sources, options: ReportOptions): string[] {
  return [headLine('deadlock', `no thread can move — ${waitingText(d)}`, d.trace, sources, options), traceLine('deadlock', d.trace, r), ...formatTrace(d.trace, sources, '        ', options)];
}

/** Who waits for what in a deadlock: `t1 waits for d.b; t2 waits for d.a`. */
export function waitingText(d: DeadlockReport): string {
  return d.waiting.map((w) => `${w.thread} waits for ${w.on}`).join('; ');
}

/** Why a search stopped early, where, and what the host suggests. */
export function incompleteText(r: ScenarioResult, sources: Sources, options: ReportOptions = {}): string {
  const inc = r.incomplete;
  if (!inc) return '';
  const p = inc.uri !== undefined && inc.offset !== undefined ? locate(sources, inc.uri, inc.offset) : undefined;
  const where = p && p.line > 0 ? ` at ${visible(inc.uri!)}:${p.line}:${p.column}` : '';
  const hint = options.hint?.(inc.bound);
  return `${shown(inc.reason)}${hint ? `; ${hint}` : ''}${where}`;
}

/** What `lifespec run` prints for one scenario. */
export function formatScenarioResult(r: ScenarioResult, sources: Sources, options: ReportOptions = {}): string {
  const verdictText: Record<ScenarioResult['verdict'], string> = {
    ok: paint(options.color, ansi.green, `ok: holds in all ${count(r.states, 'state')}`),
    violated: paint(options.color, ansi.red, `VIOLATED: ${shown(r.violations.map((v) => v.rule).join(', '))}${r.deadlock ? ', deadlock' : ''}`),
    deadlock: paint(options.color, ansi.red, 'DEADLOCK'),
    // A swarm run that found nothing has looked at some runs only: never "holds".
    incomplete: paint(options.color, ansi.yellow, r.simulation ? `NO VIOLATION FOUND in ${simulationText(r.simulation)}, not a proof` : 'INCOMPLETE: no verdict'),
  };
  const lines = [`  scenario ${shown(r.scenario)}: ${verdictText[r.verdict]} (${statsLine(r)})`];
  if (r.reductions.length > 0) lines.push(`    reduced by ${shown(r.reductions.join('; '))}`);
  const fp = r.fingerprints;
  // Below one in a billion the chance is less than the hardware's own; the JSON report always has it.
  if (fp && fp.collisionProbability >= 1e-9) lines.push(`    states told apart by ${fp.bits}-bit fingerprints: the chance two were taken for one is ${fp.collisionProbability.toPrecision(2)} (TLC's estimate); --exact keeps whole states`);
  const walked = r.incomplete?.bound === 'simulation';
  if (r.incomplete && !(walked && r.verdict === 'incomplete')) lines.push(`    ${incompleteText(r, sources, options)}${r.verdict === 'incomplete' || walked ? '' : '; what was found so far is shown'}`);
  else if (walked) {
    const hint = options.hint?.('simulation');
    if (hint) lines.push(`    ${hint}`);
  }
  for (const v of r.violations) lines.push(...violationLines(v, r, sources, options));
  if (r.deadlock) lines.push(...deadlockLines(r.deadlock, r, sources, options));
  return lines.join('\n');
}

/** Describes an `expect` line: `expect violation a, b`. */
export function expectText(r: ScenarioResult): string {
  const e = r.expect ?? { outcome: 'ok', rules: [] };
  return e.outcome === 'violation' ? `expect violation ${shown(e.rules.join(', '))}` : `expect ${e.outcome}`;
}

/** Why a scenario's outcome does not match its `expect`, in one line. */
export function mismatchText(r: ScenarioResult, sources: Sources, options: ReportOptions = {}): string {
  const e = r.expect ?? { outcome: 'ok' as const, rules: [] };
  const found = [...r.violations.map((v) => shown(v.rule)), ...(r.deadlock ? ['deadlock'] : [])];
  if (r.expectMet === undefined) return `no verdict: ${r.incomplete ? incompleteText(r, sources, options) : 'the search was cut short'}`;
  switch (e.outcome) {
    case 'ok':
      return `found ${found.join(', ')}`;
    case 'deadlock':
      return `no deadlock in ${count(r.states, 'state')}${found.length ? `; found ${found.join(', ')}` : ''}`;
    case 'violation': {
      const missing = e.rules.map(shown).filter((x) => !found.includes(x));
      return `${missing.join(', ')} not violated in ${count(r.states, 'state')}${found.length ? `; found ${found.join(', ')}` : ''}`;
    }
  }
}
