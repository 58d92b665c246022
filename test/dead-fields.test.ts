// The dead-field reduction: fields no code can read are left out of the state
// key, and symmetry holds up to them. It never changes a verdict, a rule
// found or a trace's length; a field read anywhere stays live; with
// reductions off, or with a model of an embedder's, it is off.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { importerRace } from '../bench/generate.js';
import { check, explore, ModelRegistry, builtinModels } from '../src/index.js';
import { compileProgram } from '../src/runtime/compile.js';
import { initialWorld } from '../src/runtime/initial.js';
import { Machine } from '../src/runtime/machine.js';
import { Monitor } from '../src/runtime/monitor.js';
import { cloneWorld, ownFields, type World } from '../src/runtime/world.js';
import { keyLayout, worldKey } from '../src/explore/key.js';
import { deadIn, flowLiveness, liveNow, plain } from '../src/explore/deadfields.js';
import { defaultRegistry } from '../src/models/registry.js';
import { lockedImporters, outcome, taggedImporters, type TagOptions } from './support/specs.js';

const root = new URL('..', import.meta.url).pathname;


/** The same findings, whatever the state counts and reductions. */
const findings = (o: ReturnType<typeof outcome>) => o.map(({ states: _s, reductions: _r, ...v }) => v);
const dead = (o: { reductions: string[] }) => o.reductions.filter((r) => r.startsWith('dead fields'));
const symmetry = (o: { reductions: string[] }) => o.reductions.filter((r) => r.startsWith('symmetry'));
const tags = (n: number) => `dead fields: ${Array.from({ length: n }, (_, i) => `importer${i + 1}.tag`).join(', ')}`;
const tagged = (n: number, options: TagOptions = {}) => taggedImporters(importerRace(n), n, options);

describe('a tag no code reads', () => {
  // Exact: the tagged race explores the race's own states (measured; the race's count is bench's).
  test.each([
    [3, 358],
    [4, 773],
  ])('importers tagged 1..%i explore exactly the states of identical importers (%i)', (n, states) => {
    const [race] = outcome(importerRace(n), true);
    const [tag] = outcome(tagged(n), true);
    const [store] = outcome(tagged(n, { store: true }), true);
    expect(race!.states).toBe(states);
    expect(tag!.states).toBe(states);
    expect(store!.states).toBe(states);
    expect(dead(tag!)).toEqual([tags(n)]);
    expect(dead(store!)).toEqual([tags(n)]);
    expect(symmetry(tag!)).toEqual(symmetry(race!));
    expect(symmetry(store!)).toEqual(symmetry(race!));
    expect(tag!.reductions[0]).toBe(tags(n));
    expect(findings([tag!])).toEqual(findings([race!]));
  });

  test('reductions off turn it off too', () => {
    const [on] = outcome(tagged(3), true);
    const [off] = outcome(tagged(3), false);
    expect(off!.reductions).toEqual([]);
    expect(off!.states).toBe(outcome(importerRace(3), false)[0]!.states);
    expect(off!.states).toBeGreaterThan(on!.states);
  });

  test('with a model of an embedder\'s, which may read driver state, it is off', () => {
    // The embedder's model reads nothing, but the explorer cannot know: the tags are live, the importers unalike.
    const registry = new ModelRegistry([...builtinModels, { name: 'embedded', primitives: [] }]);
    const [on] = outcome(tagged(3), true, registry);
    expect(dead(on!)).toEqual([]);
    expect(symmetry(on!)).toEqual([]);
    expect(on!.states).toBeGreaterThan(358);
    expect(findings([on!])).toEqual(findings(outcome(tagged(3), false, registry)));
  });
});

