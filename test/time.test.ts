// Time in the kernel (docs/semantics.md §13 "Fences, deferred release and
// bounded waits"): DMA that runs until a fence signals, the last put that
// defers `release`, waits that may time out, and the bounded-time unmap the
// dma-buf kerneldoc asks of importers. Each spec below needs the new model:
// on the old one it either does not check (no fences, no timeouts) or gets
// the verdict the kernel contradicts (release inside remove()).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore } from '../src/index.js';
import { expectQuiet, lineAt, rules, runSpec, scenario, violation } from './support/specs.js';

const p2pTopology = `topology {
  host_bridge hb { iommu translated }
  switch sw under hb
  device gpu under sw { bar 0 size 64M }
  device nic under sw
}
provider vram : p2pdma { device gpu  bar 0  lifetime manual }
`;

/**
 * An exporter that revokes its buffers and then frees the BAR memory behind
 * them, and an importer whose device stops asynchronously: move_notify asks
 * the NIC to stop and publishes the fence the NIC signals when it really has.
 */
const revoke = (exporterWaits: string, importerUnmaps = '') => `${p2pTopology}
driver exp for gpu {
  state { bufs: set<dma_buf> }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return p2pdma_map(vram, attach.dev) }
    unmap_dma_buf(attach, sgt) { p2pdma_unmap(sgt) }
    release(buf) { bufs.remove(buf) }
  }
  action export() -> dma_buf {
    let b = dma_buf_export(bops, vram)
    bufs.add(b)
    return b
  }
  action revoke() {
    for b in bufs {
      lock b.resv {
        dma_buf_move_notify(b)
${exporterWaits}
      }
    }
    p2pdma_provider_destroy(vram)
  }
}

driver imp for nic {
  state { att: attachment?  sgt: sg_table?  stopped: dma_fence? }
  ops iops : dma_buf_attach_ops {
    allow_peer2peer = true
    move_notify(attach) {
      if sgt != none {
        stopped = hw_stop_async(nic, sgt)
        dma_resv_add_fence(attach.buf.resv, stopped, DMA_RESV_USAGE_BOOKKEEP)
${importerUnmaps}
      }
    }
  }
  action map(buf: dma_buf) {
    att = dma_buf_dynamic_attach(buf, nic, iops)
    lock buf.resv {
      sgt = dma_buf_map_attachment(att)
      hw_start(nic, sgt)
    }
  }
}

scenario revoke_under_dma {
  bind exp
  bind imp
  let b = exp.export()
  imp.map(b)
  exp.revoke()
}
`;

