// Embedding Lifespec (docs/embedding.md): a host adds a model of its own, the
// checker learns its primitives and violations from the registry, the
// explorer runs them, and the host watches progress and can stop a search.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  builtinModels,
  builtinRegistry,
  check,
  errno,
  errnoName,
  explore,
  formatScenarioResult,
  isErrno,
  isRef,
  ModelRegistry,
  ref,
  refId,
  ret,
  types,
  type Model,
  type Progress,
} from '../src/index.js';
import { fenceModel } from '../examples/embedding/fence-model.js';
import { runSpec } from '../examples/embedding/host.js';

/** The spec docs/embedding.md walks through: a GPU driver that waits on fences. */
const fenceSpec = `
topology {
  host_bridge hb
  device gpu under hb
}

driver gpu_drv for gpu {
  remove(dev) {
    fence_signal(dev)   // force-complete every fence: no waiter is left behind
  }
  action submit() -> seqno_fence { return fence_emit(gpu) }
  action irq() { fence_signal(gpu) }
  action sync(f: seqno_fence) { fence_wait(f) }
}

scenario job_completes {
  bind gpu_drv
  let f = gpu_drv.submit()
  parallel {
    { gpu_drv.sync(f) }
    { gpu_drv.irq() }
  }
  expect ok
}

scenario unplug_while_waiting {
  bind gpu_drv
  let f = gpu_drv.submit()
  parallel {
    { gpu_drv.sync(f) }
    { unplug gpu }
  }
  expect ok
}
`;

/** The same driver without the forced completion in remove(). */
const noForcedCompletion = fenceSpec
  .replace('    fence_signal(dev)   // force-complete every fence: no waiter is left behind\n', '    // nothing completes the fences\n')
  .replace('    { unplug gpu }\n  }\n  expect ok', '    { unplug gpu }\n  }\n  expect violation model.fence_timeout');

function fenceRegistry(): ModelRegistry {
  return new ModelRegistry().register(fenceModel);
}