describe('a field read anywhere is live', () => {
  test('one importer that tests its tag: counted apart, its bug found, the same findings both ways', () => {
    // importer1 sets tag = 7 once armed and skips the unmap in move_notify when it is 7.
    const text = tagged(3, { read: 1 });
    const [on] = outcome(text, true);
    const [off] = outcome(text, false);
    expect(dead(on!)).toEqual(['dead fields: importer2.tag, importer3.tag']);
    expect(symmetry(on!)).toEqual(['symmetry: importer2, importer3']);
    expect(on!.states).not.toBe(358);
    expect(on!.rules).toContain('no_mapping_outlives_provider');
    expect(on!.verdict).toBe('violated');
    expect(findings([on!])).toEqual(findings([off!]));
    // Without the test of the tag the same stores are harmless.
    const harmless = text.replace('if sgt != none && tag != 7 {', 'if sgt != none {');
    expect(harmless).not.toBe(text);
    const [fine] = outcome(harmless, true);
    expect(fine!.verdict).toBe('ok');
    expect(dead(fine!)).toEqual([tags(3)]);
  });

  test('`if tag == 3 { … }` in one importer keeps its tag live and the importers apart', () => {
    const text = tagged(3).replace(/(driver importer3 for[\s\S]*?)(    lock buf\.resv \{)/, '$1    if tag == 3 { return }\n$2');
    expect(text).not.toBe(tagged(3));
    const [on] = outcome(text, true);
    expect(dead(on!)).toEqual(['dead fields: importer1.tag, importer2.tag']);
    expect(symmetry(on!)).toEqual(['symmetry: importer1, importer2']);
    expect(on!.states).not.toBe(358);
    expect(findings([on!])).toEqual(findings(outcome(text, false)));
  });

  test('a read in an action nothing calls still counts: the analysis is of the whole program', () => {
    const text = tagged(2).replace(/(driver importer1 for[\s\S]*?)(  action reg_mr)/, '$1  action peek() -> int { return tag }\n$2');
    const [on] = outcome(text, true);
    expect(dead(on!)).toEqual(['dead fields: importer2.tag']);
    expect(symmetry(on!)).toEqual([]);
  });
});

describe('stores to dead fields cost no states', () => {
  const counter = (stores: boolean) => `
topology { host_bridge hb; device d0 under hb }
driver drv for d0 {
  state {
    m: mutex
    n: int = 0
    last: int = 0
  }
  action go(k: int) {
    lock m {
      n = n + 1${stores ? '\n      last = k' : ''}
    }
  }
}
constraint counted {
  at end drv.n == 2
}
scenario two_writers {
  bind drv
  parallel {
    { drv.go(1) }
    { drv.go(2) }
  }
  expect ok
}
`;

  test('the last writer\'s mark: the two orders meet again', () => {
    const [with_] = outcome(counter(true), true);
    const [without] = outcome(counter(false), true);
    const [off] = outcome(counter(true), false);
    expect(dead(with_!)).toEqual(['dead fields: drv.last']);
    expect(with_!.states).toBe(without!.states);
    expect(off!.states).toBeGreaterThan(with_!.states);
    expect(findings([with_!])).toEqual(findings([off!]));
  });

  const records = (read: boolean) => `
topology { host_bridge hb; device d0 under hb }
kind rec {
  stamp: int = 0
}
driver drv {
  state { recs: set<rec> }
  action add(k: int) {
    let r = new rec { stamp: k }
    recs.add(r)
  }${read ? '\n  action peek(r: rec) -> int { return r.stamp }' : ''}
}
scenario two_records {
  parallel {
    { drv.add(1) }
    { drv.add(2) }
  }
  expect ok
}
`;

  test('a field of an own kind no code reads: objects that differ only there are alike', () => {
    const [unread] = outcome(records(false), true);
    const [read] = outcome(records(true), true);
    expect(dead(unread!)).toEqual(['dead fields: rec.stamp']);
    expect(dead(read!)).toEqual([]);
    expect(unread!.states).toBeLessThan(read!.states);
    expect(findings([unread!])).toEqual(findings(outcome(records(false), false)));
  });
});

/**
 * The bisimulation itself, checked state by state: from every state of a
 * spec (up to `limit`), the same state with its dead fields scrambled has the
 * same steps, with the same choices, texts, rules broken and bounds, to
 * states with the same key. With `flow`, also the fields no frame can still
 * reach a read of (`flowLiveness`), under a key that leaves those out too.
 */
function checkBisimulation(text: string, limit: number, flowSensitive = false): number {
  const { program } = check(text, { uri: 'spec.lspec' });
  const registry = defaultRegistry();
  const compiled = compileProgram(program!, registry);
  // The search's layout has the flow-sensitive form; without it, the static form alone.
  const full = keyLayout(registry, compiled);
  const layout = flowSensitive ? full : { ...full, flow: undefined };
  const flow = flowSensitive ? flowLiveness(compiled) : undefined;
  if (flowSensitive) expect(flow).toBeDefined();
  const deadKinds = layout.dead?.kind ?? new Map<string, ReadonlySet<string>>();
  /** Whether a driver field is dead in `w`. */
  const deadAt = (w: World) => {
    const live = liveNow(flow, w);
    return (d: number, f: number) => deadIn(layout.dead, flow, live, d, f);
  };
  /** `w` with the plain values of fields dead in it as none: what a flow-sensitive key would leave out. */
  const normal = (w: World): World => {
    if (!flow) return w;
    const dead = deadAt(w);
    const s = cloneWorld(w, -1);
    s.fields.forEach((fs, d) => fs.forEach((v, f) => dead(d, f) && plain(v) && (ownFields(s, d)[f] = null)));
    return s;
  };
  let checked = 0;
  for (const sc of compiled.scenarios) {
    const monitor = new Monitor(compiled, registry);
    const machine = new Machine(compiled, registry, monitor);
    const w0 = initialWorld(compiled, registry, sc, monitor);
    const fixed = w0.objects.length;
    const key = (w: World) => worldKey(normal(w), fixed, layout, w0.objects);
    // What the key leaves out: a dead field's plain value (one naming an object or a driver is keyed).
    const scramble = (w: World, salt: number): World => {
      const dead = deadAt(w);
      const s = cloneWorld(w, -1);
      s.fields.forEach((fs, d) => fs.forEach((v, f) => dead(d, f) && plain(v) && (ownFields(s, d)[f] = (salt + d * 7 + f) % 3 === 0 ? null : 1000 + salt + f)));
      // A fresh object for each one scrambled: the world's own may be shared with the state it came from.
      s.objects = s.objects.map((o) => {
        const ks = [...(deadKinds.get(o.kind) ?? [])].filter((k) => plain(o.f[k] ?? null));
        return ks.length === 0 ? o : { kind: o.kind, alive: o.alive, f: { ...o.f, ...Object.fromEntries(ks.map((k) => [k, -salt])) } };
      });
      return s;
    };
    const outcomes = (w: World) => {
      const out: string[] = [];
      for (let t = 0; t < w.threads.length; t++) {
        if (!machine.canStep(w, t)) {
          out.push(`${t}: ${w.threads[t]!.done ? 'done' : `blocked on ${machine.blockedOn(w, t)}`}`);
          continue;
        }
        const pending: number[][] = [[]];
        while (pending.length > 0) {
          const choices = pending.pop()!;
          const r = machine.step(w, t, choices);
          for (let i = choices.length; i < r.points.length; i++) for (let c = 1; c < r.points[i]!; c++) pending.push([...choices, ...new Array<number>(i - choices.length).fill(0), c]);
          out.push(`${t}/${choices.join('.')}: ${r.info.text} ${JSON.stringify(r.points)} ${JSON.stringify(r.violations)} ${r.bound?.message ?? ''} -> ${r.world === w ? 'same' : key(r.world)}`);
        }
      }
      for (const [m, a] of machine.hardwareSteps(w)) out.push(`hw ${m}: ${key(machine.hardware(w, m, a).world)}`);
      return out;
    };
    const seen = new Set<string>([key(w0)]);
    const queue: World[] = [w0];
    while (queue.length > 0 && checked < limit) {
      const w = queue.shift()!;
      checked++;
      const here = outcomes(w);
      expect(outcomes(scramble(w, checked))).toEqual(here);
      expect(key(scramble(w, checked + 1))).toBe(key(w));
      for (let t = 0; t < w.threads.length; t++) {
        if (!machine.canStep(w, t)) continue;
        const pending: number[][] = [[]];
        while (pending.length > 0) {
          const choices = pending.pop()!;
          const r = machine.step(w, t, choices);
          for (let i = choices.length; i < r.points.length; i++) for (let c = 1; c < r.points[i]!; c++) pending.push([...choices, ...new Array<number>(i - choices.length).fill(0), c]);
          const k = key(r.world);
          if (!r.world.halted && !seen.has(k)) {
            seen.add(k);
            queue.push(r.world);
          }
        }
      }
    }
  }
  return checked;
}

describe('the key abstraction is a bisimulation', () => {
  const specs: [string, () => string][] = [
    ['tagged importers, one reading its tag, storing and deregistering', () => tagged(2, { store: true, read: 1, detach: true })],
    ['tagged locked importers', () => taggedImporters(lockedImporters(2), 2)],
    ['examples/tour.lspec (a field holding a mapping, never read)', () => readFileSync(`${root}examples/tour.lspec`, 'utf8')],
    ['examples/bugs/vfio_dmabuf_fd_error_double_free.lspec (an own kind\'s field)', () => readFileSync(`${root}examples/bugs/vfio_dmabuf_fd_error_double_free.lspec`, 'utf8')],
    ['examples/bugs/vfio_dmabuf_wait_invalidation.lspec', () => readFileSync(`${root}examples/bugs/vfio_dmabuf_wait_invalidation.lspec`, 'utf8')],
    ['test/fixtures/specs/scenario-nvme-cmb.lspec', () => readFileSync(`${root}test/fixtures/specs/scenario-nvme-cmb.lspec`, 'utf8')],
  ];
  test.each(specs)('%s: scrambling dead fields changes no step', (_, text) => {
    expect(checkBisimulation(text(), 1500)).toBeGreaterThan(20);
  });
});

describe('flow-sensitive dead fields', () => {
  // drv.last is read once, by the scenario's check() before the race; after it no code left reads it.
  const checked = `
topology { host_bridge hb; device d0 under hb }
driver drv for d0 {
  state {
    m: mutex
    n: int = 0
    last: int = 0
  }
  action check() -> int { return last }
  action go(k: int) {
    lock m {
      n = n + 1
      last = k
    }
  }
}
constraint counted {
  at end drv.n == 2
}
scenario check_then_race {
  bind drv
  let seen = drv.check()
  parallel {
    { drv.go(1) }
    { drv.go(2) }
  }
  expect ok
}
`;

  test('a field read only before a point: the analysis finds it, and leaving it out past that point is a bisimulation', () => {
    const { program } = check(checked, { uri: 'spec.lspec' });
    const compiled = compileProgram(program!, defaultRegistry());
    const flow = flowLiveness(compiled)!;
    const d = compiled.driverIndex.get('drv')!;
    // n is read by a condition, which can run after any step: never dead. The mutex (locked by go) and last are candidates.
    expect(flow.index[d]).toEqual([0, -1, 1]);
    // The two orders of the race end alike but for last: merged past the check.
    const merged = checkBisimulation(checked, 5000, true);
    const unmerged = checkBisimulation(checked, 5000, false);
    expect(merged).toBeGreaterThan(5);
    expect(merged).toBeLessThan(unmerged);
  });

  test('the search leaves such a field out past its last read, and says so; the verdict is the same without it', () => {
    const { program } = check(checked, { uri: 'spec.lspec' });
    const [on] = explore(program!).scenarios;
    const [off] = explore(program!, { reduce: false }).scenarios;
    expect(on!.reductions).toEqual(['fields dead after their last read: drv.last']);
    expect([on!.verdict, off!.verdict]).toEqual(['ok', 'ok']);
    // The two orders of the race end alike but for `last`, and so do the states just before each go() ends.
    expect([on!.states, off!.states]).toEqual([12, 14]);
  });

  // Every example, bug and fixture spec with a field the flow analysis could drop somewhere.
  const corpus = ['examples', 'examples/bugs', 'test/fixtures/specs'].flatMap((d) =>
    readdirSync(`${root}${d}`)
      .filter((f) => f.endsWith('.lspec'))
      .map((f) => `${d}/${f}`),
  );
  const withFlow = corpus.filter((f) => {
    const { program, diagnostics } = check(readFileSync(`${root}${f}`, 'utf8'), { uri: 'spec.lspec' });
    return !diagnostics.some((x) => x.severity === 'error') && flowLiveness(compileProgram(program!, defaultRegistry())) !== undefined;
  });
  test('some specs of the repository have such fields', () => expect(withFlow.length).toBeGreaterThan(10));
  test.each(withFlow)('%s: the bisimulation holds', (f) => {
    expect(checkBisimulation(readFileSync(`${root}${f}`, 'utf8'), 300, true)).toBeGreaterThan(0);
  });

  test('generated families and an action nothing calls: the bisimulation holds', () => {
    const peek = tagged(2, { store: true }).replace(/(driver importer1 for[\s\S]*?)(  action reg_mr)/, '$1  action peek() -> int { return tag }\n$2');
    expect(checkBisimulation(peek, 3000, true)).toBeGreaterThan(20);
  });
});

/** Generated families, small N: the reduction keeps every finding. */
const families: [string, string][] = [];
for (let n = 1; n <= 3; n++) {
  families.push([`race(${n})`, importerRace(n)]);
  families.push([`tag(${n})`, tagged(n)]);
  families.push([`tag(${n}) storing`, tagged(n, { store: true })]);
  families.push([`tag(${n}) importer1 reading`, tagged(n, { read: 1 })]);
  if (n >= 2) families.push([`tag(${n}) importer${n} reading, storing`, tagged(n, { read: n, store: true })]);
  if (n <= 2) {
    families.push([`tag(${n}) deregistering`, tagged(n, { detach: true })]);
    families.push([`tag(${n}) storing, deregistering`, tagged(n, { store: true, detach: true })]);
    families.push([`tag(${n}) importer1 reading, deregistering`, tagged(n, { read: 1, detach: true })]);
    families.push([`locked tag(${n})`, taggedImporters(lockedImporters(n), n)]);
  }
}

describe('generated families: the same findings with and without reductions', () => {
  test.each(families)('%s', (_, text) => {
    const on = outcome(text, true);
    const off = outcome(text, false);
    expect(findings(on)).toEqual(findings(off));
    for (const [i, s] of on.entries()) expect(s.states).toBeLessThanOrEqual(off[i]!.states);
    for (const s of off) expect(s.reductions).toEqual([]);
  });
});