describe('DMA fences', () => {
  const waitLine = '        let r = dma_resv_wait_timeout(b.resv, DMA_RESV_USAGE_BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT)';

  test('after move_notify returns the device may DMA until its fence signals: freeing the memory without the fence wait is model.dma_after_free', () => {
    const spec = revoke('');
    const r = scenario(runSpec(spec, 'revoke.lspec'), 'revoke_under_dma');
    expect(rules(r)).toEqual(['model.dma_after_free']);
    const v = violation(r, 'model.dma_after_free');
    expect(v.message).toBe('nic DMA through sg_table#8: its provider vram#3 is destroyed (DMA into freed MMIO)');
    const events = v.trace.map((s) => `${s.thread} ${s.event}`);
    expect(events.slice(-4)).toEqual([
      'main hw_stop_async(nic, sg_table#8) → dma_fence#9',
      'main dma_resv_add_fence(dma_buf#6.resv, dma_fence#9, 3)',
      'main p2pdma_provider_destroy(vram#3) · vram#3 ends',
      'hw:nic DMA through sg_table#8',
    ]);
    expect(v.trace).toHaveLength(19);
  });

  test('an exporter that waits for the fences under the lock (dma_resv_wait_timeout, BOOKKEEP) holds', () => {
    expectQuiet(scenario(runSpec(revoke(waitLine), 'revoke.lspec'), 'revoke_under_dma'));
  });

  test('a wait for a weaker usage than the fence was added with does not wait for it', () => {
    const r = scenario(runSpec(revoke(waitLine.replace('DMA_RESV_USAGE_BOOKKEEP', 'DMA_RESV_USAGE_READ')), 'revoke.lspec'), 'revoke_under_dma');
    expect(rules(r)).toEqual(['model.dma_after_free']);
  });

  test('the device signals on a hardware step of its own, which also stops its DMA', () => {
    const spec = revoke(waitLine);
    const { program } = check(spec, { uri: 'revoke.lspec' });
    const broken = check(spec.replace('p2pdma_provider_destroy(vram)', 'p2pdma_provider_destroy(vram)\n    assert false, "reached"'), { uri: 'revoke.lspec' }).program;
    const v = explore(broken).scenarios[0]!.violations.find((x) => x.rule === 'model.assert')!;
    expect(v.trace.map((s) => `${s.thread} ${s.event}`)).toContain('hw:nic signal dma_fence#9 (DMA through sg_table#8 is over)');
    expect(explore(program).scenarios[0]!.verdict).toBe('ok');
  });

  test('unmapping while the fence is pending is a DMA after unmap: the importer unmaps after its fence', () => {
    const spec = revoke(waitLine, '        dma_buf_unmap_attachment(attach, sgt)\n        sgt = none');
    expect(rules(scenario(runSpec(spec, 'revoke.lspec'), 'revoke_under_dma'))).toEqual(['model.dma_after_unmap']);
  });

  test('dma_resv_add_fence without the reservation lock is the kernel check dmabuf.add_fence_locked, on without use', () => {
    const spec = revoke(waitLine).replace('    lock buf.resv {\n      sgt = dma_buf_map_attachment(att)\n      hw_start(nic, sgt)\n    }', '    lock buf.resv {\n      sgt = dma_buf_map_attachment(att)\n      hw_start(nic, sgt)\n    }\n    dma_resv_add_fence(buf.resv, dma_fence_init(), DMA_RESV_USAGE_WRITE)');
    const r = scenario(runSpec(spec, 'revoke.lspec'), 'revoke_under_dma');
    expect(rules(r)).toContain('dmabuf.add_fence_locked');
  });

  test('a fence nobody signals makes an unbounded wait a deadlock that names it', () => {
    const spec = `${p2pTopology}
driver d for gpu {
  state { f: dma_fence? }
  action start() { f = dma_fence_init() }
  action wait() { let r = dma_fence_wait(f) }
}
scenario never_signalled {
  d.start()
  d.wait()
  expect deadlock
}
`;
    const r = scenario(runSpec(spec, 'fence.lspec'), 'never_signalled');
    expect(r.deadlock?.waiting).toEqual([{ thread: 'main', on: 'dma_fence#2 (a fence its driver signals with dma_fence_signal) to signal' }]);
  });
});

