// Constraints (LANGUAGE.md §6, docs/language.md §11): every rule form and
// every kind of pattern fires on one scenario and stays quiet on a close one.
// Each test adds its constraints and scenarios to the drivers of
// test/fixtures/specs/constraints-base.lspec: a VFIO-like exporter `gpu_drv`,
// an importer `nic_drv` that zaps its mapping in move_notify, a forgetful
// importer `nic2_drv`, and `fpga_drv` with a `manual` provider.
import { describe, expect, test } from 'vitest';
import { check, type ScenarioResult } from '../src/index.js';
import { expectQuiet, fixture, rules, runSpec, scenario, violation, type Located } from './support/specs.js';

const base = fixture('constraints-base.lspec');

/** The base drivers plus `extra` (constraints and scenarios), explored. */
function withBase(extra: string): Map<string, Located> {
  return runSpec(`${base}\n${extra}`, 'constraints.lspec');
}

/** The last step of a rule's shortest trace. */
function lastEvent(r: Located, rule: string): string {
  return violation(r, rule).trace.at(-1)!.event;
}

describe('lifetime K within F', () => {
  test('a mapping that outlives its provider; the importer that unmaps in move_notify is quiet', () => {
    const r = withBase(`
constraint mapping_in_provider {
  lifetime sg_table within provider
}
// nic2_drv's move_notify stops its engine but keeps the pages mapped.
scenario fires {
  bind gpu_drv
  bind nic2_drv
  let buf = gpu_drv.export()
  nic2_drv.reg_mr(buf)
  unbind gpu_drv
}
scenario quiet {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  unbind gpu_drv
}
`);
    const fires = scenario(r, 'fires');
    expect(rules(fires)).toEqual(['mapping_in_provider']);
    const v = violation(fires, 'mapping_in_provider');
    expect(v.message).toBe('sg_table#10 outlives its provider gpu_bar0#5 (p2pdma_provider ended first)');
    // The provider ends in the step where remove() returns and devres runs.
    expect(v.trace).toHaveLength(17);
    expect(v.trace.at(-1)).toMatchObject({ event: 'hw_stop(nic2, sg_table#10) · gpu_bar0#5 ends · binding#4 ends', line: 127 });
    expectQuiet(scenario(r, 'quiet'));
  });

  test('a `manual` provider left behind by remove() outlives its binding', () => {
    const r = withBase(`
constraint provider_in_binding {
  lifetime p2pdma_provider within binding
}
scenario fires {
  bind fpga_drv
  fpga_drv.leave_provider()
  unbind fpga_drv
}
scenario quiet {
  bind fpga_drv
  unbind fpga_drv
}
`);
    const fires = scenario(r, 'fires');
    expect(rules(fires)).toEqual(['provider_in_binding']);
    expect(violation(fires, 'provider_in_binding').message).toBe('fpga_bar2#5 outlives its binding binding#4 (binding ended first)');
    expectQuiet(scenario(r, 'quiet'));
  });

  test('an object created after the object its field names ended breaks the rule at birth', () => {
    const r = withBase(`
constraint mapping_in_provider {
  lifetime sg_table within provider
}
// The exporter forgets its revoke check and maps through the freed provider.
scenario fires {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.ignore_revoke()
  unbind gpu_drv
  nic_drv.reg_mr(buf)
  expect violation mapping_in_provider, model.use_after_free
}
scenario quiet {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  unbind gpu_drv
  nic_drv.reg_mr(buf)
}
`);
    const fires = scenario(r, 'fires');
    expect(rules(fires)).toEqual(['mapping_in_provider', 'model.use_after_free']);
    expect(violation(fires, 'mapping_in_provider').message).toBe('sg_table#10 is created after its provider gpu_bar0#5 ended');
    expectQuiet(scenario(r, 'quiet'));
  });
});

