// The models' own rules (LANGUAGE.md §5, docs/language.md §15): each `model.*`
// violation and each kind of deadlock fires on a small spec and stays quiet on
// a close variant; then PCI, P2PDMA and DMA-BUF behaviour a kernel engineer
// relies on. Specs live in test/fixtures/specs/; the expected trace lengths and
// lines were worked out from the step semantics (one visible instruction per
// step, a callback's entry a step of its own) and then confirmed by running.
import { describe, expect, test } from 'vitest';
import { check } from '../src/index.js';
import { expectQuiet, fixture, lineAt, rules, runSpec, scenario, violation } from './support/specs.js';

describe('each model violation fires, and a close variant is quiet', () => {
  const cases = [
    // Detach, then map the detached attachment: fatal at the map.
    { rule: 'model.use_after_free', file: 'model-use-after-free.lspec', steps: 9, line: 27, event: 'dma_buf_map_attachment(attachment#7)' },
    // The error path unmaps, then the teardown unmaps the same table again.
    { rule: 'model.double_unmap', file: 'model-double-unmap.lspec', steps: 8, line: 24, event: 'p2pdma_unmap(sg_table#5)' },
    // Detach with the mapping still live.
    { rule: 'model.leak', file: 'model-leak.lspec', steps: 12, line: 32, event: 'dma_buf_detach(dma_buf#6, attachment#7) · attachment#7 ends' },
    // The unbind frees the BAR in the step before; the armed NIC's next DMA hits it.
    { rule: 'model.dma_after_free', file: 'model-dma-after-free.lspec', steps: 7, line: 18, event: 'DMA through sg_table#5', thread: 'hw:nic' },
    { rule: 'model.dma_after_unmap', file: 'model-dma-after-unmap.lspec', steps: 8, line: 18, event: 'DMA through sg_table#5', thread: 'hw:nic' },
    { rule: 'model.iommu_fault', file: 'model-iommu-fault.lspec', steps: 9, line: 22, event: 'DMA through sg_table#6', thread: 'hw:nic' },
    { rule: 'model.null_deref', file: 'model-null-deref.lspec', steps: 4, line: 17, event: 'hw_start(nic, none)' },
    // The step is the action call; its last line is the assert that failed inside it.
    { rule: 'model.assert', file: 'model-assert.lspec', steps: 4, line: 13, event: 'gpu_drv.last_close()' },
    // The error path's `fail ENODEV` belongs to the same step, and fails the scenario line.
    { rule: 'model.bad_unlock', file: 'model-bad-unlock.lspec', steps: 3, line: 14, event: 'mutex_unlock(gpu_drv.dev_lock) · gpu_drv.ioctl_buggy → ENODEV' },
  ];

  test.each(cases)('$rule ($file)', ({ rule, file, steps, line, event, thread }) => {
    const r = runSpec(fixture(file), file);
    const fires = scenario(r, 'fires');
    expect(rules(fires)).toEqual([rule]);
    expect(fires).toMatchObject({ verdict: 'violated', expectMet: true });
    const trace = violation(fires, rule).trace;
    expect(trace).toHaveLength(steps);
    expect(trace.at(-1)).toMatchObject({ step: steps, thread: thread ?? 'main', event, uri: file, line });
    expectQuiet(scenario(r, 'quiet'));
  });

  test('messages name the objects involved', () => {
    const msg = (file: string, rule: string) => violation(scenario(runSpec(fixture(file), file), 'fires'), rule).message;
    expect(msg('model-use-after-free.lspec', 'model.use_after_free')).toBe('dma_buf_map_attachment of attachment#7, which has been detached');
    expect(msg('model-leak.lspec', 'model.leak')).toBe('attachment#7 is detached with sg_table#8 still mapped');
    expect(msg('model-dma-after-free.lspec', 'model.dma_after_free')).toBe('nic DMA through sg_table#5: its provider gpu_bar0#3 is destroyed (DMA into freed MMIO)');
    expect(msg('model-iommu-fault.lspec', 'model.iommu_fault')).toBe('nic DMA through sg_table#6: its iova#5 was unmapped (IOMMU fault)');
    expect(msg('model-assert.lspec', 'model.assert')).toBe('assertion failed: last close with other openers');
    expect(msg('model-bad-unlock.lspec', 'model.bad_unlock')).toBe('gpu_drv.dev_lock is unlocked by main, which does not hold it');
  });

  test('the order in remove() matters only for a device that is still there to DMA', () => {
    const r = runSpec(fixture('model-dma-after-unmap.lspec'));
    const unbind = scenario(r, 'unbind_unmaps_first');
    expect(rules(unbind)).toEqual(['model.dma_after_unmap']);
    const trace = violation(unbind, 'model.dma_after_unmap').trace;
    expect(trace.map((s) => s.event).slice(-3)).toEqual(['nic_drv.remove(nic)', 'p2pdma_unmap(sg_table#5) · sg_table#5 ends', 'DMA through sg_table#5']);
    // A surprise-removed device does no DMA: the same remove() is harmless after unplug.
    expectQuiet(scenario(r, 'unplug_unmaps_first'));
  });

  test('model.double_unmap does not stop the run; a later oops on the same run is found too', () => {
    // After the teardown the field is none: a second error_path unmaps none.
    const text = fixture('model-double-unmap.lspec').replace('  nic_drv.teardown()\n  expect', '  nic_drv.teardown()\n  nic_drv.error_path()\n  expect');
    const fires = scenario(runSpec(text), 'fires');
    expect(rules(fires)).toEqual(['model.double_unmap', 'model.null_deref']);
    expect(violation(fires, 'model.double_unmap').trace).toHaveLength(8);
    const oops = violation(fires, 'model.null_deref');
    expect(oops.message).toBe('p2pdma_unmap of none');
    expect(oops.trace.slice(0, 8)).toEqual(violation(fires, 'model.double_unmap').trace);
    expect(oops.trace.map((x) => x.event).slice(8)).toEqual(['nic_drv.error_path()', 'p2pdma_unmap(none)']);
  });
});

