// State-space reductions change how many states are explored, never a
// verdict: every example, bug and test spec gives the same verdicts, the same
// violated rules and traces of the same lengths with and without them;
// symmetric drivers are merged, drivers that differ slightly are not; local
// steps are taken alone, steps a rule observes are not.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore } from '../src/index.js';
import { importerRace } from '../bench/generate.js';
import { lockedImporters, outcome, taggedImporters } from './support/specs.js';
import { compileProgram } from '../src/runtime/compile.js';
import { initialWorld } from '../src/runtime/initial.js';
import { Machine } from '../src/runtime/machine.js';
import { Monitor } from '../src/runtime/monitor.js';
import type { World } from '../src/runtime/world.js';
import { keyLayout, keyNames, StateKeys, worldKey } from '../src/explore/key.js';
import { permute, signature, symmetricKey } from '../src/explore/symmetry/canonical.js';
import { detectSymmetry, mergeable } from '../src/explore/symmetry/detect.js';
import { interchangeable, twins, type Twins } from '../src/explore/symmetry/twins.js';
import { defaultRegistry } from '../src/models/registry.js';

const root = new URL('..', import.meta.url).pathname;
const specs = ['examples', 'examples/bugs', 'test/fixtures/specs'].flatMap((d) =>
  readdirSync(`${root}${d}`)
    .filter((f) => f.endsWith('.lspec'))
    .map((f) => `${d}/${f}`),
);


describe('reductions keep every verdict', () => {
  test.each(specs)('%s', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    const on = outcome(text, true);
    const off = outcome(text, false);
    expect(on.map(({ states: _s, reductions: _r, ...v }) => v)).toEqual(off.map(({ states: _s, reductions: _r, ...v }) => v));
    for (const [i, s] of on.entries()) expect(s.states).toBeLessThanOrEqual(off[i]!.states);
    for (const s of off) expect(s.reductions).toEqual([]);
  });
});

const symmetry = (o: { reductions: string[] }) => o.reductions.filter((r) => r.startsWith('symmetry'));
const localSteps = (o: { reductions: string[] }) => Number(/partial order: ([\d,]+) local/.exec(o.reductions.join('\n'))?.[1]?.replace(/,/g, '') ?? 0);

const explored = new Map<string, ReturnType<typeof exploreAll>>();
/** Every state of a spec's one scenario (found once per spec in this file). */
const raceStates = (text: string) => explored.get(text) ?? explored.set(text, exploreAll(text)).get(text)!;

/** Every state of a spec's one scenario, found without reductions, and the pieces to step and key them. */
function exploreAll(text: string) {
  const { program } = check(text, { uri: 'race.lspec' });
  const registry = defaultRegistry();
  const compiled = compileProgram(program!, registry);
  const sc = compiled.scenarios[0]!;
  const monitor = new Monitor(compiled, registry);
  const machine = new Machine(compiled, registry, monitor);
  const w0 = initialWorld(compiled, registry, sc, monitor);
  // The search's layout: fields no code reads left out of the key.
  const layout = keyLayout(registry, compiled);
  const sym = detectSymmetry(compiled, sc, w0, layout)!;
  const key = (w: World) => symmetricKey(w, compiled, sym, layout);
  /** Every thread's every successor; with `tw`, a twin's steps skipped and choices among interchangeable objects cut. */
  const successors = (w: World, tw?: Twins): World[] => {
    const out: World[] = [];
    for (let t = 0; t < w.threads.length; t++) {
      if (tw?.skip.has(t) || !machine.canStep(w, t)) continue;
      const pending: number[][] = [[]];
      while (pending.length > 0) {
        const choices = pending.pop()!;
        const r = machine.step(w, t, choices, tw ? (a, b) => interchangeable(tw, t, a, b) : undefined);
        for (let i = choices.length; i < r.points.length; i++) for (let c = 1; c < r.points[i]!; c++) pending.push([...choices, ...new Array<number>(i - choices.length).fill(0), c]);
        out.push(r.world);
      }
    }
    return out;
  };
  const seen = new Set<string>([worldKey(w0, sym.fixed, layout)]);
  const states: World[] = [];
  const queue: World[] = [w0];
  while (queue.length > 0) {
    const w = queue.shift()!;
    states.push(w);
    for (const s of successors(w)) {
      const k = worldKey(s, sym.fixed, layout);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(s);
      }
    }
  }
  return { compiled, sym, layout, key, successors, states, canStep: (w: World, t: number) => machine.canStep(w, t) };
}

