/**
 * The mapping half of the DMA-BUF model (drivers/dma-buf/dma-buf.c,
 * drivers/dma-buf/dma-buf-mapping.c): pin and unpin, map and unmap through
 * the exporter's callbacks, their `_unlocked` variants, the exporters'
 * mapping helpers, and system-memory mappings.
 *
 * - The core never ends a mapping: `dma_buf_unmap_attachment()` hands the
 *   table back to the exporter's `unmap_dma_buf`, and only what that callback
 *   does (dma_buf_free_sgt(), dma_unmap_sgtable(), p2pdma_unmap) ends it. An
 *   exporter whose unmap forgets to unmap leaves the mapping (and its IOVA)
 *   live: it outlives its provider, or leaks at detach.
 * - A static importer of a dynamic exporter (ops with `pin`) is pinned through
 *   the exporter's `pin` before the map and unpinned after the unmap, or when
 *   the map fails (dma_buf_pin_on_map(), error_unpin).
 * - `dma_buf_pin`/`dma_buf_unpin` on a static attachment is the kernel's
 *   WARN_ON(!attach->importer_ops): the call goes on and calls the exporter's
 *   `pin` anyway, as dma_buf_pin() does (`dmabuf.pin_dynamic_only` reports it).
 * - A successful map emits `mapped(attach, sgt)`, so a rule can judge what
 *   the exporter handed out (`dmabuf.p2p_needs_peer2peer`).
 */