describe('deadlocks', () => {
  const r = runSpec(fixture('model-deadlock.lspec'), 'model-deadlock.lspec');

  test('a lock-order cycle between two parallel threads', () => {
    const cycle = scenario(r, 'lock_cycle');
    expect(cycle).toMatchObject({ verdict: 'deadlock', violations: [], expectMet: true });
    const d = cycle.deadlock!;
    // bind, then t1 enters ioctl and takes dev_lock, t2 enters reclaim_inverted and takes mem_lock.
    const deadlockText = fixture('model-deadlock.lspec');
    expect(d.trace.map((s) => [s.thread, s.event, lineAt(deadlockText, s.offset)])).toEqual([
      ['main', 'bind gpu_drv', 57],
      ['t1', 'gpu_drv.ioctl()', 59],
      ['t1', 'lock gpu_drv.dev_lock', 19],
      ['t2', 'gpu_drv.reclaim_inverted()', 60],
      ['t2', 'lock gpu_drv.mem_lock', 24],
    ]);
    expect(d.waiting).toEqual([
      { thread: 'main', on: 'its parallel branches' },
      { thread: 't1', on: 'gpu_drv.mem_lock held by t2' },
      { thread: 't2', on: 'gpu_drv.dev_lock held by t1' },
    ]);
    expectQuiet(scenario(r, 'lock_order'));
  });

  test('a thread locking a mutex it holds', () => {
    const self = scenario(r, 'self_deadlock');
    expect(self).toMatchObject({ verdict: 'deadlock', violations: [], expectMet: true });
    expect(self.deadlock!.trace).toHaveLength(4);
    expect(self.deadlock!.trace.at(-1)).toMatchObject({ thread: 'main', event: 'mutex_lock(gpu_drv.dev_lock)', line: 35 });
    expect(self.deadlock!.waiting).toEqual([{ thread: 'main', on: 'gpu_drv.dev_lock held by itself' }]);
    expectQuiet(scenario(r, 'relock_after_unlock'));
  });

  test('nested `lock` blocks of one mutex block on the inner one', () => {
    const text = `
topology { host_bridge hb0; device gpu under hb0 }
driver gpu_drv for gpu {
  state { m: mutex }
  action nested() {
    lock m {
      lock m { }
    }
  }
  action sequential() {
    lock m { }
    lock m { }
  }
}
scenario nested { bind gpu_drv; gpu_drv.nested(); expect deadlock }
scenario sequential { bind gpu_drv; gpu_drv.sequential() }
`;
    const res = runSpec(text);
    const nested = scenario(res, 'nested');
    expect(nested).toMatchObject({ verdict: 'deadlock', expectMet: true });
    expect(nested.deadlock!.trace.map((s) => lineAt(text, s.offset))).toEqual([15, 15, 6]);
    expect(nested.deadlock!.waiting).toEqual([{ thread: 'main', on: 'gpu_drv.m held by itself' }]);
    expectQuiet(scenario(res, 'sequential'));
  });

  test('a pgmap provider whose devres release waits for a mapping nobody will unmap', () => {
    const held = scenario(r, 'pgmap_held');
    expect(held).toMatchObject({ verdict: 'deadlock', violations: [], expectMet: true });
    expect(held.deadlock!.trace).toHaveLength(5);
    expect(held.deadlock!.trace.at(-1)).toMatchObject({ thread: 'main', event: 'unbind gpu_drv', line: 88 });
    expect(held.deadlock!.waiting).toEqual([
      { thread: 'main', on: 'devres release of pgmap providers still referenced by sg_table#7 on gpu_bar0#5' },
    ]);
    expectQuiet(scenario(r, 'pgmap_released'));
  });

  test('p2pdma_provider_destroy of a referenced pgmap provider waits too, and resumes once the pages are dropped', () => {
    const text = `
topology { host_bridge hb0; switch sw0 under hb0; device gpu under sw0 { bar 0 size 64M }; device nic under sw0 }
provider gpu_bar0 : p2pdma { device gpu; bar 0; lifetime pgmap }
driver gpu_drv for gpu {
  action destroy() { p2pdma_provider_destroy(gpu_bar0) }
}
driver nic_drv for nic {
  state { sgt: sg_table? }
  action grab() { sgt = p2pdma_map(gpu_bar0, nic) }
  action drop() { p2pdma_unmap(sgt) }
}
constraint gone_at_end { at end count(p2pdma_provider) == 0 }
scenario stuck {
  bind gpu_drv; bind nic_drv
  nic_drv.grab()
  gpu_drv.destroy()
  expect deadlock
}
scenario released_concurrently {
  bind gpu_drv; bind nic_drv
  nic_drv.grab()
  parallel {
    { gpu_drv.destroy() }
    { nic_drv.drop() }
  }
}
`;
    const res = runSpec(text);
    const stuck = scenario(res, 'stuck');
    expect(stuck).toMatchObject({ verdict: 'deadlock', expectMet: true });
    expect(stuck.deadlock!.waiting).toEqual([{ thread: 'main', on: 'pgmap gpu_bar0#3 to lose its page references (held by sg_table#5)' }]);
    expectQuiet(scenario(res, 'released_concurrently'));
  });
});