describe('A before B', () => {
  const r = withBase(`
/// The device stops DMA through a mapping before that mapping is unmapped.
constraint stop_before_unmap {
  hw_stop(_, s) before p2pdma_unmap(s)
}
/// The same without the shared variable: any stop satisfies any unmap.
constraint some_stop_before_unmap {
  hw_stop(_, _) before p2pdma_unmap(_)
}
scenario same_mapping {
  bind fpga_drv
  bind nic_drv
  let s1 = nic_drv.map_fpga()
  let s2 = nic_drv.map_fpga()
  nic_drv.stop(s1)
  nic_drv.unmap(s1)
  nic_drv.stop(s2)
  nic_drv.unmap(s2)
}
scenario other_mapping {
  bind fpga_drv
  bind nic_drv
  let s1 = nic_drv.map_fpga()
  let s2 = nic_drv.map_fpga()
  nic_drv.stop(s1)
  nic_drv.unmap(s2)
  nic_drv.unmap(s1)
}
scenario no_stop {
  bind fpga_drv
  bind nic_drv
  let s1 = nic_drv.map_fpga()
  nic_drv.unmap(s1)
}
`);

  test('a shared variable relates the same object: stopping each mapping before its unmap is quiet', () => {
    expectQuiet(scenario(r, 'same_mapping'));
  });

  test('a stop of a different mapping does not satisfy it (but does satisfy the rule without the variable)', () => {
    const other = scenario(r, 'other_mapping');
    expect(rules(other)).toEqual(['stop_before_unmap']);
    const v = violation(other, 'stop_before_unmap');
    expect(v.message).toBe('p2pdma_unmap(sg_table#8) happened with no `hw_stop(_, s)` before it');
    expect(v.trace).toHaveLength(10);
    expect(v.trace.at(-1)).toMatchObject({ event: 'p2pdma_unmap(sg_table#8) · sg_table#8 ends', line: 112 });
  });

  test('with no stop at all, both forms fire', () => {
    expect(rules(scenario(r, 'no_stop'))).toEqual(['some_stop_before_unmap', 'stop_before_unmap']);
  });

  test('`destroy(b)` sharing a variable with a dma_buf event matches only buffers', () => {
    const res = withBase(`
constraint revoked_before_freed {
  dma_buf_move_notify(b) before destroy(b)
}
// The buffer's resv mutex, the provider and the binding all end too: none of them is \`b\`.
scenario quiet {
  bind gpu_drv
  let buf = gpu_drv.export()
  gpu_drv.revoke(buf)
  gpu_drv.put(buf)
  unbind gpu_drv
}
scenario fires {
  bind gpu_drv
  let buf = gpu_drv.export()
  gpu_drv.put(buf)
}
`);
    expectQuiet(scenario(res, 'quiet'));
    const fires = scenario(res, 'fires');
    expect(rules(fires)).toEqual(['revoked_before_freed']);
    expect(violation(fires, 'revoked_before_freed').message).toBe('destroy(dma_buf#7) happened with no `dma_buf_move_notify(b)` before it');
  });
});

