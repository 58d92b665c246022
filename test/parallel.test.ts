// The parallel search finds what the search in one thread finds — the same
// states, transitions, findings and traces — for any number of workers. The
// workers here run in this thread (a pool that clones every message, as
// threads would, and runs a worker's queued work a chunk at a time when the
// search looks for replies), so that every run is the same and the tests see
// the protocol without timing; test/cli-workers.test.ts runs real threads.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, searchWorker, type FromWorker, type Program, type StartPool, type ToWorker } from '../src/index.js';
import { scenariosToRun } from '../src/explore/explore.js';
import { exploreScenarioParallel, type ParallelStats } from '../src/explore/parallel.js';
import type { ScenarioResult } from '../src/explore/result.js';
import { exploreScenario } from '../src/explore/search.js';
import { importerRace, familySpec } from '../bench/generate.js';
import { Expander } from '../src/explore/expansion.js';
import { DROPPED } from '../src/explore/pool.js';
import { unpack } from '../src/explore/packed.js';
import { FingerprintSet } from '../src/explore/visited.js';

/**
 * Workers of `program` in this thread; `fail` makes every expansion fail, as
 * a worker whose model throws would; `slow` has every other look that does
 * not wait find nothing, as a search that looks before a busy worker has
 * answered does.
 */
function threadlessPool(program: Program, options: { reduce?: boolean }, fail = false, slow = false): StartPool {
  return (scenario, count) => {
    const replies: { from: number; message: FromWorker }[] = [];
    const workers = Array.from({ length: count }, (_, k) => searchWorker(program, scenario, options, k, count));
    const post = (k: number) => (r: FromWorker) => replies.push({ from: k, message: structuredClone(r) });
    for (let k = 0; k < count; k++) replies.push({ from: k, message: { type: 'ready' } });
    let turn = 0;
    let looks = 0;
    return {
      size: count,
      post(k, m: ToWorker) {
        if (fail && m.type === 'expand') post(k)({ type: 'failed', name: 'TypeError', message: 'the model broke' });
        else workers[k]!.handle(structuredClone(m), post(k));
      },
      receive(block) {
        if (slow && !block && looks++ % 2 === 0) return undefined;
        // Each look lets one worker do one chunk: workers run behind the search, as threads do.
        for (let tries = 0; replies.length === 0 && tries < count; tries++) {
          const k = turn++ % count;
          workers[k]!.work(post(k));
        }
        const got = replies.shift();
        if (!got && block) throw new Error('the search waits on workers with nothing to do');
        return got;
      },
      close() {},
    };
  };
}

/** Every scenario of `text` in one thread and with `workers` threads, started at once. */
function both(text: string, uri: string, workers: number, reduce = true, slow = false): { one: ScenarioResult[]; many: ScenarioResult[]; stats: ParallelStats[] } {
  const { program } = check(text, { uri });
  const { compiled, registry, chosen } = scenariosToRun(program, {}, 'test');
  const options = { reduce, maxStates: 20_000 };
  const stats: ParallelStats[] = [];
  const one = chosen.map((s) => exploreScenario(compiled, registry, s, options));
  const many = chosen.map((s) => {
    const st = {} as ParallelStats;
    stats.push(st);
    return exploreScenarioParallel(compiled, registry, s, options, { workers, start: threadlessPool(program, { reduce }, false, slow), stats: st, startAfterMs: 0 });
  });
  return { one, many, stats };
}

/** A result but for its time, and the threads it names (the one thing a parallel search reports differently). */
const timeless = ({ threads: _threads, ...r }: ScenarioResult) => ({ ...r, timeMs: 0 });

const repoSpecs = ['examples', 'examples/bugs', 'test/fixtures/specs'].flatMap((d) =>
  readdirSync(new URL(`../${d}`, import.meta.url))
    .filter((f) => f.endsWith('.lspec'))
    .map((f) => `${d}/${f}`),
);

describe('on every spec of the repository, the parallel search finds what the search in one thread finds', () => {
  test.each(repoSpecs)('%s, three threads', (file) => {
    const { one, many } = both(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), file, 3);
    expect(many.map(timeless)).toEqual(one.map(timeless));
  });
});

describe.each([
  ['the importer race, reductions on', importerRace(4), true],
  ['the importer race, reductions off', importerRace(3), false],
  ['three kinds of importer', familySpec('kinds', 3), true],
  ['importers that differ in an unread field', familySpec('tag', 4), true],
] as const)('%s', (_name, text, reduce) => {
  test.each([2, 3, 5])('%i threads: the same result, and the workers took part', (workers) => {
    const { one, many, stats } = both(text, 'family.lspec', workers, reduce);
    expect(many.map(timeless)).toEqual(one.map(timeless));
    expect(one[0]!.states).toBeGreaterThan(300);
    const s = stats[0]!;
    expect(many[0]!.threads).toBe(workers);
    expect(one[0]!.threads).toBeUndefined();
    expect(s.workers).toBe(workers - 1);
    expect(s.local + s.remote).toBeGreaterThanOrEqual(one[0]!.states);
    expect(s.remote).toBeGreaterThan(0);
    expect(s.handed).toBeGreaterThan(0);
    // Workers let go of successors already found by a path no dearer at once: most successors are such.
    expect(s.dropped).toBeGreaterThan(0);
  });
});