import { isRef, type Value } from '../runtime/values.js';
import type { NativeFrame, Obj, World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import type { EventSpec, PrimitiveSig } from '../semantics/vocabulary.js';
import { isResult, liveAtt, liveBuf, releaseResv, resvFree, resvWait, takeResv, threadOfFrame } from './dmabuf-common.js';
import { call, fail, ret, wait, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';
import { hostBridgeOf, mapTypeOf } from './p2pdma.js';
import { K, param } from './sig.js';

/** Whether the exporter is dynamic: its ops have `pin` (dma_buf_is_dynamic). */
const dynamicExporter = (cx: ModelContext, buf: Obj) => cx.callback(buf.f.ops ?? null, 'pin') !== undefined;

function pinning(pin: boolean): PrimitiveImpl {
  const name = pin ? 'dma_buf_pin' : 'dma_buf_unpin';
  const sig: PrimitiveSig = pin
    ? { name, params: [param('attach', K.att)], returns: T.void, doc: 'Pins the buffer for a dynamic attachment (resv lock held): calls the exporter\'s `pin`; without one it does nothing and succeeds.' }
    : { name, params: [param('attach', K.att)], returns: T.void, doc: 'Unpins a pinned dynamic attachment (resv lock held): calls the exporter\'s `unpin`.' };
  return {
    sig,
    start(cx, [a], frame) {
      const att = liveAtt(cx, a ?? null, name);
      if (isResult(att)) return att;
      // A static attachment: the kernel WARNs (WARN_ON(!attach->importer_ops)) and goes on.
      frame.regs = [a!];
      const cb = cx.callback(cx.obj(att.f.buf ?? null)?.f.ops ?? null, pin ? 'pin' : 'unpin');
      if (cb === undefined) {
        att.f.pinned = pin;
        return ret(null);
      }
      return call(cb, [a!], 1);
    },
    resume(cx, frame, result) {
      // The kernel's unpin returns void: only a failing pin fails the call.
      if (pin && 'fail' in result) return fail(result.fail);
      cx.obj(frame.regs[0]!)!.f.pinned = pin;
      return ret(null);
    },
  };
}

function callMap(cx: ModelContext, a: Value, buf: Obj): NativeResult {
  const cb = cx.callback(buf.f.ops ?? null, 'map_dma_buf');
  if (cb === undefined) return fail('EINVAL');
  return call(cb, [a], 2);
}

const mapSig: PrimitiveSig = {
  name: 'dma_buf_map_attachment',
  params: [param('attach', K.att)],
  returns: K.sgt,
  doc: "Maps the attachment through the exporter's `map_dma_buf` (resv lock held); fails with the exporter's errno.",
  faults: ['ENOMEM'],
};

/** dma_buf_map_attachment(): phases 1 (map-time pin), 2 (map_dma_buf), 3 (unpin after a failed map). */
const map: PrimitiveImpl = {
  sig: mapSig,
  start(cx, [a], frame) {
    const att = liveAtt(cx, a ?? null, 'dma_buf_map_attachment');
    if (isResult(att)) return att;
    const buf = liveBuf(cx, att.f.buf ?? null, 'dma_buf_map_attachment');
    if (isResult(buf)) return buf;
    frame.regs = [a!, false];
    // A static importer of a dynamic exporter is pinned for as long as it is mapped.
    if (att.f.importer === null && dynamicExporter(cx, buf)) {
      frame.regs[1] = true;
      return call(cx.callback(buf.f.ops ?? null, 'pin')!, [a!], 1);
    }
    return callMap(cx, a!, buf);
  },
  resume(cx, frame, result) {
    const a = frame.regs[0]!;
    const att = cx.obj(a)!;
    const buf = cx.obj(att.f.buf ?? null)!;
    if (frame.phase === 1) {
      if ('fail' in result) return fail(result.fail);
      att.f.pinned = true;
      return callMap(cx, a, buf);
    }
    if (frame.phase === 3) return fail(frame.regs[2] as string);
    if ('fail' in result) {
      if (frame.regs[1] !== true) return fail(result.fail);
      // The map-time pin is undone when the map fails (dma_buf_map_attachment: error_unpin).
      att.f.pinned = false;
      frame.regs[2] = result.fail;
      const unpin = cx.callback(buf.f.ops ?? null, 'unpin');
      return unpin === undefined ? fail(result.fail) : call(unpin, [a], 3);
    }
    const sgt = result.ok;
    const s = cx.obj(sgt);
    if (s && s.kind === 'sg_table' && s.alive) s.f.attachment = a;
    countStaticMappings(cx, att.f.buf ?? null);
    cx.emit('mapped', [a, sgt]);
    return ret(sgt);
  },
};

/** dma_buf_unmap_attachment(): phases 1 (unmap_dma_buf), 2 (the map-time unpin). */
const unmap: PrimitiveImpl = {
  sig: {
    name: 'dma_buf_unmap_attachment',
    params: [param('attach', K.att), param('sgt', K.sgt)],
    returns: T.void,
    doc: "Hands the mapping back to the exporter's `unmap_dma_buf` (resv lock held); what that callback does is what ends it.",
  },
  start(cx, [a, sgt], frame) {
    const att = liveAtt(cx, a ?? null, 'dma_buf_unmap_attachment');
    if (isResult(att)) return att;
    const s = cx.obj(sgt ?? null);
    if (!s || s.kind !== 'sg_table') return cx.fatal('model.null_deref', `dma_buf_unmap_attachment of ${cx.show(sgt ?? null)}, not a mapping`);
    if (!s.alive) {
      cx.violate('model.double_unmap', `${cx.show(sgt!)} is unmapped a second time`);
      return ret(null);
    }
    frame.regs = [a!, sgt!];
    const cb = cx.callback(cx.obj(att.f.buf ?? null)?.f.ops ?? null, 'unmap_dma_buf');
    return cb === undefined ? afterUnmap(cx, frame.regs) : call(cb, [a!, sgt!], 1);
  },
  resume(cx, frame) {
    if (frame.phase === 1) return afterUnmap(cx, frame.regs);
    return ret(null);
  },
};

/** After the exporter's unmap: recount the static mappings, and drop a map-time pin. */
function afterUnmap(cx: ModelContext, regs: Value[]): NativeResult {
  const a = regs[0]!;
  const att = cx.obj(a)!;
  const buf = cx.obj(att.f.buf ?? null);
  countStaticMappings(cx, att.f.buf ?? null);
  if (att.f.importer === null && att.f.pinned === true && buf) {
    att.f.pinned = false;
    const cb = cx.callback(buf.f.ops ?? null, 'unpin');
    if (cb !== undefined) return call(cb, [a], 2);
  }
  return ret(null);
}

/** The phase an `_unlocked` variant waits in for the reservation lock; the wrapped primitive's phases are below it. */
const WAIT_RESV = 100;

/**
 * dma_buf_map_attachment_unlocked() / dma_buf_unmap_attachment_unlocked():
 * `dma_resv_lock(attach->dmabuf->resv, NULL)`, the locked call, unlock. The
 * lock is held across the exporter's callbacks, and a thread that already
 * holds it waits for good.
 */
function unlocked(inner: PrimitiveImpl, doc: string): PrimitiveImpl {
  const name = `${inner.sig.name}_unlocked`;
  const bufOf = (cx: ModelContext, a: Value) => cx.obj(a)?.f.buf ?? null;
  /** Lets the lock go when the wrapped call ends. */
  const after = (cx: ModelContext, frame: NativeFrame, r: NativeResult): NativeResult => {
    if (r.k === 'ret' || r.k === 'fail') releaseResv(cx, frame.args[0] === undefined ? null : bufOf(cx, frame.args[0]));
    return r;
  };
  return {
    sig: { ...inner.sig, name, doc, since: { linux: '6.2', commit: '19d6634d8789' } },
    start(cx, args, frame) {
      const att = liveAtt(cx, args[0] ?? null, name);
      if (isResult(att)) return att;
      const buf = liveBuf(cx, att.f.buf ?? null, name);
      if (isResult(buf)) return buf;
      if (!resvFree(cx.world, att.f.buf ?? null)) {
        frame.regs = [att.f.buf ?? null];
        return wait(WAIT_RESV);
      }
      takeResv(cx, att.f.buf ?? null);
      return after(cx, frame, inner.start(cx, args, frame));
    },
    resume(cx, frame, result) {
      if (frame.phase === WAIT_RESV) {
        takeResv(cx, bufOf(cx, frame.args[0] ?? null));
        return after(cx, frame, inner.start(cx, frame.args, frame));
      }
      return after(cx, frame, inner.resume!(cx, frame, result));
    },
    ready(w: World, frame: NativeFrame, program) {
      return frame.phase === WAIT_RESV ? resvFree(w, frame.regs[0] ?? null) : (inner.ready?.(w, frame, program) ?? true);
    },
    waitsFor: (w, frame, show) => resvWait(w, frame, show, 0, threadOfFrame(w, frame)),
  };
}

// ---- the exporter's helpers (drivers/dma-buf/dma-buf-mapping.c) ---------------------------

/**
 * dma_buf_phys_vec_to_sgt(): the provider-backed exporter's map (VFIO's
 * map_dma_buf). The route is pci_p2pdma_map_type(); BUS_ADDR maps by bus
 * address, THRU_HOST_BRIDGE through the client's IOMMU when it translates
 * (dma_iova_try_alloc), and any other route fails with EINVAL (`default: ret
 * = -EINVAL`), as does a missing provider (WARN_ON(!provider)). It takes no
 * page reference: the provider path has no pgmap.
 */
const physVecToSgt: PrimitiveImpl = {
  sig: {
    name: 'dma_buf_phys_vec_to_sgt',
    since: { linux: '6.19', commit: '3aa31a8bb11e' },
    params: [param('attach', K.att), param('provider', K.provider)],
    returns: K.sgt,
    doc: "An exporter's map of provider (BAR) memory for the attached device (resv lock held); EINVAL when there is no P2P route (drivers/dma-buf/dma-buf-mapping.c).",
    faults: ['ENOMEM'],
  },
  start(cx, [a, p]) {
    const att = liveAtt(cx, a ?? null, 'dma_buf_phys_vec_to_sgt');
    if (isResult(att)) return att;
    const prov = cx.obj(p ?? null);
    if (!prov || prov.kind !== 'p2pdma_provider') return fail('EINVAL');
    if (!prov.alive) {
      cx.create('sg_table', { attachment: a!, provider: p!, dev: att.f.dev ?? null, iova: null });
      return cx.fatal('model.use_after_free', `dma_buf_phys_vec_to_sgt of ${cx.show(p!)}, which has been destroyed`);
    }
    const client = cx.obj(att.f.dev ?? null)?.f.name as string;
    const owner = cx.obj(prov.f.device ?? null)?.f.name as string;
    const type = mapTypeOf(cx.program, owner, client);
    if (type === 'NOT_SUPPORTED') return fail('EINVAL');
    let iova: Value = null;
    if (type === 'THRU_HOST_BRIDGE' && hostBridgeOf(cx.program, client)?.iommu === 'translated') iova = cx.create('iova', { domain: att.f.dev!, provider: p! });
    return ret(cx.create('sg_table', { attachment: a!, provider: p!, dev: att.f.dev!, iova }));
  },
};

/** dma_buf_free_sgt(): dma_iova_destroy() or dma_unmap_phys(), then the table is freed. */
const freeSgt: PrimitiveImpl = {
  sig: {
    name: 'dma_buf_free_sgt',
    since: { linux: '6.19', commit: '3aa31a8bb11e' },
    params: [param('attach', K.att), param('sgt', K.sgt)],
    returns: T.void,
    doc: "An exporter's unmap of what dma_buf_phys_vec_to_sgt mapped: its IOVA and the table end (resv lock held).",
  },
  start(cx, [, sgt]) {
    return endMapping(cx, sgt ?? null, 'dma_buf_free_sgt');
  },
};

/** Ends a mapping and its IOVA; a second time is `model.double_unmap`. */
function endMapping(cx: ModelContext, sgt: Value, what: string): NativeResult {
  const o = cx.obj(sgt);
  if (!o || o.kind !== 'sg_table') return cx.fatal('model.null_deref', `${what} of ${cx.show(sgt)}, not a mapping`);
  if (!o.alive) {
    cx.violate('model.double_unmap', `${cx.show(sgt)} is unmapped a second time`);
    return ret(null);
  }
  if (isRef(o.f.iova ?? null)) cx.destroy(o.f.iova!);
  cx.destroy(sgt);
  return ret(null);
}

/**
 * dma_map_sgtable()/dma_unmap_sgtable() for an exporter of system memory
 * (drivers/dma-buf/heaps/system_heap.c, system_heap_map_dma_buf()): a mapping
 * with no provider. DMA through it after the unmap is model.dma_after_unmap.
 */
const mapSystem: PrimitiveImpl = {
  sig: {
    name: 'dma_map_sgtable',
    params: [param('dev', K.dev)],
    returns: K.sgt,
    doc: 'Maps system memory (no P2P provider) for DMA by `dev`, as an exporter of system pages does in `map_dma_buf` (the system heap, a GPU buffer in GTT).',
    faults: ['ENOMEM'],
  },
  start(cx, [dev]) {
    const d = cx.obj(dev ?? null);
    if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `dma_map_sgtable for ${cx.show(dev ?? null)}, not a device`);
    return ret(cx.create('sg_table', { attachment: null, provider: null, dev: dev!, iova: null }));
  },
};

const unmapSystem: PrimitiveImpl = {
  sig: { name: 'dma_unmap_sgtable', params: [param('sgt', K.sgt)], returns: T.void, doc: 'Unmaps a mapping `dma_map_sgtable` made.' },
  start(cx, [sgt]) {
    return endMapping(cx, sgt ?? null, 'dma_unmap_sgtable');
  },
};

/**
 * A buffer's `static_mappings`: its live mappings made through static
 * attachments (no importer ops). dma_buf_move_notify() never reaches those
 * importers, so `dmabuf.static_importer_pinned` forbids moving the buffer
 * while there are any. Recounted at every map and unmap.
 */
function countStaticMappings(cx: ModelContext, b: Value): void {
  const buf = cx.obj(b);
  if (!buf || buf.kind !== 'dma_buf') return;
  let n = 0;
  for (const o of cx.world.objects) {
    if (o.kind !== 'sg_table' || !o.alive) continue;
    const att = cx.obj(o.f.attachment ?? null);
    if (att && att.f.buf === b && att.f.importer === null) n++;
  }
  buf.f.static_mappings = n;
}

/** The event a successful map emits, for rules that judge what an exporter handed out. */
export const mappingEvents: Readonly<Record<string, EventSpec>> = {
  mapped: {
    params: [param('attach', K.att), param('sgt', K.sgt)],
    doc: '`dma_buf_map_attachment` (or its `_unlocked` variant) returned `sgt` for `attach`.',
  },
  mapping_invalidated: {
    params: [param('attach', K.att), param('sgt', K.sgt)],
    doc: "`dma_buf_move_notify` is about to call the importer's `move_notify` for `attach`, which still has the mapping `sgt`.",
  },
};

/** The mapping primitives, in the order the model lists them. */
export const mappingPrimitives: readonly PrimitiveImpl[] = [
  pinning(true),
  pinning(false),
  map,
  unmap,
  unlocked(map, "Takes the buffer's resv lock, maps as `dma_buf_map_attachment` does, and lets the lock go: for importers that do not hold it (dma_buf_map_attachment_unlocked())."),
  unlocked(unmap, "Takes the buffer's resv lock, unmaps as `dma_buf_unmap_attachment` does, and lets the lock go (dma_buf_unmap_attachment_unlocked())."),
  physVecToSgt,
  freeSgt,
  mapSystem,
  unmapSystem,
];