describe('never A, never A after B, and ok/fails outcomes', () => {
  test('never A', () => {
    const r = withBase(`
constraint dynamic_only {
  never dma_buf_attach(_, _)
}
scenario fires {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr_static(buf)
}
scenario quiet {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  nic_drv.dereg_mr(buf)
}
`);
    const fires = scenario(r, 'fires');
    expect(rules(fires)).toEqual(['dynamic_only']);
    expect(violation(fires, 'dynamic_only').message).toBe('dma_buf_attach(dma_buf#8, nic) happened (`never dma_buf_attach(_, _)`)');
    expect(violation(fires, 'dynamic_only').trace).toHaveLength(6);
    expectQuiet(scenario(r, 'quiet'));
  });

  const r = withBase(`
/// No mapping succeeds once the buffer was revoked.
constraint no_map_after_revoke {
  never dma_buf_map_attachment(_) ok after dma_buf_move_notify(_)
}
/// No mapping is even attempted once the buffer was revoked.
constraint no_map_attempt_after_revoke {
  never dma_buf_map_attachment(_) after dma_buf_move_notify(_)
}
constraint no_failed_map {
  never dma_buf_map_attachment(_) fails
}
scenario honoured {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.revoke(buf)
  nic_drv.reg_mr(buf)
  expect violation no_map_attempt_after_revoke, no_failed_map
}
scenario ignored {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.ignore_revoke()
  gpu_drv.revoke(buf)
  nic_drv.reg_mr(buf)
  expect violation no_map_after_revoke, no_map_attempt_after_revoke
}
scenario before_revoke {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  gpu_drv.revoke(buf)
}
`);

  test('never A after B: quiet when A only happens before B', () => {
    expectQuiet(scenario(r, 'before_revoke'));
  });

  test('`ok` matches calls that succeeded: an exporter that refuses after the revoke is quiet for it', () => {
    const honoured = scenario(r, 'honoured');
    expect(rules(honoured)).toEqual(['no_failed_map', 'no_map_attempt_after_revoke']);
    // A pattern without outcome sees the call when it starts, one with `fails` when it ends: in the
    // step of the refusing callback, which also ends the map call (made two steps earlier) and the
    // scenario line that called it.
    expect(lastEvent(honoured, 'no_map_attempt_after_revoke')).toBe('dma_buf_map_attachment(attachment#9)');
    expect(lastEvent(honoured, 'no_failed_map')).toBe(
      'gpu_drv.bufops.map_dma_buf(attachment#9) · dma_buf_map_attachment(attachment#9) → ENODEV · nic_drv.reg_mr → ENODEV',
    );
    expect(violation(honoured, 'no_failed_map').trace).toHaveLength(12);
  });

  test('... and fires for an exporter that maps after the revoke', () => {
    const ignored = scenario(r, 'ignored');
    expect(rules(ignored)).toEqual(['no_map_after_revoke', 'no_map_attempt_after_revoke']);
    const v = violation(ignored, 'no_map_after_revoke');
    expect(v.message).toBe('dma_buf_map_attachment(attachment#9) happened after `dma_buf_move_notify(_)`');
    // `ok` sees the call when it returns: in the step of the exporter's p2pdma_map.
    expect(v.trace.at(-1)).toMatchObject({ event: 'p2pdma_map(gpu_bar0#5, nic) → sg_table#10 · dma_buf_map_attachment(attachment#9) → sg_table#10', line: 33 });
  });

  test('a shared variable in never … after relates the same object', () => {
    const res = withBase(`
/// A mapping that was given back is never armed again.
constraint no_rearm {
  never hw_start(_, s) after p2pdma_unmap(s)
}
/// Without the shared variable: no engine starts after any unmap.
constraint no_start_after_any_unmap {
  never hw_start(_, _) after p2pdma_unmap(_)
}
scenario other_mapping {
  bind fpga_drv
  bind nic_drv
  let s1 = nic_drv.map_fpga()
  let s2 = nic_drv.map_fpga()
  nic_drv.unmap(s1)
  nic_drv.start(s2)
  nic_drv.stop(s2)
  nic_drv.unmap(s2)
  expect violation no_start_after_any_unmap
}
scenario same_mapping {
  bind fpga_drv
  bind nic_drv
  let s1 = nic_drv.map_fpga()
  nic_drv.unmap(s1)
  nic_drv.start(s1)
  expect violation no_rearm, model.dma_after_unmap
}
`);
    expect(rules(scenario(res, 'other_mapping'))).toEqual(['no_start_after_any_unmap']);
    const same = scenario(res, 'same_mapping');
    expect(rules(same)).toEqual(['model.dma_after_unmap', 'no_rearm', 'no_start_after_any_unmap']);
    expect(violation(same, 'no_rearm').message).toBe('hw_start(nic, sg_table#7) happened after `p2pdma_unmap(s)`');
    // The armed NIC's DMA through the dead mapping comes one step later.
    expect(violation(same, 'model.dma_after_unmap').trace).toHaveLength(violation(same, 'no_rearm').trace.length + 1);
  });
});