describe('symmetry', () => {
  test('interchangeable importers are merged: fewer states, the same verdict', () => {
    const [on] = outcome(importerRace(3), true);
    const [off] = outcome(importerRace(3), false);
    expect(symmetry(on!)).toEqual(['symmetry: importer1, importer2, importer3']);
    expect(on!.verdict).toBe('ok');
    expect(off!.verdict).toBe('ok');
    expect(on!.states).toBeLessThan(off!.states / 3);
  });

  test('importers that differ in one line are not merged', () => {
    // importer2 forgets the lock around its map: no longer a copy of the others.
    const text = importerRace(3).replace(
      /(driver importer2 for nic2 \{[\s\S]*?)lock buf\.resv \{\n {6}sgt = dma_buf_map_attachment\(att\)\n {6}hw_start\(nic2, sgt\)\n {4}\}/,
      '$1sgt = dma_buf_map_attachment(att)\n    hw_start(nic2, sgt)',
    );
    expect(text).not.toBe(importerRace(3));
    const [on] = outcome(text, true);
    const [off] = outcome(text, false);
    expect(symmetry(on!)).toEqual(['symmetry: importer1, importer3']);
    expect(on!.rules).toEqual(off!.rules);
    expect(on!.rules).toContain('dmabuf.map_locked');
  });

  // Two families: importers alike (bench's importerRace), and importers with mutexes of their own
  // that another thread takes, deregistering while the GPU goes (lockedImporters); and the first
  // with a tag no code reads, different for each importer, set at the start and stored again
  // (symmetric only up to dead fields).
  const families: [string, string][] = [
    ['importerRace(3)', importerRace(3)],
    ['lockedImporters(3)', lockedImporters(3)],
    ['taggedImporters(importerRace(3), 3, { store })', taggedImporters(importerRace(3), 3, { store: true })],
  ];

  test.each(families)('%s: the canonical form does not depend on which importer is which', (_, text) => {
    // Every state, keyed as found and with its importers rotated: one key.
    const race = raceStates(text);
    const cls = race.sym.classes[0]!;
    const rotation = cls.members.map((_m, i) => (i + 1) % cls.members.length);
    const merged = race.states.filter((w) => mergeable(w, race.sym));
    for (const w of merged) expect(race.key(permute(w, race.sym, cls, rotation, race.layout))).toBe(race.key(w));
    expect(merged.length).toBeGreaterThan(1000);
  });

  test.each(families)('%s: a member\'s signature taken from its last parts is the one written afresh', (_, text) => {
    // As the search asks: a state, then its successors, which share most parts with it.
    const race = raceStates(text);
    let reused = 0;
    for (const w of race.states.slice(0, 400)) {
      for (const x of [w, ...race.successors(w)]) {
        for (const m of race.sym.members) {
          const before = race.sym.memo[m.driver];
          const memoised = signature(x, m, race.sym);
          if (race.sym.memo[m.driver] === before) reused++;
          race.sym.memo[m.driver] = undefined;
          expect(memoised).toBe(signature(x, m, race.sym));
        }
      }
    }
    expect(reused).toBeGreaterThan(100);
    // Another thread may end what a member names while its own parts stay the very same objects.
    let ended = 0;
    for (const x of race.states.slice(0, 200)) {
      for (const m of race.sym.members) {
        signature(x, m, race.sym);
        const named = race.sym.memo[m.driver]!.refs.filter((id) => x.objects[id]!.alive && id >= race.sym.fixed);
        if (named.length === 0) continue;
        const y: World = { ...x, objects: x.objects.map((o, id) => (named.includes(id) ? { ...o, alive: false } : o)) };
        const memoised = signature(y, m, race.sym);
        race.sym.memo[m.driver] = undefined;
        expect(memoised).toBe(signature(y, m, race.sym));
        ended++;
      }
    }
    expect(ended).toBeGreaterThan(100);
  });

  test.each(families)('%s: skipping a twin\'s steps and choosing one of interchangeable objects loses no successor', (_, text) => {
    // From every state: the canonical successors with twins pruned are all of them.
    const race = raceStates(text);
    let pruned = 0;
    let choicesCut = 0;
    for (const w of race.states) {
      const tw = twins(w, race.sym, race.layout, race.compiled, (t) => race.canStep(w, t));
      const all = new Set(race.successors(w).map(race.key));
      const kept = race.successors(w, tw);
      pruned += tw?.skip.size ?? 0;
      if (tw) choicesCut += race.successors(w).length - race.successors(w, { ...tw, skip: new Set() }).length;
      expect(new Set(kept.map(race.key))).toEqual(all);
    }
    expect(pruned).toBeGreaterThan(100);
    expect(choicesCut).toBeGreaterThan(10);
  });

  test('the second family: the same verdicts, rules and trace lengths with and without reductions, when it holds and when it breaks', () => {
    // Without `sgt = none` in move_notify, a later dereg unmaps the same table again.
    const broken = lockedImporters(3).replace(/(dma_buf_unmap_attachment\(attach, sgt\))\n {8}sgt = none/g, '$1');
    expect(broken).not.toBe(lockedImporters(3));
    for (const text of [lockedImporters(3), broken]) {
      const [on] = outcome(text, true);
      const [off] = outcome(text, false);
      expect({ ...on, states: 0, reductions: [] }).toEqual({ ...off, states: 0, reductions: [] });
      expect(symmetry(on!)).toEqual(['symmetry: importer1, importer2, importer3']);
      expect(on!.states).toBeLessThan(off!.states / 3);
    }
    expect(outcome(broken, true)[0]!.rules).toContain('model.double_unmap');
  });

  test('a constraint that names one importer keeps them apart', () => {
    const text = `${importerRace(2)}\nconstraint first_maps_first {\n  never importer2.reg_mr(_) ok\n}\n`;
    const [on] = outcome(text, true);
    expect(symmetry(on!)).toEqual([]);
    expect(on!.rules).toEqual(['first_maps_first']);
  });

  test('a scenario that treats them unalike after the parallel keeps them apart', () => {
    const text = importerRace(2).replace('  expect ok\n}', '  unbind importer1\n  expect ok\n}');
    expect(text).not.toBe(importerRace(2));
    expect(symmetry(outcome(text, true)[0]!)).toEqual([]);
  });
});

describe('partial-order reduction', () => {
  test('the importers\' calls and entries are taken alone: fewer states, the same verdict', () => {
    const [on] = outcome(importerRace(3), true);
    // Each importer's scenario line and reg_mr entry; the main thread's export call and entry.
    expect(localSteps(on!)).toBeGreaterThan(0);
    expect(on!.reductions.at(-1)).toMatch(/^partial order: [\d,]+ local steps taken alone$/);
  });

  test('a step a rule observes is not local', () => {
    // Local: the importer's `reg_mr(buf)` line, until a rule names the action, and the exporter's unmap_dma_buf entry.
    const observed = `${importerRace(1)}\nconstraint registration_works {\n  importer1.reg_mr(b) requires !held(b.resv)\n}\n`;
    const [plain] = outcome(importerRace(1), true);
    const [watched] = outcome(observed, true);
    expect(watched!.verdict).toBe('ok');
    expect(localSteps(plain!)).toBe(2);
    expect(localSteps(watched!)).toBe(1);
    expect(watched!.states).toBeGreaterThan(plain!.states);
  });

  test('a violation reached without the local steps keeps its shortest trace', () => {
    // The unplug alone breaks the rule: the importers' eager local steps are dropped from the trace.
    const text = `${importerRace(3)}\nconstraint no_unplug {\n  never _.remove(_)\n}\n`;
    const [on] = outcome(text, true);
    const [off] = outcome(text, false);
    expect(on!.rules).toEqual(['no_unplug']);
    expect(on!.traces).toEqual(off!.traces);
    expect(on!.traces).toEqual(['no_unplug: 8']);
  });

  test('a rule keeps the shortest of its traces even when a longer one is met first', () => {
    // drv0.work()'s entry is local and taken first; the shortest violation of c
    // (the `before` rule, 3 steps) does not need it, and the `always` one that
    // needs it (the decrement rides on the schedule_work step) is met first in
    // the reduced search's order (4 steps).
    const text = `
topology { host_bridge hb; device d0 under hb; device d1 under hb }
driver drv0 for d0 {
  state { n: int = 0 }
  ops job : work_struct { func(data) { n = n + 1 } }
  action work() {
    schedule_work(job, 0)
    n = n - 1
  }
}
driver drv1 for d1 {
  action first() { }
  action second() { }
}
constraint c {
  always drv0.n >= 0
  drv1.first() before drv1.second()
}
scenario s {
  bind drv0
  bind drv1
  parallel {
    { drv0.work() }
    { drv1.second() }
  }
}
`;
    const [on] = outcome(text, true);
    const [off] = outcome(text, false);
    expect(off!.traces).toEqual(['c: 3']);
    expect(on!.traces).toEqual(off!.traces);
  });
});

describe('state keys', () => {
  test('names written as numbers tell states apart exactly as their characters do', () => {
    // Every state of the race, keyed with and without the program's names: the same partition.
    const race = raceStates(lockedImporters(3));
    const registry = defaultRegistry();
    const named = new StateKeys(keyNames(registry, race.compiled));
    const plainKeys = new StateKeys();
    const byName = new Map<string, string>();
    const byChars = new Map<string, string>();
    let shorter = 0;
    for (const w of race.states) {
      const a = named.exact(w, race.sym.fixed, race.layout);
      const b = plainKeys.exact(w, race.sym.fixed, race.layout);
      if (a.length < b.length) shorter++;
      expect(byName.get(a) ?? b).toBe(b);
      expect(byChars.get(b) ?? a).toBe(a);
      byName.set(a, b);
      byChars.set(b, a);
    }
    expect(byName.size).toBe(race.states.length);
    expect(shorter).toBeGreaterThan(race.states.length * 0.99);
    // A state and its copy whose ops table is another driver's: two names, two keys.
    const w = race.states.find((s) => s.objects.some((o) => Object.values(o.f).includes('&importer1.iops')))!;
    const at = w.objects.findIndex((o) => Object.values(o.f).includes('&importer1.iops'));
    const o = w.objects[at]!;
    const f = Object.fromEntries(Object.entries(o.f).map(([k, v]) => [k, v === '&importer1.iops' ? '&importer2.iops' : v]));
    const other = { ...w, objects: w.objects.map((x, i) => (i === at ? { ...o, f } : x)) };
    expect(named.exact(other, race.sym.fixed, race.layout)).not.toBe(named.exact(w, race.sym.fixed, race.layout));
  });
});