describe('a model of our own', () => {
  test('the registry holds the built-in models plus the new one', () => {
    const registry = fenceRegistry();
    expect(registry.models.map((m) => m.name)).toEqual([...builtinModels.map((m) => m.name), 'fence']);
    expect(registry.primitive('p2pdma_map')).toBeDefined();
    expect(registry.primitive('fence_wait')?.sig.params.map((p) => p.name)).toEqual(['f']);
    expect(registry.primitives.get('fence_emit')?.returns).toEqual({ k: 'object', kind: 'seqno_fence' });
    expect(Object.keys(registry.kinds.get('seqno_fence')?.fields ?? {})).toEqual(['dev', 'seqno', 'signalled']);
    expect(registry.violations.get('model.fence_timeout')).toMatch(/never|can never end/);
    expect(registry.violations.has('model.use_after_free')).toBe(true);
  });

  test('a primitive name can be implemented by one model only', () => {
    expect(() => fenceRegistry().register(fenceModel)).toThrow(/redefines primitive 'fence_emit' of model 'fence'/);
    const clash = { name: 'mine', primitives: [{ ...fenceModel.primitives[0]!, sig: { ...fenceModel.primitives[0]!.sig, name: 'p2pdma_map' } }] };
    expect(() => new ModelRegistry().register(clash)).toThrow(/redefines primitive 'p2pdma_map' of model 'p2pdma'/);
  });

  test('a primitive needs a plain name that is not a built-in name or spelling', () => {
    const named = (name: string): Model => ({ name: 'mine', primitives: [{ sig: { name, params: [], returns: types.void, doc: '' }, start: () => ret(null) }] });
    expect(() => new ModelRegistry().register(named('fence_poll'))).not.toThrow();
    for (const name of ['fence-poll', '@fence', 'fence poll', '']) {
      expect(() => new ModelRegistry().register(named(name)), name).toThrow(`model 'mine' cannot define primitive '${name}'`);
    }
    // The kernel's newer spelling of a built-in, and a built-in query, are taken too.
    expect(() => new ModelRegistry().register(named('dma_buf_invalidate_mappings'))).toThrow(/cannot define primitive 'dma_buf_invalidate_mappings'/);
    expect(() => new ModelRegistry().register(named('count'))).toThrow(/cannot define primitive 'count'/);
    // A built-in name stays taken in a registry without the model that implements it.
    const withoutP2pdma = builtinModels.filter((m) => m.name !== 'p2pdma');
    expect(() => new ModelRegistry(withoutP2pdma).register(named('p2pdma_map'))).toThrow(/cannot define primitive 'p2pdma_map'/);
    // A registry from exactly the built-in models is fine.
    expect(new ModelRegistry([...builtinModels]).models).toHaveLength(builtinModels.length);
  });

  test('a kind is declared by one model, with a plain name that is not a type or a keyword', () => {
    const withKind = (name: string): Model => ({ name: 'mine', primitives: [], kinds: [{ name, doc: '', fields: {} }] });
    expect(() => new ModelRegistry().register(withKind('dma_buf'))).toThrow("model 'mine' cannot define kind 'dma_buf': another model declares it");
    expect(() => fenceRegistry().register(withKind('seqno_fence'))).toThrow("model 'mine' cannot define kind 'seqno_fence': another model declares it");
    for (const name of ['int', 'set', 'lock', 'job-queue', 'count']) expect(() => new ModelRegistry().register(withKind(name)), name).toThrow(`model 'mine' cannot define kind '${name}'`);
    expect(new ModelRegistry().register(withKind('job_queue')).kind('job_queue')?.name).toBe('job_queue');
    expect(() => builtinRegistry().register(withKind('job_queue'))).toThrow(/shared built-in registry/);
  });

  test('a violation is named model.NAME and is defined once', () => {
    const withViolation = (name: string, v: string): Model => ({ ...fenceModel, name, primitives: [], violations: { [v]: 'explained' } });
    expect(() => new ModelRegistry().register(withViolation('mine', 'fence_timeout'))).toThrow("model 'mine' cannot define violation 'fence_timeout'");
    expect(() => new ModelRegistry().register(withViolation('mine', 'model.leak'))).toThrow("model 'mine' cannot define violation 'model.leak'");
    expect(() => fenceRegistry().register(withViolation('mine', 'model.fence_timeout'))).toThrow("model 'mine' cannot define violation 'model.fence_timeout'");
    // A register that throws adds nothing.
    const registry = new ModelRegistry();
    const half: Model = { ...fenceModel, violations: { 'model.fence_timeout': 'ok', oops: 'not a model name' } };
    expect(() => registry.register(half)).toThrow(/cannot define violation 'oops'/);
    expect(registry.primitive('fence_wait')).toBeUndefined();
    expect(registry.violations.has('model.fence_timeout')).toBe(false);
    expect(registry.models.map((m) => m.name)).toEqual(builtinModels.map((m) => m.name));
  });

  test('values are read and made with the exported helpers', () => {
    expect(ref(12)).toBe('#12');
    expect(isRef(ref(12)) && refId(ref(12))).toBe(12);
    expect(isRef(errno('ENODEV'))).toBe(false);
    expect(isErrno(errno('ENODEV')) && errnoName(errno('ENODEV'))).toBe('ENODEV');
    expect([isRef(null), isRef(3), isErrno('#1')]).toEqual([false, false, false]);
    expect(types.object('pci_dev')).toEqual({ k: 'object', kind: 'pci_dev' });
    expect(types.optional(types.set(types.int))).toEqual({ k: 'optional', inner: { k: 'set', elem: { k: 'int' } } });
  });

  test('without the model, its primitives and violations are unknown to the checker', () => {
    expect(noForcedCompletion).not.toBe(fenceSpec);
    const { diagnostics } = check(noForcedCompletion, { uri: 'fence.lspec' });
    expect(diagnostics.map((d) => [d.code, d.message.replace(/;.*/, '')])).toEqual([
      ['unknown-type', 'unknown type `seqno_fence`'],
      ['unknown-name', 'unknown function `fence_emit`'],
      ['unknown-name', 'unknown function `fence_signal` (did you mean `dma_fence_signal`?)'],
      ['unknown-type', 'unknown type `seqno_fence`'],
      ['unknown-name', 'unknown function `fence_wait`'],
      ['unknown-rule', 'unknown rule `model.fence_timeout`'],
    ]);
  });

  test('with the model, the spec checks clean and its primitives are typed', () => {
    const registry = fenceRegistry();
    expect(check(fenceSpec, { uri: 'fence.lspec', registry }).diagnostics).toEqual([]);
    expect(check(noForcedCompletion, { uri: 'fence.lspec', registry }).diagnostics).toEqual([]);
    const wrong = check(fenceSpec.replace('fence_wait(f)', 'fence_wait(f, gpu)'), { uri: 'fence.lspec', registry });
    expect(wrong.diagnostics.map((d) => d.code)).toEqual(['wrong-arity']);
    const mistyped = check(fenceSpec.replace('fence_wait(f)', 'fence_wait(gpu)'), { uri: 'fence.lspec', registry });
    expect(mistyped.diagnostics.map((d) => [d.code, d.message])).toEqual([['type-mismatch', 'expected a `seqno_fence`, found a `pci_dev`']]);
  });

  test('a driver that force-completes its fences passes under every interleaving', () => {
    const registry = fenceRegistry();
    const { program } = check(fenceSpec, { uri: 'fence.lspec', registry });
    const { scenarios } = explore(program, { registry });
    expect(scenarios.map((s) => [s.scenario, s.verdict, s.complete, s.expectMet])).toEqual([
      ['job_completes', 'ok', true, true],
      ['unplug_while_waiting', 'ok', true, true],
    ]);
  });

  test('without the forced completion, the model reports model.fence_timeout with a shortest trace', () => {
    const registry = fenceRegistry();
    const { program } = check(noForcedCompletion, { uri: 'fence.lspec', registry });
    const r = explore(program, { registry, scenario: 'unplug_while_waiting' }).scenarios[0]!;
    expect(r).toMatchObject({ verdict: 'violated', complete: true, expectMet: true });
    expect(r.violations.map((v) => v.rule)).toEqual(['model.fence_timeout']);
    const v = r.violations[0]!;
    expect(v.message).toBe('fence 1 of gpu never signals: the device is gone and nothing completed it');
    // The waiter's thread makes the last step: its wait fails with ETIMEDOUT once the device is gone.
    const last = v.trace.at(-1)!;
    expect(last.event).toBe('fence_wait(seqno_fence#2) → ETIMEDOUT · gpu_drv.sync → ETIMEDOUT');
    expect(v.trace.some((s) => s.event.startsWith('unplug gpu') && s.thread !== last.thread)).toBe(true);
    expect(v.trace.map((s) => s.step)).toEqual(v.trace.map((_, i) => i + 1));
    expect(last.uri).toBe('fence.lspec');
    expect(noForcedCompletion.slice(0, last.offset).split('\n').length).toBe(fenceSpec.split('\n').findIndex((l) => l.includes('fence_wait(f)')) + 1);
  });

  test('a wait nothing can end while the device stays is a deadlock that names the fence', () => {
    const registry = fenceRegistry();
    const text = fenceSpec.replace(/scenario job_completes \{[^]*?expect ok\n\}/, 'scenario forgotten_irq {\n  bind gpu_drv\n  let f = gpu_drv.submit()\n  gpu_drv.sync(f)\n  expect deadlock\n}');
    expect(text).toContain('forgotten_irq');
    const { program, diagnostics } = check(text, { uri: 'fence.lspec', registry });
    expect(diagnostics).toEqual([]);
    const r = explore(program, { registry, scenario: 'forgotten_irq' }).scenarios[0]!;
    expect(r).toMatchObject({ verdict: 'deadlock', expectMet: true, violations: [] });
    expect(r.deadlock!.waiting).toEqual([{ thread: 'main', on: 'fence 1 of gpu to signal' }]);
    expect(r.deadlock!.trace.at(-1)!.event).toBe('fence_wait(seqno_fence#2)');
  });

  test('exploring runs against the registry the program was checked with, unless told otherwise', () => {
    const { program } = check(fenceSpec, { uri: 'fence.lspec', registry: fenceRegistry() });
    expect(explore(program).scenarios.map((s) => s.verdict)).toEqual(['ok', 'ok']);
    expect(() => explore(program, { registry: new ModelRegistry() })).toThrow(/has no model that implements primitive fence_/);
  });
});

