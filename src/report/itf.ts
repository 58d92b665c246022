/**
 * `--format itf`: each trace of a result in the Informal Trace Format that
 * Quint and Apalache read (https://apalache-mc.org/docs/adr/015adr-trace.html):
 * one document per violated rule (and per deadlock), whose states are the
 * initial state and the state after each step, as the driver state fields,
 * with the step's thread and event.
 */
import { programTraceStates, type ExploreOptions, type ItfValue } from '../explore/explore.js';
import type { ScenarioResult } from '../explore/result.js';
import type { Program } from '../semantics/program.js';

export interface ItfDocument {
  readonly '#meta': { readonly format: 'ITF'; readonly 'format-description': string; readonly source: string; readonly description: string };
  readonly vars: readonly string[];
  readonly states: readonly Record<string, ItfValue | { readonly index: number }>[];
}

/** The ITF documents of a scenario's traces, in report order; a trace that does not replay is left out. */
export function itfDocuments(r: ScenarioResult, program: Program, source: string, options: Pick<ExploreOptions, 'registry'> = {}): ItfDocument[] {
  const traces = [...r.violations.map((v) => ({ rule: v.rule, trace: v.trace })), ...(r.deadlock ? [{ rule: 'deadlock', trace: r.deadlock.trace }] : [])];
  const out: ItfDocument[] = [];
  for (const t of traces) {
    const states = programTraceStates(program, r.scenario, t.trace.map((s) => ({ thread: s.thread, event: s.event })), options);
    if (!states) continue;
    const fields = Object.keys(states[0]?.vars ?? {});
    out.push({
      '#meta': { format: 'ITF', 'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html', source, description: `scenario ${r.scenario}: ${t.rule}` },
      vars: ['thread', 'event', ...fields],
      states: states.map((s, index) => ({ '#meta': { index }, thread: s.thread, event: s.event, ...s.vars })),
    });
  }
  return out;
}