describe('PCI', () => {
  const r = runSpec(fixture('pci.lspec'), 'pci.lspec');

  test('MMIO reads 0 while present and all-ones after surprise removal, in remove() too', () => {
    // check_present asserts 0; unbind's remove() sees a present device (check_unbound).
    expectQuiet(scenario(r, 'mmio_present'));
    // check_gone asserts all-ones, and that remove() already read all-ones.
    expectQuiet(scenario(r, 'mmio_after_unplug'));
    const wrong = scenario(r, 'mmio_after_unplug_wrong');
    expect(rules(wrong)).toEqual(['model.assert']);
    const trace = violation(wrong, 'model.assert').trace;
    expect(trace).toHaveLength(8);
    expect(trace.map((s) => s.event)).toContain('mmio_read(gpu) → 4294967295 · binding#1 ends · gpu ends');
    expect(trace.at(-1)).toMatchObject({ event: 'mmio_read(gpu) → 4294967295', line: 24 });
  });

  test('binding twice: the line fails with EBUSY, nothing is violated and probe() does not run again', () => {
    expectQuiet(scenario(r, 'bind_twice'));
    const traced = scenario(r, 'bind_twice_traced');
    expect(rules(traced)).toEqual(['model.assert']);
    expect(violation(traced, 'model.assert').trace.map((s) => s.event)).toEqual([
      'bind gpu_drv',
      'gpu_drv.probe(gpu)',
      'mmio_read(gpu) → 0',
      'bind gpu_drv → EBUSY',
      'gpu_drv.check_gone()',
      'mmio_read(gpu) → 0',
    ]);
    // After an orderly unbind the driver binds and probes again: probed_once catches that probe.
    const rebind = scenario(r, 'rebind');
    expect(rules(rebind)).toEqual(['probed_once']);
    expect(violation(rebind, 'probed_once').trace).toHaveLength(9);
    expect(violation(rebind, 'probed_once').trace.at(-1)).toMatchObject({ event: 'mmio_read(gpu) → 0', line: 14 });
  });

  test('unplug, then bind: the line fails with ENODEV and the device stays gone', () => {
    const u = scenario(r, 'unplug_then_bind');
    expect(rules(u)).toEqual(['model.assert']);
    const events = violation(u, 'model.assert').trace.map((s) => s.event);
    expect(events).toContain('bind gpu_drv → ENODEV');
    expect(events.filter((e) => e === 'gpu_drv.probe(gpu)')).toHaveLength(1);
  });

  test('unbinding a driver that is not bound fails with ENODEV; it is not a violation', () => {
    const text = `
topology { host_bridge hb0; device gpu under hb0 }
driver gpu_drv for gpu { }
constraint never_ends { at end false }
scenario s { unbind gpu_drv; bind gpu_drv; unbind gpu_drv; unbind gpu_drv; expect violation never_ends }
`;
    const s = scenario(runSpec(text), 's');
    expect(rules(s)).toEqual(['never_ends']);
    expect(violation(s, 'never_ends').trace.map((x) => x.event)).toEqual([
      'unbind gpu_drv → ENODEV',
      'bind gpu_drv',
      'unbind gpu_drv · binding#1 ends',
      'unbind gpu_drv → ENODEV',
      'the scenario ends',
    ]);
  });
});

