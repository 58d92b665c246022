/** The world every run of a scenario starts from. */
import { strip } from '../semantics/types.js';
import type { CompiledProgram, ScenarioRt } from './compiled.js';
import { evaluate } from './evaluate.js';
import type { Monitor } from './monitor.js';
import type { Natives } from './natives.js';
import { ref, type Value } from './values.js';
import type { Obj, World } from './world.js';

/**
 * The fixed objects (the topology's devices) as the models make them, then
 * each driver's state: its initial values, or its type's default, and an
 * object of its own for each field of a kind a state may hold (a mutex). The
 * main thread stands at the scenario's first line; no provider exists yet.
 */
export function initialWorld(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, monitor: Monitor): World {
  const objects: Obj[] = program.fixed.map((o) => ({ kind: o.kind, alive: true, f: { ...o.fields } }));
  const providers: Record<string, Value> = {};
  for (const p of program.program.providers.keys()) providers[p] = null;
  // Initial values may name devices and constants (`dev: pci_dev = gpu`), nothing made during a run.
  const before: World = { threads: [], objects, fields: [], bindings: [], providers, armed: [], faults: false, mem: {}, halted: false };
  const fields = program.drivers.map((d) =>
    d.fieldNames.map((name, i): Value => {
      const init = d.fieldInits[i];
      if (init !== undefined) return evaluate(program, natives, init, [], before, -1);
      const f = d.info.fields.get(name)!;
      const t = strip(f.type);
      if (t.k === 'set') return [];
      // A kref starts as after kref_init().
      if (t.k === 'kref') return 1;
      if (t.k === 'bool') return f.type.k === 'optional' ? null : false;
      if (t.k === 'int') return f.type.k === 'optional' ? null : 0;
      const kind = t.k === 'object' ? natives.kind(t.kind) : undefined;
      if (kind?.stateObject) {
        objects.push({ kind: kind.name, alive: true, f: kind.stateObject(`${d.name}.${name}`) });
        return ref(objects.length - 1);
      }
      return null;
    }),
  );
  const main = program.bodies[scenario.main]!;
  const mem: Record<string, string[]> = {};
  for (const k of monitor.memoryKeys()) mem[k] = [];
  return {
    threads: [
      {
        label: 'main',
        root: scenario.main,
        frames: [{ k: 'c', body: scenario.main, pc: 0, locals: new Array<Value>(main.locals).fill(null), stack: [], held: [], tr: true, entry: false }],
        done: false,
      },
    ],
    objects,
    fields,
    bindings: program.drivers.map(() => null),
    providers,
    armed: [],
    faults: false,
    mem,
    halted: false,
  };
}