describe('bounded waits', () => {
  const spec = `${p2pTopology}
driver d for gpu {
  state { done: completion?  f: dma_fence?  timed_out: bool }
  action start() {
    done = init_completion()
    f = dma_fence_init()
  }
  action finish() { complete(done) }
  action wait_bounded() {
    if wait_for_completion_timeout(done, 1000) == 0 { timed_out = true }
  }
  action wait_forever() { let r = wait_for_completion_timeout(done, MAX_SCHEDULE_TIMEOUT) }
  action fence_bounded() {
    if dma_fence_wait_timeout(f, false, 1000) == 0 { timed_out = true }
  }
  action never_times_out() { assert !timed_out, "the wait timed out" }
}
scenario times_out_without_complete {
  d.start()
  d.wait_bounded()
  d.never_times_out()
  expect violation model.assert
}
scenario may_time_out_even_with_a_complete_coming {
  d.start()
  parallel {
    { d.wait_bounded() }
    { d.finish() }
  }
  d.never_times_out()
  expect violation model.assert
}
scenario done_first_never_times_out {
  d.start()
  d.finish()
  d.wait_bounded()
  d.never_times_out()
  expect ok
}
scenario unbounded_is_a_deadlock {
  d.start()
  d.wait_forever()
  expect deadlock
}
scenario fence_times_out {
  d.start()
  d.fence_bounded()
  d.never_times_out()
  expect violation model.assert
}
`;
  const results = runSpec(spec, 'waits.lspec');

  test('a bounded wait whose event never comes times out (0) instead of hanging', () => {
    const r = scenario(results, 'times_out_without_complete');
    expect(rules(r)).toEqual(['model.assert']);
    expect(r.deadlock).toBeUndefined();
    const v = violation(r, 'model.assert');
    expect(v.trace.map((s) => s.event)).toEqual(['d.start()', 'init_completion() → completion#2', 'dma_fence_init() → dma_fence#3', 'd.wait_bounded()', 'wait_for_completion_timeout(completion#2, 1000)', 'wait_for_completion_timeout(completion#2, 1000) resumes → 0', 'd.never_times_out()']);
  });

  test('both outcomes are explored while the event is still to come; after it, only success', () => {
    expect(rules(scenario(results, 'may_time_out_even_with_a_complete_coming'))).toEqual(['model.assert']);
    expectQuiet(scenario(results, 'done_first_never_times_out'));
  });

  test('MAX_SCHEDULE_TIMEOUT waits for good: a deadlock naming the completion', () => {
    expect(scenario(results, 'unbounded_is_a_deadlock').deadlock?.waiting).toEqual([{ thread: 'main', on: 'completion#2 to be completed' }]);
  });

  test('dma_fence_wait_timeout times out like the others', () => {
    expect(rules(scenario(results, 'fence_times_out'))).toEqual(['model.assert']);
  });
});

describe('the last put defers release (fput)', () => {
  const spec = `use pci.rules

topology {
  host_bridge hb
  device gpu under hb { bar 0 size 64M }
  device nic under hb
}

driver exp for gpu {
  state { buf: dma_buf? }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return dma_map_sgtable(attach.dev) }
    unmap_dma_buf(attach, sgt) { dma_unmap_sgtable(sgt) }
    release(b) { mmio_write(gpu, 0) }
  }
  probe(dev) { buf = dma_buf_export(bops) }
  remove(dev) { dma_buf_put(buf) }
}

driver user for nic {
  state { held: dma_buf?  got: bool }
  action take(b: dma_buf) {
    held = b
    got = dma_buf_try_get(b)
  }
  action got_it(v: bool) { assert got == v }
}

scenario release_after_remove_and_devres {
  bind exp
  unbind exp
  expect violation pci.no_mmio_after_remove
}

scenario release_from_the_hotplug_thread {
  bind exp
  unplug gpu
  expect violation pci.no_mmio_after_remove
}
`;
  const results = runSpec(spec, 'release.lspec');
  const releaseLine = lineAt(spec, spec.indexOf('mmio_write(gpu, 0)'));

  test("release runs on the task's return to user space: after remove() and devres, so its MMIO is after remove", () => {
    const v = violation(scenario(results, 'release_after_remove_and_devres'), 'pci.no_mmio_after_remove');
    const tail = v.trace.slice(-4).map((s) => `${s.thread} ${s.event}`);
    expect(tail).toEqual(['main dma_buf_put(dma_buf#4) · binding#2 ends', 'fput1 dma_buf_release dma_buf#4', 'fput1 exp.bops.release(dma_buf#4)', 'fput1 mmio_write(gpu, 0) · dma_buf#4 ends']);
    expect(v.trace.at(-1)!.line).toBe(releaseLine);
  });

  test('from a kernel thread (a surprise removal) it runs later, on the delayed fput work', () => {
    const v = violation(scenario(results, 'release_from_the_hotplug_thread'), 'pci.no_mmio_after_remove');
    expect(v.trace.at(-1)).toMatchObject({ thread: 'fput1', line: releaseLine });
  });

  test('the release runs before the task goes on to its next line, and dma_buf_try_get fails once the last reference is gone', () => {
    const more = `${spec}
scenario try_get_after_last_put {
  bind exp
  bind user
  let b = exp.buf_now()
  unbind exp
  user.take(b)
  user.got_it(false)
  expect ok
}
scenario try_get_before {
  bind exp
  bind user
  let b = exp.buf_now()
  user.take(b)
  user.got_it(true)
  expect ok
}
`.replace('  remove(dev) { dma_buf_put(buf) }', '  remove(dev) { dma_buf_put(buf) }\n  action buf_now() -> dma_buf { return buf }').replace('release(b) { mmio_write(gpu, 0) }', 'release(b) { }');
    const r = runSpec(more, 'release.lspec');
    expectQuiet(scenario(r, 'try_get_after_last_put'));
    expectQuiet(scenario(r, 'try_get_before'));
  });
});

