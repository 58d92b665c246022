/**
 * A host program that embeds Lifespec, as docs/embedding.md describes: it
 * checks a spec against the built-in models plus a model of its own (the
 * fence model), explores every scenario with a progress callback and a way
 * to stop, and hands back the results in the JSON shape of
 * docs/trace-format.md.
 */
import { check, explore, hasErrors, ModelRegistry, scenarioToJson, type Diagnostic, type Progress, type ScenarioJson } from '../../src/index.js';
import { fenceModel } from './fence-model.js';

export interface RunOptions {
  /** Called now and then during each scenario's search. */
  readonly onProgress?: (p: Progress) => void;
  /** Read during the search; once `aborted` is true the search stops. */
  readonly signal?: { readonly aborted: boolean };
  /** Stop a scenario's search after this many distinct states. */
  readonly maxStates?: number;
}

export type RunOutcome =
  /** The spec has errors: nothing was explored. */
  | { readonly kind: 'errors'; readonly diagnostics: Diagnostic[] }
  /** What `lifespec run --format json` would print for it. */
  | { readonly kind: 'explored'; readonly report: { readonly file: string; readonly scenarios: ScenarioJson[] } };

/** One registry for both the checker and the explorer: built-in models plus fences. */
export const registry = new ModelRegistry().register(fenceModel);

export function runSpec(text: string, uri: string, options: RunOptions = {}): RunOutcome {
  const { program, diagnostics } = check(text, { uri, registry });
  if (hasErrors(diagnostics)) return { kind: 'errors', diagnostics };
  const { scenarios } = explore(program, { registry, ...options });
  return { kind: 'explored', report: { file: uri, scenarios: scenarios.map((r) => scenarioToJson(r, program.sources)) } };
}