const embeddingDoc = readFileSync(new URL('../docs/embedding.md', import.meta.url), 'utf8');

/** docs/embedding.md's driver and constraint that use the fence model's own kind, with a topology and scenarios around them. */
const kindSpec = `
topology {
  host_bridge hb
  device gpu under hb
}

${[...embeddingDoc.matchAll(/```lspec\n([^]*?)\n```/g)].map((m) => m[1]!).find((b) => b.includes('constraint fences_retired'))}

scenario retired_in_time {
  bind gpu_drv
  let a = gpu_drv.submit()
  let b = gpu_drv.submit()
  gpu_drv.irq()
  gpu_drv.retire(a)
  gpu_drv.retire(b)
  unplug gpu
  expect ok
}

scenario outlives_its_device {
  bind gpu_drv
  let a = gpu_drv.submit()
  unplug gpu
  expect violation fences_retired
}

scenario three_in_flight {
  bind gpu_drv
  let a = gpu_drv.submit()
  let b = gpu_drv.submit()
  let c = gpu_drv.submit()
  expect violation fences_retired
}

scenario retired_too_early {
  bind gpu_drv
  let a = gpu_drv.submit()
  gpu_drv.retire(a)
  expect violation model.assert
}
`;

describe("the model's own kind in a spec", () => {
  test('it is a type, its fields can be read, count() counts it and a lifetime rule names its reference field', () => {
    const registry = fenceRegistry();
    const { program, diagnostics } = check(kindSpec, { uri: 'kinds.lspec', registry });
    expect(diagnostics).toEqual([]);
    const results = explore(program).scenarios;
    expect(results.map((r) => [r.scenario, r.verdict, r.violations.map((v) => v.rule), r.expectMet])).toEqual([
      ['retired_in_time', 'ok', [], true],
      ['outlives_its_device', 'violated', ['fences_retired'], true],
      ['three_in_flight', 'violated', ['fences_retired'], true],
      ['retired_too_early', 'violated', ['model.assert'], true],
    ]);
    expect(results[1]!.violations[0]!.message).toBe('seqno_fence#2 outlives its dev gpu (pci_dev ended first)');
    expect(results[2]!.violations[0]!.message).toBe('`always count(seqno_fence) <= 2` does not hold');
  });

  test('the checker knows its fields and reference fields, and suggests them', () => {
    const registry = fenceRegistry();
    const misspelt = check(kindSpec.replace('assert f.signalled', 'assert f.signaled').replace('within dev', 'within device'), { uri: 'kinds.lspec', registry });
    expect(misspelt.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['unknown-member', 'seqno_fence has no field `signaled` (did you mean `signalled`?); it has `dev`, `seqno`, `signalled`'],
      ['unknown-member', 'seqno_fence has no reference field `device`; its reference fields are `dev`'],
    ]);
    // Without the model the kind is unknown wherever it is named.
    const without = check(kindSpec, { uri: 'kinds.lspec' });
    expect(without.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['unknown-type', 'unknown-kind']));
  });
});