describe('PCI: devres releases in reverse order of creation', () => {
  const text = `
topology { host_bridge hb0; device gpu under hb0 { bar 0 size 64M; bar 2 size 1G; bar 4 size 16M } }
provider gpu_bar0 : p2pdma { device gpu; bar 0 }
provider gpu_bar2 : p2pdma { device gpu; bar 2 }
/// probe() adds a third provider, made by devres after the declared ones.
driver gpu_drv for gpu { probe(dev) { let p = pcim_p2pdma_provider(dev, 4) } }
constraint newest_first { destroy(gpu_bar2) before destroy(gpu_bar0) }
constraint oldest_first { destroy(gpu_bar0) before destroy(gpu_bar2) }
constraint show { at end false }
scenario unbind_releases { bind gpu_drv; unbind gpu_drv; expect violation oldest_first, show }
scenario unplug_releases { bind gpu_drv; unplug gpu; expect violation oldest_first, show }
`;

  test('on unbind and on unplug the newest provider ends first, and the binding last', () => {
    const r = runSpec(text);
    const last = {
      unbind_releases: 'unbind gpu_drv · gpu.bar4#4 ends · gpu_bar2#3 ends · gpu_bar0#2 ends · binding#1 ends',
      unplug_releases: 'unplug gpu · gpu.bar4#4 ends · gpu_bar2#3 ends · gpu_bar0#2 ends · binding#1 ends · gpu ends',
    };
    for (const [name, event] of Object.entries(last)) {
      const s = scenario(r, name);
      expect(rules(s)).toEqual(['oldest_first', 'show']);
      expect(violation(s, 'oldest_first').message).toBe('destroy(gpu_bar2#3) happened with no `destroy(gpu_bar0)` before it');
      expect(violation(s, 'show').trace.map((x) => x.event).slice(-2)).toEqual([event, 'the scenario ends']);
    }
  });
});

describe('the initial state', () => {
  const text = `
topology { host_bridge hb0; switch sw0 under hb0; device gpu under sw0 { bar 0 size 64M }; device nic under sw0 }
provider gpu_bar0 : p2pdma { device gpu; bar 0 }
driver gpu_drv for gpu {
  state {
    dev: pci_dev = gpu
    peer: pci_dev = nic
    route: map_type = BUS_ADDR
    limit: int = 2 + 3 - 1
    err: errno = ENODEV
  }
  action check() {
    assert dev == gpu && peer == nic, "the fields name the devices"
    assert mmio_read(dev) == 0, "the device the field names answers"
    assert pci_p2pdma_map_type(gpu_bar0, peer) == route, "the constant"
    assert limit == 4 && err == ENODEV, "arithmetic and errnos"
  }
}
scenario s { bind gpu_drv; gpu_drv.check() }
`;

  test('state field initialisers are evaluated: they may name devices and constants', () => {
    expectQuiet(scenario(runSpec(text), 's'));
    // The asserts are not vacuous: a wrong expectation fires.
    for (const [from, to, message] of [
      ['dev == gpu && peer == nic', 'dev == nic', 'the fields name the devices'],
      ['limit == 4', 'limit == 5', 'arithmetic and errnos'],
    ] as const) {
      expect(text).toContain(from);
      const s = scenario(runSpec(text.replace(from, to)), 's');
      expect(violation(s, 'model.assert').message).toBe(`assertion failed: ${message}`);
    }
  });

  test('an initialiser that calls a function is a check error', () => {
    const calling = text.replace('    limit: int = 2 + 3 - 1\n', '    limit: int = 2 + count(sg_table)\n');
    expect(calling).not.toBe(text);
    const { diagnostics } = check(calling, { uri: 'init.lspec' });
    expect(diagnostics.map((d) => [d.code, d.message, lineAt(calling, d.span.start), calling.slice(d.span.start, d.span.end)])).toEqual([
      ['not-callable', 'a state field starts with a value; `limit` cannot call a function to get it (set it in probe or an action)', 9, 'count(sg_table)'],
    ]);
  });
});