describe('A requires cond', () => {
  const r = withBase(`
constraint revoke_locked {
  dma_buf_move_notify(b) requires held(b.resv)
}
/// The newer kernels' spelling of the callback names the same event.
constraint notified_locked {
  nic_drv.importer.invalidate_mappings(a) requires held(a.buf.resv)
}
constraint p2p_importers {
  dma_buf_dynamic_attach(_, _, ops) requires ops.allow_peer2peer
}
scenario locked {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  gpu_drv.revoke(buf)
}
scenario unlocked {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  gpu_drv.revoke_unlocked(buf)
  expect violation revoke_locked, notified_locked
}
scenario no_p2p {
  bind gpu_drv
  bind nic2_drv
  let buf = gpu_drv.export()
  nic2_drv.reg_mr(buf)
  expect violation p2p_importers
}
`);

  test('held(...) of the current thread: quiet under `lock buf.resv`', () => {
    expectQuiet(scenario(r, 'locked'));
  });

  test('fires on the primitive and on the callback it makes, each at its own step', () => {
    const unlocked = scenario(r, 'unlocked');
    // The kernel's own asserts fire too: they are on by default (LANGUAGE.md §6).
    expect(rules(unlocked)).toEqual(['dmabuf.map_locked', 'dmabuf.move_notify_locked', 'notified_locked', 'revoke_locked']);
    expect(violation(unlocked, 'revoke_locked').message).toBe('dma_buf_move_notify(dma_buf#8) requires `held(b.resv)`, which does not hold');
    expect(violation(unlocked, 'revoke_locked').trace.at(-1)).toMatchObject({ event: 'dma_buf_move_notify(dma_buf#8)', line: 58 });
    expect(violation(unlocked, 'notified_locked').trace.at(-1)).toMatchObject({ event: 'nic_drv.importer.move_notify(attachment#9)', line: 75 });
    expect(violation(unlocked, 'notified_locked').trace).toHaveLength(violation(unlocked, 'revoke_locked').trace.length + 1);
  });

  test('a condition over a pattern variable bound to an ops table reads its flag', () => {
    const noP2p = scenario(r, 'no_p2p');
    expect(rules(noP2p)).toEqual(['p2p_importers']);
    expect(lastEvent(noP2p, 'p2p_importers')).toBe('dma_buf_dynamic_attach(dma_buf#8, nic2, nic2_drv.importer) → attachment#9');
  });
});

describe('always and at end', () => {
  const r = withBase(`
constraint one_importer {
  always count(attachment) <= 1
}
constraint clean_end {
  at end count(sg_table) == 0 && !gpu_drv.revoked
}
scenario one {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  nic_drv.dereg_mr(buf)
  nic_drv.reg_mr(buf)
  nic_drv.dereg_mr(buf)
}
scenario two {
  bind gpu_drv
  bind nic_drv
  bind nic2_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  nic2_drv.reg_mr(buf)
  expect violation one_importer, clean_end
}
scenario revoked {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  gpu_drv.revoke(buf)
  expect violation clean_end
}
`);

  test('quiet when both hold at every step and at the end', () => {
    expectQuiet(scenario(r, 'one'));
  });

  test('`always` fires at the step that breaks it', () => {
    const two = scenario(r, 'two');
    expect(rules(two)).toEqual(['clean_end', 'one_importer']);
    const v = violation(two, 'one_importer');
    expect(v.message).toBe('`always count(attachment) <= 1` does not hold');
    expect(v.trace).toHaveLength(14);
    expect(v.trace.at(-1)!.event).toBe('dma_buf_dynamic_attach(dma_buf#9, nic2, nic2_drv.importer) → attachment#12');
  });

  test('`at end` is judged once the scenario has finished, and reads driver state', () => {
    const revoked = scenario(r, 'revoked');
    expect(rules(revoked)).toEqual(['clean_end']);
    const v = violation(revoked, 'clean_end');
    expect(v.message).toBe('`at end count(sg_table) == 0 && !gpu_drv.revoked` does not hold when the scenario ends');
    expect(v.trace.at(-1)).toMatchObject({ thread: 'main', event: 'the scenario ends' });
  });
});