describe('progress and stopping a search', () => {
  // A long sequential run: each fence_emit is a step, so the search goes through a few hundred states.
  const busy = `
topology {
  host_bridge hb
  device gpu under hb
}
fn burst(n: int) {
  if n > 0 {
    fence_emit(gpu)
    burst(n - 1)
  }
}
driver gpu_drv for gpu {
  action work() { burst(120) }
}
scenario busy {
  bind gpu_drv
  gpu_drv.work()
  gpu_drv.work()
  gpu_drv.work()
}
scenario quick {
  bind gpu_drv
}
`;

  function program() {
    const registry = fenceRegistry();
    const checked = check(busy, { uri: 'busy.lspec', registry });
    expect(checked.diagnostics).toEqual([]);
    return { registry, program: checked.program };
  }

  test('onProgress reports each scenario as it is searched', () => {
    const { registry, program: p } = program();
    const seen: Progress[] = [];
    const { scenarios } = explore(p, { registry, progressIntervalMs: 0, onProgress: (x) => seen.push(x) });
    expect(scenarios.map((s) => [s.scenario, s.verdict])).toEqual([
      ['busy', 'ok'],
      ['quick', 'ok'],
    ]);
    expect(scenarios[0]!.states).toBeGreaterThan(300);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const x of seen) {
      expect(Object.keys(x).sort()).toEqual(['elapsedMs', 'maxStates', 'queued', 'scenario', 'states', 'transitions']);
      expect(x.queued).toBeGreaterThanOrEqual(0);
      expect(x.states).toBeGreaterThanOrEqual(1);
      expect(x.elapsedMs).toBeGreaterThanOrEqual(0);
    }
    const busyStates = seen.filter((x) => x.scenario === 'busy').map((x) => x.states);
    expect(busyStates).toEqual([...busyStates].sort((a, b) => a - b));
    expect(seen.some((x) => x.scenario === 'quick')).toBe(true);
  });

  test('with progressIntervalMs 0 even a tiny scenario reports, first at its first state', () => {
    const { registry, program: p } = program();
    const seen: Progress[] = [];
    explore(p, { registry, scenario: 'quick', progressIntervalMs: 0, onProgress: (x) => seen.push(x) });
    // The first state is being expanded: nothing queued yet; the default state limit is in force.
    expect(seen[0]).toEqual({ scenario: 'quick', states: 1, transitions: 0, queued: 0, maxStates: expect.any(Number), elapsedMs: expect.any(Number) });
    expect(seen.map((x) => x.transitions)).toEqual([...seen.map((x) => x.transitions)].sort((a, b) => a - b));
    // With the default interval a search that short reports nothing.
    const none: Progress[] = [];
    explore(p, { registry, scenario: 'quick', onProgress: (x) => none.push(x) });
    expect(none).toEqual([]);
  });

  test('progress comes once per interval of the clock, however few or many steps that is', () => {
    const { registry, program: p } = program();
    let t = 0;
    const seen: Progress[] = [];
    // The clock moves 1 ms at each look; progress is due every 10 ms.
    const r = explore(p, { registry, scenario: 'busy', now: () => (t += 1), progressIntervalMs: 10, onProgress: (x) => seen.push(x) }).scenarios[0]!;
    const gaps = seen.slice(1).map((x, i) => x.elapsedMs - seen[i]!.elapsedMs);
    expect(gaps.length).toBeGreaterThan(10);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(10);
    expect(seen.at(-1)!.transitions).toBeLessThanOrEqual(r.transitions);
  });

  test('a time limit stops a scenario with its limit in the reason, and the next one still runs', () => {
    const { registry, program: p } = program();
    let t = 0;
    // Every look at the clock is a millisecond later: the busy scenario looks more than 50 times, the quick one fewer.
    const { scenarios } = explore(p, { registry, now: () => (t += 1), timeoutMs: 50 });
    expect(scenarios[0]).toMatchObject({ scenario: 'busy', verdict: 'incomplete', complete: false, incomplete: { reason: 'stopped at the time limit of 0.05 s' } });
    expect(scenarios[0]!.transitions).toBeLessThan(60);
    expect(scenarios[1]).toMatchObject({ scenario: 'quick', verdict: 'ok', complete: true });
    const tiny = explore(p, { registry, scenario: 'busy', now: () => (t += 1000), timeoutMs: 1234.5 }).scenarios[0]!;
    expect(tiny.incomplete?.reason).toBe('stopped at the time limit of 1.23 s');
  });

  test('a state limit names the limit and its bound; which option raises it is the host\'s to say', () => {
    const { registry, program: p } = program();
    const limited = explore(p, { registry, scenario: 'busy', maxStates: 100 }).scenarios[0]!;
    expect(limited).toMatchObject({ verdict: 'incomplete', complete: false, incomplete: { bound: 'states', reason: 'stopped at the state limit (100 states)' } });
  });

  test('an aborted signal stops the search: that scenario is incomplete and later ones are reported not explored', () => {
    const { registry, program: p } = program();
    const full = explore(p, { registry, scenario: 'busy' }).scenarios[0]!;
    const signal = { aborted: false };
    const { scenarios } = explore(p, {
      registry,
      signal,
      progressIntervalMs: 0,
      onProgress: () => {
        signal.aborted = true;
      },
    });
    expect(scenarios).toHaveLength(2);
    const r = scenarios[0]!;
    expect(r).toMatchObject({ scenario: 'busy', verdict: 'incomplete', complete: false, violations: [], incomplete: { reason: 'stopped on request' } });
    expect(r.expectMet).toBeUndefined();
    expect(r.states).toBeGreaterThan(0);
    expect(r.states).toBeLessThan(full.states);
    expect(scenarios[1]).toMatchObject({ scenario: 'quick', verdict: 'incomplete', states: 0, incomplete: { reason: 'not explored: stopped on request' } });
  });

  test('a signal aborted before the call explores nothing: every scenario is incomplete', () => {
    const { registry, program: p } = program();
    const { scenarios } = explore(p, { registry, signal: { aborted: true } });
    expect(scenarios.map((s) => [s.scenario, s.verdict, s.states])).toEqual([
      ['busy', 'incomplete', 0],
      ['quick', 'incomplete', 0],
    ]);
  });
});

