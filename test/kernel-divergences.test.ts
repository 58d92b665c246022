// Places where the models once differed from the kernel, each pinned by a
// spec in test/fixtures/kernel/ that the old model got wrong (a false pass,
// or a false alarm) and the kernel function the model now follows.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { rules, runSpec, type Located } from './support/specs.js';

const dir = new URL('./fixtures/kernel/', import.meta.url).pathname;

/** Every scenario of test/fixtures/kernel/NAME: verdict, violated rules, and who waits on what in a deadlock. */
function outcomes(name: string): Record<string, [string, string[], string[]?]> {
  const results = runSpec(readFileSync(`${dir}${name}`, 'utf8'), `test/fixtures/kernel/${name}`);
  const out: Record<string, [string, string[], string[]?]> = {};
  for (const [scenario, r] of results) {
    expect(r.complete, `${scenario} explored completely`).toBe(true);
    expect(r.expectMet, `${scenario} meets its expect line`).toBe(true);
    out[scenario] = r.deadlock ? [r.verdict, rules(r), r.deadlock.waiting.map((w) => `${w.thread}: ${w.on}`)] : [r.verdict, rules(r)];
  }
  return out;
}

/** The last step of a rule's shortest trace: what happened, and on which line. */
function lastStep(name: string, scenario: string, rule: string): { event: string; line: number } {
  const r = runSpec(readFileSync(`${dir}${name}`, 'utf8'), `test/fixtures/kernel/${name}`).get(scenario) as Located;
  const step = r.violations.find((v) => v.rule === rule)!.trace.at(-1)!;
  return { event: step.event, line: step.line };
}

describe('DMA-BUF follows drivers/dma-buf/dma-buf.c', () => {
  test("dma_buf_unmap_attachment() leaves the table to the exporter's unmap_dma_buf (dma_buf_free_sgt(), p2pdma_unmap)", () => {
    expect(outcomes('unmap-trusted.lspec')).toEqual({
      // The table left behind is still mapped at detach (model.leak) and when the provider goes.
      unmap_forgets_the_table: ['violated', ['model.leak', 'p2pdma.mapping_within_provider']],
      unmap_ends_the_table: ['ok', []],
    });
  });

  test('dma_buf_detach() takes the attachment off the list under dma_resv_lock(): a revoke that waits under resv for a detach deadlocks', () => {
    expect(outcomes('detach-takes-resv.lspec')).toEqual({
      revoke_waits_under_resv: [
        'deadlock',
        [],
        ['main: completion#7 to be completed', 'kworker1: dma_buf#6.resv held by main'],
      ],
      revoke_waits_after_unlock: ['ok', []],
    });
  });

  test('dma_buf_move_notify() walks the list under resv, so no detach lands between its choice and the callback', () => {
    expect(outcomes('move-notify-walk.lspec')).toEqual({ detach_races_invalidate: ['ok', []] });
  });

  test('dma_buf_map_attachment_unlocked() takes resv itself: the callbacks run locked, and a caller holding it waits for good', () => {
    expect(outcomes('map-unlocked.lspec')).toEqual({
      unlocked_takes_the_lock: ['ok', []],
      unlocked_under_the_lock: ['violated', ['dmabuf.attach_unlocked'], ['main: dma_buf#5.resv held by itself']],
    });
  });

  test('dmabuf.p2p_needs_peer2peer judges the table map_dma_buf returned, not the provider given to dma_buf_export()', () => {
    expect(outcomes('p2p-table-without-provider.lspec')).toEqual({
      p2p_pages_to_a_static_importer: ['violated', ['dmabuf.p2p_needs_peer2peer']],
      system_pages_to_a_static_importer: ['ok', []],
    });
  });

  test("dma_buf_pin() on a static attachment WARNs and still calls the exporter's pin", () => {
    expect(outcomes('pin-static.lspec')).toEqual({ static_pin_warns_and_pins: ['violated', ['dmabuf.pin_dynamic_only']] });
  });

  test('dma_buf_dynamic_attach() accepts importer ops without move_notify (575157b1b5fc); dma_buf_attach_revocable() is false for them', () => {
    expect(outcomes('importer-without-move-notify.lspec')).toEqual({
      attached_and_skipped: ['ok', []],
      not_revocable_is_refused: ['ok', []],
    });
    // Against the kernels before 7.1 the same importer is refused by the core, which WARNs.
    expect(outcomes('importer-without-move-notify-7.0.lspec')).toEqual({ refused_by_the_core: ['violated', ['dmabuf.dynamic_needs_move_notify']] });
  });
});