describe('patterns on callback events', () => {
  const r = withBase(`
/// devres destroys the BAR's provider only after the driver's remove() began.
constraint provider_after_remove {
  gpu_drv.remove(_) before destroy(gpu_bar0)
}
/// User space registers no memory region once the exporter is being removed.
constraint no_mr_after_remove {
  never nic_drv.reg_mr(_) after gpu_drv.remove(_)
}
/// The exporter's map callback is never entered for the importer after its move_notify.
constraint no_map_after_notify {
  never gpu_drv.bufops.map_dma_buf(a) after nic_drv.importer.move_notify(a)
}
scenario orderly {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  unbind gpu_drv
}
scenario reg_after_unbind {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  unbind gpu_drv
  nic_drv.reg_mr(buf)
  expect violation no_mr_after_remove
}
scenario dropped_early {
  bind gpu_drv
  gpu_drv.drop_provider()
  expect violation provider_after_remove
}
scenario remap_after_notify {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  gpu_drv.revoke(buf)
  nic_drv.remap(buf)
  expect violation no_map_after_notify
}
`);

  test('DRIVER.remove, DRIVER.ACTION and DRIVER.OPS.SLOT events are quiet on the orderly path', () => {
    expectQuiet(scenario(r, 'orderly'));
  });

  test('an action after remove(), and a provider destroyed before it', () => {
    const reg = scenario(r, 'reg_after_unbind');
    expect(rules(reg)).toEqual(['no_mr_after_remove']);
    expect(violation(reg, 'no_mr_after_remove').message).toBe('nic_drv.reg_mr(dma_buf#8) happened after `gpu_drv.remove(_)`');
    expect(lastEvent(reg, 'no_mr_after_remove')).toBe('nic_drv.reg_mr(dma_buf#8)');
    const early = scenario(r, 'dropped_early');
    expect(rules(early)).toEqual(['provider_after_remove']);
    expect(violation(early, 'provider_after_remove').message).toBe('destroy(gpu_bar0#5) happened with no `gpu_drv.remove(_)` before it');
  });

  test('an ops callback entered after another callback on the same attachment', () => {
    const remap = scenario(r, 'remap_after_notify');
    expect(rules(remap)).toEqual(['no_map_after_notify']);
    const v = violation(remap, 'no_map_after_notify');
    expect(v.message).toBe('gpu_drv.bufops.map_dma_buf(attachment#9) happened after `nic_drv.importer.move_notify(a)`');
    expect(v.trace).toHaveLength(23);
    expect(v.trace[14]).toMatchObject({ event: 'nic_drv.importer.move_notify(attachment#9)', line: 75 });
    // The refused map fails the `nic_drv.remap(buf)` line in the same step.
    expect(v.trace.at(-1)).toMatchObject({
      event: 'gpu_drv.bufops.map_dma_buf(attachment#9) · dma_buf_map_attachment(attachment#9) → ENODEV · nic_drv.remap → ENODEV',
      line: 31,
    });
  });
});

describe('ok and fails on callbacks and actions: their end', () => {
  const r = withBase(`
/// The exporter hands out no mapping once the buffer was revoked (refusing is fine).
constraint no_map_handed_out_after_revoke {
  never gpu_drv.bufops.map_dma_buf(a) ok after dma_buf_move_notify(_)
}
/// User space sees no failed registration.
constraint reg_never_fails {
  never nic_drv.reg_mr(_) fails
}
/// devres destroys the BAR's provider only once the exporter's remove() has returned.
constraint provider_after_remove_returned {
  gpu_drv.remove(_) ok before destroy(gpu_bar0)
}
scenario honoured {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.revoke(buf)
  nic_drv.reg_mr(buf)
  expect violation reg_never_fails
}
scenario ignored {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.ignore_revoke()
  gpu_drv.revoke(buf)
  nic_drv.reg_mr(buf)
  expect violation no_map_handed_out_after_revoke
}
scenario orderly {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  unbind gpu_drv
}
scenario dropped_early {
  bind gpu_drv
  gpu_drv.drop_provider()
  expect violation provider_after_remove_returned
}
`);

  test('`ok` on a callback matches when it returns a value: quiet for the exporter that refuses', () => {
    const honoured = scenario(r, 'honoured');
    expect(rules(honoured)).toEqual(['reg_never_fails']);
    const ignored = scenario(r, 'ignored');
    expect(rules(ignored)).toEqual(['no_map_handed_out_after_revoke']);
    const v = violation(ignored, 'no_map_handed_out_after_revoke');
    expect(v.message).toBe('gpu_drv.bufops.map_dma_buf(attachment#9) happened after `dma_buf_move_notify(_)`');
    // The callback ends in the step of its last visible operation, its p2pdma_map.
    expect(v.trace).toHaveLength(14);
    expect(v.trace.at(-2)).toMatchObject({ event: 'gpu_drv.bufops.map_dma_buf(attachment#9)', line: 31 });
    expect(v.trace.at(-1)).toMatchObject({ event: 'p2pdma_map(gpu_bar0#5, nic) → sg_table#10 · dma_buf_map_attachment(attachment#9) → sg_table#10', line: 33 });
  });

  test('`fails` on an action matches when the action fails, in the step that fails it', () => {
    const v = violation(scenario(r, 'honoured'), 'reg_never_fails');
    expect(v.message).toBe('nic_drv.reg_mr(dma_buf#8) happened (`never nic_drv.reg_mr(_) fails`)');
    expect(v.trace).toHaveLength(12);
    expect(v.trace.at(-1)).toMatchObject({
      event: 'gpu_drv.bufops.map_dma_buf(attachment#9) · dma_buf_map_attachment(attachment#9) → ENODEV · nic_drv.reg_mr → ENODEV',
      line: 31,
    });
  });

  test('`DRIVER.remove(_) ok` is the return of remove(), before devres runs', () => {
    expectQuiet(scenario(r, 'orderly'));
    const early = scenario(r, 'dropped_early');
    expect(rules(early)).toEqual(['provider_after_remove_returned']);
    expect(violation(early, 'provider_after_remove_returned').message).toBe('destroy(gpu_bar0#5) happened with no `gpu_drv.remove(_) ok` before it');
  });

  test('a lifecycle event has no outcome: `ok`/`fails` on one is unknown-event', () => {
    const text = `${base}
constraint c {
  never unplug(gpu) ok
  never create(sg_table) fails
  never gpu_drv.remove(_) fails
}
`;
    const { diagnostics } = check(text, { uri: 'outcome.lspec' });
    expect(diagnostics.map((d) => [d.code, d.message, text.slice(d.span.start, d.span.end)])).toEqual([
      ['unknown-event', '`unplug` is a lifecycle event and has no outcome: `ok` applies to calls (primitives, callbacks, actions)', 'unplug'],
      ['unknown-event', '`create` is a lifecycle event and has no outcome: `fails` applies to calls (primitives, callbacks, actions)', 'create'],
    ]);
  });
});