describe('PCI under races: the device lock', () => {
  const r = runSpec(fixture('pci-races.lspec'), 'pci-races.lspec');

  test('unbind racing a surprise removal runs remove() once', () => {
    // remove() asserts it follows a finished probe(), removed_once that it ran at most once.
    expectQuiet(scenario(r, 'unbind_races_unplug'));
  });

  test('the device vanishes during probe(), but remove() waits for probe() to return', () => {
    const race = scenario(r, 'bind_races_unplug');
    expect(rules(race)).toEqual(['probe_sees_device']);
    expect(violation(race, 'probe_sees_device').trace.map((x) => [x.thread, x.event])).toEqual([
      ['main', 'parallel'],
      ['t1', 'bind gpu_drv'],
      ['t1', 'gpu_drv.probe(gpu)'],
      ['t2', 'unplug gpu'],
      ['t1', 'mmio_read(gpu) → 4294967295'],
      ['t1', 'lock gpu_drv.fw_lock'],
      ['t2', 'unplug gpu resumes'],
      ['t2', 'gpu_drv.remove(gpu)'],
      ['t2', 'mmio_write(gpu, 0) · binding#2 ends · gpu ends'],
      ['main', 'join'],
      ['main', 'the scenario ends'],
    ]);
  });

  test('a removal waiting for a probe() that never returns: the deadlock names the device lock', () => {
    const stuck = scenario(r, 'probe_stuck_removal_waits');
    expect(stuck).toMatchObject({ verdict: 'deadlock', violations: [], expectMet: true });
    expect(stuck.deadlock!.waiting).toEqual([
      { thread: 'main', on: 'its parallel branches' },
      { thread: 't1', on: 'gpu_drv.fw_lock held by main' },
      { thread: 't2', on: 'the device lock of gpu, held by t1' },
    ]);
    expect(stuck.deadlock!.trace).toHaveLength(6);
    // One of the shortest: the unplug is already waiting when probe() reads the gone device.
    expect(stuck.deadlock!.trace.map((x) => x.event)).toContain('unplug gpu');
    expect(stuck.deadlock!.trace.at(-1)).toMatchObject({ thread: 't1', event: 'mmio_read(gpu) → 4294967295', line: 16 });
  });
});

describe('threads and steps', () => {
  const text = `
topology { host_bridge hb0; device gpu under hb0 { bar 0 size 64M } }
driver gpu_drv for gpu {
  state { n: int = 0 }
  action inc() { n = n + 1 }
  action check() { assert n == 2, "both branches ran" }
}
scenario first_line {
  parallel {
    { gpu_drv.inc() }
    { gpu_drv.inc() }
  }
  gpu_drv.check()
}
scenario after_bind {
  bind gpu_drv
  parallel {
    { gpu_drv.inc() }
    { gpu_drv.inc() }
  }
  gpu_drv.check()
}
`;

  test('a parallel block waits for its branches, also as a scenario\'s first line', () => {
    const r = runSpec(text);
    expectQuiet(scenario(r, 'first_line'));
    expectQuiet(scenario(r, 'after_bind'));
  });

  test('each scenario numbers its threads from t1', () => {
    const labelled = `${text}
constraint show { at end false }
`;
    const r = runSpec(labelled);
    for (const name of ['first_line', 'after_bind']) {
      const threads = new Set(violation(scenario(r, name), 'show').trace.map((x) => x.thread));
      expect([...threads].sort()).toEqual(['main', 't1', 't2']);
    }
  });

  test('a teardown that waited for pgmap pages resumes as `unbind DRIVER resumes`', () => {
    const pg = `
topology { host_bridge hb0; switch sw0 under hb0; device gpu under sw0 { bar 0 size 64M }; device nic under sw0 }
provider gpu_bar0 : p2pdma { device gpu; bar 0; lifetime pgmap }
driver gpu_drv for gpu {
  state { removed_with_pages: bool = false }
  remove(dev) { removed_with_pages = count(sg_table) > 0 }
}
driver nic_drv for nic {
  state { sgt: sg_table? }
  action grab() { sgt = p2pdma_map(gpu_bar0, nic) }
  action drop() { p2pdma_unmap(sgt) }
}
/// Only holds on the runs where the unmap came first; the others show the wait.
constraint unmapped_first { at end !gpu_drv.removed_with_pages }
scenario s {
  bind gpu_drv; bind nic_drv
  nic_drv.grab()
  parallel {
    { unbind gpu_drv }
    { nic_drv.drop() }
  }
  expect violation unmapped_first
}
`;
    const s = scenario(runSpec(pg), 's');
    expect(rules(s)).toEqual(['unmapped_first']);
    expect(violation(s, 'unmapped_first').trace.map((x) => [x.thread, x.event]).slice(4, 9)).toEqual([
      ['t1', 'unbind gpu_drv'],
      ['t1', 'gpu_drv.remove(gpu)'],
      ['t2', 'nic_drv.drop()'],
      ['t2', 'p2pdma_unmap(sg_table#5) · sg_table#5 ends'],
      ['t1', 'unbind gpu_drv resumes · gpu_bar0#3 ends · binding#2 ends'],
    ]);
  });
});