test('while the search waits on a worker, it expands its own states ahead, and the result is the same', () => {
  // With reductions off no guess can be wrong; on, kinds of importer take local steps alone, and a guess made ahead may be.
  let again = 0;
  for (const [text, reduce] of [[importerRace(3), false], [familySpec('kinds', 3), true]] as const) {
    for (const workers of [2, 3]) {
      const { one, many, stats } = both(text, 'ahead.lspec', workers, reduce, true);
      expect(many.map(timeless)).toEqual(one.map(timeless));
      expect(stats[0]!.ahead).toBeGreaterThan(0);
      again += stats[0]!.aheadAgain;
    }
  }
  expect(again).toBeGreaterThan(0);
});

test("a worker's wrong guess at the proviso is expanded again, and states move both ways, with the same result", () => {
  // Three kinds of importer take local steps alone often enough for a worker's table to lag.
  for (const workers of [2, 3]) {
    const { one, many, stats } = both(familySpec('kinds', 3), 'kinds3.lspec', workers);
    expect(many.map(timeless)).toEqual(one.map(timeless));
    expect(stats[0]!.again).toBeGreaterThan(0);
    expect(stats[0]!.pulled).toBeGreaterThan(0);
    expect(stats[0]!.handed).toBeGreaterThan(0);
  }
});

test('violations found through the workers have the traces the search in one thread finds', () => {
  // The bug examples whose searches are big enough for the workers to take part in.
  let through = 0;
  for (const file of repoSpecs.filter((f) => f.startsWith('examples/bugs/'))) {
    const { one, many, stats } = both(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), file, 2);
    expect(many.map(timeless)).toEqual(one.map(timeless));
    one.forEach((r, i) => {
      if (r.violations.length > 0 && stats[i]!.remote > 0) through++;
    });
  }
  expect(through).toBeGreaterThanOrEqual(3);
});

test("a worker's failure is the scenario's, as a failure in this thread would be", () => {
  const { program } = check(importerRace(3), { uri: 'race3.lspec' });
  const { compiled, registry, chosen } = scenariosToRun(program, {}, 'test');
  expect(() => exploreScenarioParallel(compiled, registry, chosen[0]!, {}, { workers: 2, start: threadlessPool(program, {}, true), startAfterMs: 0 })).toThrow(
    expect.objectContaining({ name: 'TypeError', message: 'the model broke' }),
  );
});

test('a search that ends before its workers are due never starts them, and one thread or whole keys never do', () => {
  const { program } = check(importerRace(2), { uri: 'race2.lspec' });
  const { compiled, registry, chosen } = scenariosToRun(program, {}, 'test');
  let started = 0;
  const start: StartPool = (s, n) => {
    started++;
    return threadlessPool(program, {})(s, n);
  };
  const stats = {} as ParallelStats;
  const r = exploreScenarioParallel(compiled, registry, chosen[0]!, {}, { workers: 2, start, stats, startAfterMs: 60_000 });
  expect(r.verdict).toBe('ok');
  expect(started).toBe(0);
  expect(stats.workers).toBe(0);
  exploreScenarioParallel(compiled, registry, chosen[0]!, {}, { workers: 1, start, startAfterMs: 0 });
  exploreScenarioParallel(compiled, registry, chosen[0]!, { exact: true }, { workers: 4, start, startAfterMs: 0 });
  expect(started).toBe(0);
});

test('a worker lets go of a successor only when the search knows its state by a path no dearer', () => {
  // The search's costs fall when a cheaper path turns up (search.ts: weigh); a worker that dropped a
  // successor the search would take as that cheaper path would lose it. Here the table is set by hand.
  const { program } = check(importerRace(2), { uri: 'race2.lspec' });
  const { compiled, registry, chosen } = scenariosToRun(program, {}, 'test');
  const x = new Expander(compiled, registry, chosen[0]!, { reduce: false });
  const first = [...x.expand(x.w0, () => false).successors].find((s) => s.world !== undefined)!;
  const key = first.key!;
  const charged = first.free ? 0 : first.charged;
  const reply = (known: number | undefined, cost: number) => {
    const visited = new FingerprintSet(true);
    if (known !== undefined) visited.add(key, 1, known);
    const worker = searchWorker(program, chosen[0]!.name, { reduce: false }, 0, 1);
    const replies: FromWorker[] = [];
    worker.handle({ type: 'adopt', worlds: [[1, x.w0]] }, (r) => replies.push(r));
    worker.handle({ type: 'expand', worlds: [1], costs: [cost], table: visited.table! }, (r) => replies.push(r));
    while (worker.work((r) => replies.push(r)));
    const got = replies.find((r) => r.type === 'expanded');
    if (got?.type !== 'expanded') throw new Error('no expansion came');
    // The successors come through one reused record: copy the one wanted.
    for (const s of unpack(got.states).states[0]![1].successors) if (s.key === key) return { ...s };
    throw new Error('the successor is missing');
  };
  expect(reply(undefined, 0).world).not.toBe(DROPPED);
  expect(reply(charged, 0).world).toBe(DROPPED);
  expect(reply(charged, 0).info).toBe(DROPPED);
  expect(reply(charged - 1, 0).world).toBe(DROPPED);
  // Known, but only by a dearer path: this successor is the cheaper one, and the search takes it.
  expect(reply(charged + 1, 0).world).not.toBe(DROPPED);
  expect(reply(charged, 1).world).toBe(DROPPED);
});