describe('lifecycle events', () => {
  const r = withBase(`
/// Every remove() is an orderly one: an unbind of the same device came first.
constraint orderly {
  unbind(d) before remove(d)
}
/// A device's driver is never probed again after it was removed.
constraint probed_once {
  never probe(d) after remove(d)
}
/// Nothing binds once the GPU is gone.
constraint no_bind_after_gpu_unplug {
  never bind(_) after unplug(gpu)
}
/// No mapping is made once the exporter is being removed.
constraint no_mapping_after_remove {
  never create(sg_table) after gpu_drv.remove(_)
}
scenario unbind_once {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  unbind gpu_drv
  unbind nic_drv
}
scenario rebind {
  bind gpu_drv
  unbind gpu_drv
  bind gpu_drv
  expect violation probed_once
}
scenario surprise {
  bind gpu_drv
  unplug gpu
  bind gpu_drv
  bind nic_drv
  expect violation orderly, no_bind_after_gpu_unplug
}
scenario race {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  gpu_drv.ignore_revoke()
  parallel {
    { nic_drv.reg_mr(buf) }
    { unbind gpu_drv }
  }
  expect violation no_mapping_after_remove
}
`);

  test('bind, unbind, probe, remove and create(KIND) are quiet on an orderly unbind', () => {
    expectQuiet(scenario(r, 'unbind_once'));
  });

  test('probe(d) after remove(d): a rebind (the driver has no probe(), the bus probes anyway)', () => {
    const rebind = scenario(r, 'rebind');
    expect(rules(rebind)).toEqual(['probed_once']);
    expect(violation(rebind, 'probed_once').message).toBe('probe(gpu) happened after `remove(d)`');
    expect(violation(rebind, 'probed_once').trace.map((s) => s.event)).toEqual([
      'bind gpu_drv',
      'unbind gpu_drv',
      'gpu_drv.remove(gpu) · gpu_bar0#5 ends · binding#4 ends',
      'bind gpu_drv',
    ]);
  });

  test('unplug(dev) is not unbind(dev); a failed bind is no bind(dev) event', () => {
    const surprise = scenario(r, 'surprise');
    expect(rules(surprise)).toEqual(['no_bind_after_gpu_unplug', 'orderly']);
    expect(violation(surprise, 'orderly').message).toBe('remove(gpu) happened with no `unbind(d)` before it');
    // remove(gpu) is the event of the unplug step itself, before the remove() callback is entered.
    expect(violation(surprise, 'orderly').trace.map((s) => s.event)).toEqual(['bind gpu_drv', 'unplug gpu']);
    // `bind gpu_drv` fails with ENODEV after the unplug; the nic's bind is the event that fires.
    const v = violation(surprise, 'no_bind_after_gpu_unplug');
    expect(v.message).toBe('bind(nic) happened after `unplug(gpu)`');
    expect(v.trace.map((s) => s.event).slice(-2)).toEqual(['bind gpu_drv → ENODEV', 'bind nic_drv']);
  });

  test('create(KIND) matches only objects of that kind', () => {
    const race = scenario(r, 'race');
    expect(rules(race)).toEqual(['model.use_after_free', 'no_mapping_after_remove']);
    expect(violation(race, 'no_mapping_after_remove').message).toBe('create(sg_table#10) happened after `gpu_drv.remove(_)`');
    const orderly = withBase(`
constraint no_iova { never create(iova) }
constraint no_mapping { never create(sg_table) }
scenario s {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  expect violation no_mapping
}
`);
    // Same switch: the mapping needs no IOVA.
    expect(rules(scenario(orderly, 's'))).toEqual(['no_mapping']);
  });
});