describe('P2PDMA routes from the topology', () => {
  const r = runSpec(fixture('p2pdma-routes.lspec'), 'p2pdma-routes.lspec');

  test('BUS_ADDR under one switch, THRU_HOST_BRIDGE across a host bridge that allows P2P (or with ACS on), else NOT_SUPPORTED', () => {
    expectQuiet(scenario(r, 'routes'));
    // `acs on` sends the same-switch route up to the host bridge.
    const wrong = scenario(r, 'wrong_route');
    expect(rules(wrong)).toEqual(['model.assert']);
    expect(violation(wrong, 'model.assert').trace.at(-1)).toMatchObject({ event: 'pci_p2pdma_map_type(gpu_bar0#10, nvme) → THRU_HOST_BRIDGE', line: 31 });
  });

  test('an IOVA only for a THRU_HOST_BRIDGE route behind a translating IOMMU; p2pdma_unmap removes it', () => {
    expectQuiet(scenario(r, 'iovas'));
    const noIova = fixture('p2pdma-routes.lspec').replace('gpu_drv.map_counting(fpga_bar2, dpu, 0)', 'gpu_drv.map_counting(fpga_bar2, dpu, 1)');
    const fires = scenario(runSpec(noIova), 'iovas');
    expect(rules(fires)).toEqual(['model.assert']);
    expect(violation(fires, 'model.assert').message).toBe('assertion failed: IOVAs made by the map');
  });

  test('no route (another host bridge, or `p2p denied`): p2pdma_map fails with EREMOTEIO, which `try` makes a value', () => {
    expectQuiet(scenario(r, 'no_route'));
    const exists = scenario(r, 'route_exists');
    expect(rules(exists)).toEqual(['model.assert']);
    expect(violation(exists, 'model.assert').trace.at(-1)).toMatchObject({ event: 'p2pdma_map(gpu_bar0#10, nic2) → sg_table#12', line: 44 });
  });

  test('without `try`, the EREMOTEIO fails the action, and the scenario line with it', () => {
    const text = `
topology {
  host_bridge hb0 { p2p allowed }
  device gpu under hb0 { bar 0 size 64M }
  host_bridge hb1 { p2p denied }
  device nic under hb1
}
provider gpu_bar0 : p2pdma { device gpu; bar 0 }
driver gpu_drv for gpu { }
driver nic_drv for nic {
  state { mapped: bool = false }
  action map() {
    let sgt = p2pdma_map(gpu_bar0, nic)
    mapped = true
  }
}
constraint map_attempts_fail { never p2pdma_map(_, _) ok }
constraint observed { at end !nic_drv.mapped }
scenario s { bind gpu_drv; bind nic_drv; nic_drv.map() }
`;
    const s = scenario(runSpec(text), 's');
    expectQuiet(s);
  });
});