describe('the host program of docs/embedding.md', () => {
  test('errors come back as diagnostics, and nothing is explored', () => {
    const r = runSpec(fenceSpec.replace('fence_wait(f)', 'fence_wait(nic)'), 'fence.lspec');
    expect(r.kind).toBe('errors');
    if (r.kind === 'errors') expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-name']);
  });

  test('a clean spec comes back as the JSON of docs/trace-format.md', () => {
    const r = runSpec(noForcedCompletion, 'fence.lspec');
    expect(r.kind).toBe('explored');
    if (r.kind !== 'explored') return;
    expect(r.report.file).toBe('fence.lspec');
    expect(r.report.scenarios).toMatchObject([
      { scenario: 'job_completes', verdict: 'ok', deadlock: null, incomplete: null, expectMet: true },
      { scenario: 'unplug_while_waiting', verdict: 'violated', violations: [{ rule: 'model.fence_timeout' }], expectMet: true },
    ]);
  });
});

describe('docs/embedding.md', () => {
  const doc = readFileSync(new URL('../docs/embedding.md', import.meta.url), 'utf8');
  const block = (lang: string) => new RegExp('```' + lang + '\\n([^]*?)\\n```').exec(doc)?.[1];

  test('its fence spec holds, and without the forced completion gives the trace shown', () => {
    const spec = `${block('lspec')!}\n`;
    const registry = fenceRegistry();
    const good = check(spec, { uri: 'fence.lspec', registry });
    expect(good.diagnostics).toEqual([]);
    expect(explore(good.program, { registry }).scenarios.map((s) => [s.scenario, s.verdict])).toEqual([['unplug_while_waiting', 'ok']]);

    const line = '    fence_signal(dev)   // force-complete every fence: no waiter is left behind\n';
    expect(spec).toContain(line);
    const bad = check(spec.replace(line, ''), { uri: 'fence.lspec', registry });
    expect(bad.diagnostics).toEqual([]);
    const text = formatScenarioResult(explore(bad.program, { registry }).scenarios[0]!, bad.program.sources);
    // The doc shows the command's text; everything but the first line (its counts and timing) must match.
    const shown = doc.split('\n```\n').find((b) => b.includes('VIOLATED: model.fence_timeout'))!;
    const expected = shown.slice(shown.indexOf('    reduced by')).split('\n');
    expect(text.split('\n').slice(1)).toEqual(expected);
  });
});