describe('device and provider names in patterns', () => {
  const r = withBase(`
constraint nic_stays {
  never unplug(nic)
}
constraint gpu_not_rebound {
  never bind(gpu) after unplug(gpu)
}
constraint gpu_bar_unmapped {
  never p2pdma_map(gpu_bar0, _)
}
scenario other_devices {
  bind gpu_drv
  bind fpga_drv
  bind nic_drv
  let s = nic_drv.map_fpga()
  nic_drv.unmap(s)
  unplug gpu
  bind gpu_drv
  unplug fpga
}
scenario named_device {
  bind gpu_drv
  bind nic_drv
  let buf = gpu_drv.export()
  nic_drv.reg_mr(buf)
  unplug nic
  expect violation nic_stays, gpu_bar_unmapped
}
`);

  test('a device or provider name matches that object only', () => {
    // fpga_bar2 is mapped, gpu and fpga are unplugged, and the GPU's bind fails: all quiet.
    expectQuiet(scenario(r, 'other_devices'));
    const named = scenario(r, 'named_device');
    expect(rules(named)).toEqual(['gpu_bar_unmapped', 'nic_stays']);
    expect(violation(named, 'nic_stays').message).toBe('unplug(nic) happened (`never unplug(nic)`)');
    expect(violation(named, 'gpu_bar_unmapped').message).toBe('p2pdma_map(gpu_bar0#5, nic) happened (`never p2pdma_map(gpu_bar0, _)`)');
  });
});

describe('conditions run as compiled code, as bodies do', () => {
  const text = `topology {
  host_bridge hb
  device gpu under hb
  device nic under hb
}
driver d for gpu {
  state { s: set<int> }
  action add(x: int) { s.add(x) }
}
driver imp for nic {
  ops i : dma_buf_attach_ops {
    allow_peer2peer = true
    move_notify(a) { }
  }
  action ask() {
    assert i.allow_peer2peer && i.move_notify, "the table's flag and slot read back"
  }
}
constraint small {
  always d.s.size() < 2 && !d.s.has(7)
}
scenario grows {
  d.add(1)
  d.add(2)
  expect violation small
}
scenario seven {
  d.add(7)
  expect violation small
}
scenario stays {
  d.add(1)
  d.add(1)
  imp.ask()
}
`;
  const r = runSpec(text, 'conditions.lspec');

  test('a condition asks a driver set its size and members', () => {
    expect(violation(scenario(r, 'grows'), 'small').message).toBe('`always d.s.size() < 2 && !d.s.has(7)` does not hold');
    expect(violation(scenario(r, 'grows'), 'small').trace).toHaveLength(2);
    expect(violation(scenario(r, 'seven'), 'small').trace).toHaveLength(1);
    expectQuiet(scenario(r, 'stays'));
  });
});