describe('DMA-BUF', () => {
  const text = fixture('dmabuf.lspec');
  const r = runSpec(text, 'dmabuf.lspec');
  const variant = (from: string, to: string) => {
    expect(text).toContain(from);
    return runSpec(text.replace(from, to), 'dmabuf.lspec');
  };

  test('an exporter with pin but no unpin: dma_buf_export fails with EINVAL at run time', () => {
    expectQuiet(scenario(r, 'pin_unpin_pairing'));
    // With unpin added the export succeeds, and the assert that it failed fires.
    const paired = variant('    pin(a) { return 0 }\n', '    pin(a) { return 0 }\n    unpin(a) { }\n');
    expect(rules(scenario(paired, 'pin_unpin_pairing'))).toEqual(['model.assert']);
  });

  test('a static importer of a dynamic exporter is pinned at map time and unpinned at unmap', () => {
    expectQuiet(scenario(r, 'static_importer_pinned_at_map'));
    const notYet = variant('  nic_drv.map(buf)\n  gpu_drv.check_pins(1, 0)', '  nic_drv.map(buf)\n  gpu_drv.check_pins(0, 0)');
    expect(rules(scenario(notYet, 'static_importer_pinned_at_map'))).toEqual(['model.assert']);
    const stillPinned = variant('  nic_drv.unmap(buf)\n  gpu_drv.check_pins(1, 1)', '  nic_drv.unmap(buf)\n  gpu_drv.check_pins(1, 0)');
    expect(violation(scenario(stillPinned, 'static_importer_pinned_at_map'), 'model.assert').message).toBe('assertion failed: unpins');
    // A dynamic importer is not pinned for it.
    expectQuiet(scenario(r, 'dynamic_importer_not_pinned'));
  });

  test('a map that fails after its map-time pin unpins again', () => {
    expectQuiet(scenario(r, 'failed_map_unpins'));
    const leftPinned = variant('  nic_drv.map(buf)\n  gpu_drv.check_pins(1, 1)', '  nic_drv.map(buf)\n  gpu_drv.check_pins(1, 0)');
    const v = violation(scenario(leftPinned, 'failed_map_unpins'), 'model.assert');
    expect(v.message).toBe('assertion failed: unpins');
    // pin, the refused map, then the unpin that undoes the pin.
    expect(v.trace.map((x) => x.event.split(' ')[0]).slice(10, 13)).toEqual([
      'gpu_drv.dyn_ops.pin(attachment#8)',
      'gpu_drv.dyn_ops.map_dma_buf(attachment#8)',
      'gpu_drv.dyn_ops.unpin(attachment#8)',
    ]);
  });

  test('a failing unpin callback does not fail dma_buf_unpin (the kernel\'s unpin returns void); a failing pin does fail dma_buf_pin', () => {
    const text = `
topology { host_bridge hb0; switch sw0 under hb0; device gpu under sw0 { bar 0 size 64M }; device nic under sw0 }
provider gpu_bar0 : p2pdma { device gpu; bar 0 }
driver gpu_drv for gpu {
  ops dyn_ops : dma_buf_ops {
    pin(a) { return 0 }
    unpin(a) { fail EIO }
    map_dma_buf(a) { return p2pdma_map(gpu_bar0, a.dev) }
    unmap_dma_buf(a, sgt) { p2pdma_unmap(sgt) }
    release(buf) { }
  }
  action export() -> dma_buf { return dma_buf_export(dyn_ops, gpu_bar0) }
}
driver nic_drv for nic {
  state { att: attachment?  done: bool = false }
  ops importer : dma_buf_attach_ops { move_notify(a) { } }
  action pin_unpin(buf: dma_buf) {
    att = dma_buf_dynamic_attach(buf, nic, importer)
    lock buf.resv {
      dma_buf_pin(att)
      dma_buf_unpin(att)
    }
    done = true
  }
}
constraint unpin_call_fails { never dma_buf_unpin(_) fails }
constraint unpin_callback_fails { never gpu_drv.dyn_ops.unpin(_) fails }
constraint finished { at end nic_drv.done }
scenario s {
  bind gpu_drv; bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.pin_unpin(buf)
}
`;
    // The callback fails (its end event says so), but the call and the action go on.
    const s = scenario(runSpec(text), 's');
    expect(rules(s)).toEqual(['unpin_callback_fails']);
    expect(violation(s, 'unpin_callback_fails').trace.at(-1)).toMatchObject({ event: 'gpu_drv.dyn_ops.unpin(attachment#7)', line: 7 });
    // A failing pin fails dma_buf_pin, and the action with it.
    const pinFails = scenario(runSpec(text.replace('pin(a) { return 0 }', 'pin(a) { fail EIO }')), 's');
    expect(rules(pinFails)).toEqual(['finished']);
  });

  test('the pin callback runs inside dma_buf_map_attachment, before map_dma_buf, for static importers only', () => {
    // pinned_before_mapped holds for the static importer above, and catches the dynamic one.
    const dyn = scenario(r, 'dynamic_importer_mapped');
    expect(rules(dyn)).toEqual(['pinned_before_mapped']);
    const trace = violation(dyn, 'pinned_before_mapped').trace;
    expect(trace.at(-1)).toMatchObject({ event: 'gpu_drv.dyn_ops.map_dma_buf(attachment#8)', line: 27 });
  });

  test('dma_buf_move_notify calls move_notify once on every dynamic attachment, and not on static ones', () => {
    expectQuiet(scenario(r, 'move_notify_every_dynamic'));
    const three = variant('  nic_drv.check_notified(2)', '  nic_drv.check_notified(3)');
    expect(rules(scenario(three, 'move_notify_every_dynamic'))).toEqual(['model.assert']);
    const none = variant('  nic2_drv.check_notified(1)', '  nic2_drv.check_notified(0)');
    expect(rules(scenario(none, 'move_notify_every_dynamic'))).toEqual(['model.assert']);
  });

  test('dma_buf_move_notify notifies in every order, whatever order the attachments were made in', () => {
    // a1, a2 (nic_drv) and a3 (nic2_drv) are attached in that order; each order rule is broken by some walk.
    const text = `${fixture('dmabuf.lspec')}
constraint nic2_first { nic2_drv.importer.move_notify(_) before nic_drv.importer.move_notify(_) }
constraint nic_first { nic_drv.importer.move_notify(_) before nic2_drv.importer.move_notify(_) }
`;
    const s = scenario(runSpec(text), 'move_notify_every_dynamic');
    expect(rules(s)).toEqual(['nic2_first', 'nic_first']);
    // Each trace ends at the first notification, made straight after the walk starts.
    for (const rule of ['nic2_first', 'nic_first']) {
      const t = violation(s, rule).trace;
      expect(t.at(-2)!.event).toMatch(/^dma_buf_move_notify\(dma_buf#\d+\)$/);
      expect(t.at(-1)!.event).toMatch(rule === 'nic_first' ? /^nic2_drv\.importer\.move_notify/ : /^nic_drv\.importer\.move_notify/);
    }
  });

  test('release runs on the last put only; a put after it is a use after free', () => {
    expectQuiet(scenario(r, 'release_on_last_put'));
    const early = variant('  nic_drv.put(buf)\n  gpu_drv.check_releases(0)', '  nic_drv.put(buf)\n  gpu_drv.check_releases(1)');
    expect(rules(scenario(early, 'release_on_last_put'))).toEqual(['model.assert']);
    const twice = scenario(r, 'put_after_release');
    expect(rules(twice)).toEqual(['model.use_after_free']);
    const trace = violation(twice, 'model.use_after_free').trace;
    // The last put defers the release (fput()): it runs on its own thread before the task's next line.
    expect(trace).toHaveLength(10);
    expect(trace[6]).toMatchObject({ thread: 'fput1', event: 'dma_buf_release dma_buf#7', line: 92 });
    expect(trace[7]).toMatchObject({ thread: 'fput1', event: 'gpu_drv.dyn_ops.release(dma_buf#7) · dma_buf#7 ends', line: 32 });
    expect(trace.at(-1)).toMatchObject({ event: 'dma_buf_put(dma_buf#7)', line: 92 });
  });

  test('dropping the last reference with an attachment left is model.leak', () => {
    const left = scenario(r, 'last_put_still_attached');
    // dma_buf_release()'s WARN_ON(!list_empty(&dmabuf->attachments)) is a kernel check, on by default.
    expect(rules(left)).toEqual(['dmabuf.detach_before_release', 'model.leak']);
    // dma_buf_release() WARNs when it runs, after the last put: on the deferred release's thread.
    expect(violation(left, 'model.leak').message).toBe('dma_buf#7 is released with attachment#8 still attached');
    expect(violation(left, 'model.leak').trace).toHaveLength(9);
    expect(violation(left, 'model.leak').trace.at(-1)).toMatchObject({ thread: 'fput1', event: 'dma_buf_release dma_buf#7' });
  });

  test('`faults on` explores the ENOMEM branch of every primitive that can fail, and only while it is on', () => {
    const f = runSpec(fixture('faults.lspec'), 'faults.lspec');
    expectQuiet(scenario(f, 'unchecked_no_faults'));
    expectQuiet(scenario(f, 'faults_off_again'));
    const unchecked = scenario(f, 'unchecked_with_faults');
    expect(rules(unchecked)).toEqual(['map_never_fails', 'model.null_deref']);
    expect(unchecked.expectMet).toBe(true);
    const oops = violation(unchecked, 'model.null_deref');
    expect(oops.message).toBe('hw_start through ENOMEM: there is no mapping');
    expect(oops.trace.map((s) => s.event).slice(-2)).toEqual(['p2pdma_map(gpu_bar0#3, nic) → ENOMEM', 'hw_start(nic, ENOMEM)']);
    // A driver that handles the failure only meets the rule that says failures do not happen.
    const checked = scenario(f, 'checked_with_faults');
    expect(rules(checked)).toEqual(['map_never_fails']);
    // Its `fail ENOMEM` runs in the same step and fails the `nic_drv.start()` line.
    expect(violation(checked, 'map_never_fails').trace.at(-1)).toMatchObject({ event: 'p2pdma_map(gpu_bar0#3, nic) → ENOMEM · nic_drv.start → ENOMEM', line: 18 });
    // Both branches were explored: more states than without faults.
    expect(checked.states).toBeGreaterThan(scenario(f, 'unchecked_no_faults').states);
  });
});