describe('PCI follows drivers/pci and drivers/base/dd.c', () => {
  test("MMIO is judged against the caller's own binding (pcim_iomap() is devres of the binding that made it)", () => {
    expect(outcomes('mmio-own-binding.lspec')).toEqual({
      old_driver_after_rebind: ['violated', ['pci.no_mmio_after_remove']],
      bound_driver_after_rebind: ['ok', []],
    });
    expect(lastStep('mmio-own-binding.lspec', 'old_driver_after_rebind', 'pci.no_mmio_after_remove')).toEqual({ event: 'mmio_read(gpu, 0) → 0', line: 16 });
  });

  test('pci_clear_master() stops the function DMA; pci_set_master() lets it go on', () => {
    expect(outcomes('bus-master.lspec')).toEqual({
      master_off_before_unmap: ['ok', []],
      unmap_while_mastering: ['violated', ['model.dma_after_unmap']],
      master_back_on_while_armed: ['violated', ['model.dma_after_unmap']],
    });
  });
});

describe('P2PDMA follows drivers/pci/p2pdma.c', () => {
  test('calc_map_type_and_dist(): ACS redirect on switches, cross-bridge whitelists; dma_buf_phys_vec_to_sgt() fails with EINVAL', () => {
    expect(outcomes('p2p-routes.lspec')).toEqual({ routes: ['ok', []], no_route_through_dma_buf: ['ok', []] });
  });

  test('memunmap_pages() kills the percpu_ref first: no page is handed out while the teardown waits', () => {
    expect(outcomes('pgmap-dying.lspec')).toEqual({ alloc_races_teardown: ['ok', []] });
  });
});

describe('locks follow kernel/locking', () => {
  test('rw_semaphore (rwsem.c): readers share, a writer excludes, a reader queues behind a waiting writer', () => {
    expect(outcomes('rw-semaphore.lspec')).toEqual({
      readers_share: ['violated', ['one_reader_at_a_time']],
      writer_excludes_readers: ['ok', []],
      nested_read_alone: ['ok', []],
      nested_read_behind_a_writer: [
        'deadlock',
        [],
        ['main: its parallel branches', 't1: vfio.memory_lock behind a queued writer', 't2: vfio.memory_lock held by t1'],
      ],
    });
  });

  test('ww_mutex Wait-Die (ww_mutex.h): with acquire contexts the younger backs off; without, ABBA deadlocks', () => {
    expect(outcomes('ww-mutex.lspec')).toEqual({
      opposite_orders_with_contexts: ['ok', []],
      // One of the two gets -EDEADLK and gives up, so only one finishes.
      the_younger_context_dies: ['violated', ['both_finish', 'model.assert']],
      opposite_orders_without_contexts: [
        'deadlock',
        [],
        ['main: its parallel branches', 't1: dma_buf#5.resv held by t2', 't2: dma_buf#3.resv held by t1'],
      ],
    });
  });

  test('mutex_destroy() (mutex-debug.c): destroying a held mutex warns, a later lock is a use after free', () => {
    expect(outcomes('mutex-destroy.lspec')).toEqual({
      destroyed_while_held: ['violated', ['model.destroy_locked']],
      locked_after_destroy: ['violated', ['model.use_after_free']],
      destroyed_at_remove: ['ok', []],
    });
  });
});

describe('workqueues follow kernel/workqueue.c', () => {
  test('a work item queued while it runs runs after that run, never beside it (__queue_work(), find_worker_executing_work())', () => {
    expect(outcomes('work-non-reentrant.lspec')).toEqual({ queued_while_running: ['ok', []] });
  });
});

describe('the search', () => {
  test('an always rule broken on the step that stops the run is reported with the fatal violation', () => {
    expect(outcomes('always-on-a-fatal-step.lspec')).toEqual({
      underflow_then_null_deref: ['violated', ['model.null_deref', 'users_never_negative']],
    });
    expect(lastStep('always-on-a-fatal-step.lspec', 'underflow_then_null_deref', 'users_never_negative')).toEqual({ event: 'mmio_read(gpu, 0) → 0', line: 22 });
  });
});