describe('dmabuf.unmap_after_invalidate (leads_to)', () => {
  const spec = (moveNotify: string) => `use dmabuf.rules
${p2pTopology}
driver exp for gpu {
  state { b: dma_buf? }
  ops bops : dma_buf_ops {
    map_dma_buf(attach) { return p2pdma_map(vram, attach.dev) }
    unmap_dma_buf(attach, sgt) { p2pdma_unmap(sgt) }
    release(buf) { }
  }
  action export() -> dma_buf {
    b = dma_buf_export(bops, vram)
    return b
  }
  action move() { lock b.resv { dma_buf_move_notify(b) } }
}
driver imp for nic {
  state { sgt: sg_table? }
  ops iops : dma_buf_attach_ops {
    allow_peer2peer = true
    move_notify(attach) { ${moveNotify} }
  }
  action attach_only(buf: dma_buf) { let a = dma_buf_dynamic_attach(buf, nic, iops) }
  action map(buf: dma_buf) {
    let a = dma_buf_dynamic_attach(buf, nic, iops)
    lock buf.resv { sgt = dma_buf_map_attachment(a) }
  }
}
scenario invalidated {
  bind exp
  bind imp
  let b = exp.export()
  imp.map(b)
  exp.move()
}
scenario nothing_mapped {
  bind exp
  bind imp
  let b = exp.export()
  imp.attach_only(b)
  exp.move()
}
`;

  test('an importer that keeps its mapping after move_notify breaks it; one that unmaps holds; one with nothing mapped owes nothing', () => {
    const lazy = runSpec(spec(''), 'lazy.lspec');
    const v = violation(scenario(lazy, 'invalidated'), 'dmabuf.unmap_after_invalidate');
    expect(v.message).toBe('`mapping_invalidated(a, s)` (a = attachment#7, s = sg_table#8) is never answered by `dma_buf_unmap_attachment(a, s)`');
    expect(v.trace.at(-1)!.event).toBe('the scenario ends');
    expectQuiet(scenario(lazy, 'nothing_mapped'));
    const prompt = runSpec(spec('if sgt != none { dma_buf_unmap_attachment(attach, sgt)\n sgt = none }'), 'prompt.lspec');
    expectQuiet(scenario(prompt, 'invalidated'));
  });
});

describe('docs/language.md §20', () => {
  const doc = readFileSync(new URL('../docs/language.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## 20. Time'));
  const block = /```lspec\n([\s\S]*?)```/.exec(section)![1]!;

  test('the example holds as written, and without its fence wait it is model.dma_after_free, as the text says', () => {
    expectQuiet(scenario(runSpec(block, 'docs-20.lspec'), 'revoke_waits_for_the_fence'));
    const without = block.replace(/\n.*dma_resv_wait_timeout\(b\.resv.*\n/, '\n').replace('expect ok', 'expect violation model.dma_after_free');
    const r = scenario(runSpec(without, 'docs-20.lspec'), 'revoke_waits_for_the_fence');
    expect(r.expectMet).toBe(true);
    expect(violation(r, 'model.dma_after_free').trace.at(-1)!.thread).toBe('hw:nic');
  });
});
