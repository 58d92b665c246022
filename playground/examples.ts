/**
 * The examples menu: the §1 example, its mutations, the tour, and the bug
 * corpus. The build lists examples/ into the virtual module below, so a bug
 * added to examples/bugs/ shows up without touching this file.
 */
import files from 'virtual:lifespec-examples';
import { applyMutation, seedMutations } from './mutations.js';

export interface Example {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  readonly text: string;
}

const SEED = 'vfio_mlx5_hotunplug.lspec';

export function examples(): Example[] {
  const out: Example[] = [];
  const seed = files.find((f) => f.path === `examples/${SEED}`);
  if (seed) {
    out.push({ id: 'seed', group: 'The §1 example', label: `${SEED} (holds)`, text: seed.text });
    for (const m of seedMutations) {
      const text = applyMutation(seed.text, m);
      if (text !== undefined) out.push({ id: `seed-${m.id}`, group: 'The §1 example', label: `… ${m.label}`, text });
    }
  }
  for (const f of files) {
    if (f.path === `examples/${SEED}`) continue;
    const bug = f.path.startsWith('examples/bugs/');
    out.push({ id: f.path, group: bug ? 'Bug corpus (examples/bugs)' : 'More examples', label: f.path.replace(/^examples\/(bugs\/)?/, ''), text: f.text });
  }
  return out;
}
