/**
 * `lifespec merge A.json B.json …`: the JSON reports of swarm runs
 * (`run --simulate --format json`) of one spec with different seeds, as one
 * report of all their walks. Where reports do not add up (another spec,
 * other scenarios, another depth, the same seed twice, a report of the
 * exhaustive search), the message points at the line of the report that
 * differs, and nothing is printed on standard output.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatScenarioResult, MergeError, mergeReports, resultOfJson, simulationText, type MergeInput } from '../index.js';
import { visible } from '../diagnostics/format.js';
import { summaryLine } from './explore-commands.js';
import { UsageError, type Io } from './io.js';

export const mergeHelp = `lifespec merge — add up swarm runs of one spec

Usage:
  lifespec merge [--format json|text] [--no-color] REPORT.json…

Each REPORT.json is what \`lifespec run --simulate --format json SPEC\` wrote,
for the same SPEC (the same texts: paths may differ), the same scenarios and
the same --depth, each from its own --seed: runs on several machines, or one
after another. The merged report has every rule any run found, with the
shortest trace of it and the seed of the walk that met it; the runs summed;
the seeds listed. With nothing found it still says only "no violation in R
runs of depth D (seeds …)": more walks are never a proof. JSON (the default)
is the report \`run --simulate --format json\` writes, so \`lifespec replay\`
and \`lifespec merge\` read it again; text is what \`run --simulate\` prints.

Exit codes: 1 a violation or deadlock was found, 3 none was (proving
nothing, as for run --simulate); 2 usage or I/O error, or reports that do not
add up (FILE:LINE: error: … names the report and the line that differs).
`;

export function commandMerge(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'json' }, 'no-color': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(mergeHelp);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be json or text, not '${values.format}'`);
  if (positionals.length === 0) throw new UsageError('merge needs REPORT.json files (try: lifespec run --simulate --seed 1 --format json spec.lspec > a.json; … --seed 2 … > b.json; lifespec merge a.json b.json)');
  const inputs: MergeInput[] = positionals.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a report' : `cannot read it (${code ?? (e as Error).message})`}`);
    }
    try {
      return { name: path, text, json: JSON.parse(text) as unknown };
    } catch (e) {
      throw new UsageError(`${path}: cannot read it as JSON (${(e as Error).message.split('\n')[0]})`);
    }
  });
  let merged;
  try {
    merged = mergeReports(inputs, (bound) => (bound === 'simulation' ? 'more walks: raise --runs or --depth, or add runs of other seeds with lifespec merge' : undefined));
  } catch (e) {
    if (!(e instanceof MergeError)) throw e;
    io.err(`${visible(e.file)}:${e.line}: error: ${visible(e.message)}\n`);
    return 2;
  }
  const results = merged.scenarios.map(resultOfJson);
  if (values.format === 'json') io.out(`${JSON.stringify(merged, null, 2)}\n`);
  else {
    const color = io.color && !values['no-color'];
    const sim = results[0]!.result.simulation!;
    io.out(`${visible(merged.file)} (merged: ${simulationText(sim)})\n`);
    for (const { result, sources } of results) io.out(`${formatScenarioResult(result, sources, { color, quickfix: true })}\n`);
    io.out(`${summaryLine(results.map((r) => r.result))}\n`);
  }
  return results.some(({ result: r }) => r.verdict === 'violated' || r.verdict === 'deadlock') ? 1 : 3;
}
