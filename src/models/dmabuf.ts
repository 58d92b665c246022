/**
 * The DMA-BUF model (drivers/dma-buf/dma-buf.c): export with the exporter's
 * ops, static and dynamic attachments, map/unmap through the exporter's
 * callbacks, `move_notify` over every dynamic attachment, the `resv` mutex,
 * reference counts and release.
 *
 * What the kernel WARNs about and refuses, the model refuses the same way:
 * `dma_buf_export` of ops with only one of pin/unpin (-EINVAL). A dynamic
 * importer may leave `move_notify` out (575157b1b5fc, 7.1): it is then never
 * notified and not revocable; for a spec that targets an older kernel the
 * attach fails with -EINVAL, as the WARN_ON in dma_buf_dynamic_attach() did. `dma_buf_pin` on a static attachment WARNs and
 * still calls the exporter's `pin`, as the kernel does. A static importer of a dynamic exporter (one with
 * `pin`) is pinned at map time and unpinned at unmap (dma_buf_pin_on_map).
 * Misuse the kernel cannot refuse is a violation: an attachment used after
 * detach and a put of a freed buffer are `model.use_after_free`, an unmap of
 * an unmapped table is `model.double_unmap`, a detach (or last put) that
 * leaves mappings (or attachments) behind is `model.leak`.
 *
 * Additions for the stdlib's rules and the revoke contract: attachments record
 * `dynamic` and `pinned`, buffers count `static_mappings` (the live mappings
 * of static attachments), `dma_buf_attach_revocable` (be6d4c9e9d71) tells an
 * exporter whether an importer can be revoked, and `dma_map_sgtable` /
 * `dma_unmap_sgtable` map system memory for exporters not backed by a BAR.
 */
import type { Value } from '../runtime/values.js';
import type { NativeFrame, World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import type { PrimitiveSig } from '../semantics/vocabulary.js';
import { deviceSignals, fenceConstants, fenceKind, fencePrimitives } from './fence.js';
import { WORKER } from './work.js';
import { isResult, liveAtt, liveBuf, liveOf, resvFree, resvWait, takeResv, releaseResv, threadOfFrame } from './dmabuf-common.js';
import { mappingEvents, mappingPrimitives } from './dmabuf-map.js';
import { call, fail, ret, wait, type KindImpl, type Model, type ModelContext, type NativeResult, type PrimitiveImpl, type ThreadGate } from './model.js';
import { K, param } from './sig.js';

/** Whether the spec's kernel contract is older than `major.minor` (its `target`, else the newest). */
function before(cx: ModelContext, major: number, minor: number): boolean {
  const c = cx.program.program.contract;
  return c.major < major || (c.major === major && c.minor < minor);
}

/** The signatures of the DMA-BUF primitives (include/linux/dma-buf.h), as the checker sees them. */
const sigs: Record<string, PrimitiveSig> = {
  dma_buf_export: {
    name: 'dma_buf_export',
    params: [param('ops', T.ops('dma_buf_ops')), param('provider', K.provider, true)],
    returns: K.buf,
    doc: 'Exports a buffer with the given exporter ops (and the P2P provider that backs it); the caller holds the first reference.',
    faults: ['ENOMEM'],
  },
  dma_buf_get: { name: 'dma_buf_get', params: [param('buf', K.buf)], returns: K.buf, doc: 'Takes another reference on the buffer (get_dma_buf()); after the last put it is a use after free.' },
  dma_buf_try_get: {
    name: 'dma_buf_try_get',
    params: [param('buf', K.buf)],
    returns: T.bool,
    doc: "Takes a reference unless the last one is gone (get_file_active() on the buffer's file): false once the release is pending.",
  },
  dma_buf_put: {
    name: 'dma_buf_put',
    params: [param('buf', K.buf)],
    returns: T.void,
    doc: "Drops a reference (fput()). The last put defers the exporter's `release`: it runs when the task returns to user space (after its scenario line), or later on a kernel thread when the put came from one.",
  },
  dma_buf_attach: {
    name: 'dma_buf_attach',
    params: [param('buf', K.buf), param('dev', K.dev)],
    returns: K.att,
    doc: 'Static attach: the importer cannot be told to move, so a dynamic exporter pins the buffer at map time.',
    faults: ['ENOMEM'],
  },
  dma_buf_dynamic_attach: {
    name: 'dma_buf_dynamic_attach',
    params: [param('buf', K.buf), param('dev', K.dev), param('importer_ops', T.ops('dma_buf_attach_ops'))],
    returns: K.att,
    doc: 'Dynamic attach with importer ops; the exporter may call their `move_notify` under the resv lock at any time.',
    faults: ['ENOMEM'],
  },
  dma_buf_detach: { name: 'dma_buf_detach', params: [param('buf', K.buf), param('attach', K.att)], returns: T.void, doc: 'Removes an attachment; every mapping of it must be gone.' },
  dma_buf_move_notify: {
    name: 'dma_buf_move_notify',
    params: [param('buf', K.buf)],
    returns: T.void,
    doc: 'Calls `move_notify` on every dynamic attachment; the exporter holds the resv lock. Newer kernels: `dma_buf_invalidate_mappings`.',
  },
  dma_buf_attach_revocable: {
    name: 'dma_buf_attach_revocable',
    params: [param('attach', K.att)],
    returns: T.bool,
    doc: 'Whether the importer can be revoked: a dynamic attachment whose importer ops fill `move_notify` (drivers/dma-buf/dma-buf.c, dma_buf_attach_revocable()). An exporter that must revoke calls it in its `attach` op.',
    since: { linux: '7.1', commit: 'be6d4c9e9d71' },
  },
};

const exportBuf: PrimitiveImpl = {
  sig: sigs.dma_buf_export!,
  start(cx, [ops, provider]) {
    if (typeof ops !== 'string' || !ops.startsWith('&')) return cx.fatal('model.null_deref', `dma_buf_export with ${cx.show(ops ?? null)}, not an ops table`);
    if ((cx.callback(ops, 'pin') === undefined) !== (cx.callback(ops, 'unpin') === undefined)) return fail('EINVAL');
    const p = provider ?? null;
    if (p !== null) {
      const po = cx.obj(p);
      if (!po || po.kind !== 'p2pdma_provider') return cx.fatal('model.null_deref', `dma_buf_export with provider ${cx.show(p)}`);
      if (!po.alive) return cx.fatal('model.use_after_free', `dma_buf_export of ${cx.show(p)}, which has been destroyed`);
    }
    const driver = cx.program.driverIndex.get(ops.slice(1).split('.')[0]!);
    const exporter = driver === undefined ? null : (cx.world.bindings[driver] ?? null);
    const resv = cx.create('mutex', { holder: -1, ctx: null, owner: null });
    const buf = cx.create('dma_buf', { exporter, provider: p, resv, ops, refs: 1, attachments: [], static_mappings: 0 });
    cx.obj(resv)!.f.owner = buf;
    return ret(buf);
  },
};

const get: PrimitiveImpl = {
  sig: sigs.dma_buf_get!,
  start(cx, [b]) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_get');
    if (isResult(buf)) return buf;
    // get_file() on a file whose last reference is gone: its release is already on its way.
    if ((buf.f.refs as number) === 0) return cx.fatal('model.use_after_free', `dma_buf_get of ${cx.show(b!)} after its last reference was dropped (its release is pending)`);
    buf.f.refs = (buf.f.refs as number) + 1;
    return ret(b!);
  },
};

const tryGet: PrimitiveImpl = {
  sig: sigs.dma_buf_try_get!,
  start(cx, [b]) {
    const o = cx.obj(b ?? null);
    if (!o || o.kind !== 'dma_buf') return cx.fatal('model.null_deref', `dma_buf_try_get of ${cx.show(b ?? null)}, not a dma_buf`);
    // get_file_active() reads a SLAB_TYPESAFE_BY_RCU file: a released buffer's is false too.
    if (!o.alive || (o.f.refs as number) === 0) return ret(false);
    o.f.refs = (o.f.refs as number) + 1;
    return ret(true);
  },
};

/** Label prefix of the threads that run a deferred release. */
const FPUT = 'fput';

/**
 * dma_buf_put() is fput(): the last one does not release the buffer in the
 * caller. fput() queues the file's ->release (dma_buf_file_release() →
 * dma_buf_release() → the exporter's `release`) as task_work, run when the
 * task returns to user space — after its current scenario line — or, from a
 * kernel thread (a kworker, the hotplug thread that runs a surprise
 * removal's remove()), on the delayed_fput work, at any later time
 * (fs/file_table.c, fput_close_sync() aside). The release then runs as a
 * thread of its own (`fput1`, …), gated by `taskWork` below.
 */
const put: PrimitiveImpl = {
  sig: sigs.dma_buf_put!,
  start(cx, [b], frame) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_put');
    if (isResult(buf)) return buf;
    if ((buf.f.refs as number) === 0) return cx.fatal('model.use_after_free', `dma_buf_put of ${cx.show(b!)} after its last reference was dropped (its release is pending)`);
    buf.f.refs = (buf.f.refs as number) - 1;
    if ((buf.f.refs as number) > 0) return ret(null);
    const w = cx.world;
    const me = w.threads[cx.thread]!;
    const kernelThread = me.label.startsWith(WORKER) || me.label.startsWith(FPUT) || me.frames.some((f) => f.k === 'n' && f.prim === '@unplug');
    const n = w.threads.filter((t) => t.label.startsWith(FPUT)).length + 1;
    w.threads.push({
      label: `${FPUT}${n}`,
      root: frame.body,
      frames: [{ k: 'n', prim: RELEASE, args: [b!], phase: 0, regs: [b!, kernelThread ? -1 : cx.thread], tr: false, at: frame.at, body: frame.body, waiting: true }],
      done: false,
    });
    return ret(null);
  },
};

/** The deferred release itself: the exporter's `release`, then the buffer ends. `regs`: the buffer, the task whose return to user space runs it (-1: any time). */
const RELEASE = '@dma_buf_release';
const release: PrimitiveImpl = {
  sig: { name: RELEASE, params: [], returns: T.void, doc: 'dma_buf_release' },
  start() {
    return ret(null);
  },
  resume(cx, frame) {
    const b = frame.regs[0]!;
    if (frame.phase === 1) return finishRelease(cx, b);
    const buf = cx.obj(b)!;
    const atts = liveOf(cx, 'attachment', 'buf', b);
    if (atts.length) cx.violate('model.leak', `${cx.show(b)} is released with ${atts.map((a) => cx.show(a)).join(', ')} still attached`);
    const cb = cx.callback(buf.f.ops ?? null, 'release');
    return cb === undefined ? finishRelease(cx, b) : call(cb, [b], 1);
  },
  ready: (w, frame) => {
    const owner = frame.regs[1] as number;
    if (owner < 0) return true;
    const t = w.threads[owner]!;
    return t.done || t.frames.length <= 1;
  },
  waitsFor: (w, frame) => `${w.threads[frame.regs[1] as number]?.label ?? 'its task'} to return to user space`,
};

/** A task with a deferred release waits for it before its next scenario line: task_work runs on the way back to user space. */
export const taskWork: ThreadGate = {
  blocked(w, t) {
    const th = w.threads[t]!;
    if (th.frames.length !== 1 || th.label.startsWith(FPUT)) return undefined;
    // A loop, not `find`: every thread's every look at whether it can step asks this.
    for (const u of w.threads) {
      const f = u.frames[0];
      if (!u.done && f?.k === 'n' && f.regs[1] === t && u.label.startsWith(FPUT)) return `its deferred release on ${u.label} (task_work on the return to user space)`;
    }
    return undefined;
  },
};

function finishRelease(cx: ModelContext, b: Value): NativeResult {
  const buf = cx.obj(b)!;
  cx.destroy(b);
  cx.destroy(buf.f.resv ?? null);
  return ret(null);
}

/** Phases of attach and detach: the exporter's callback returned; waiting for the buffer's reservation lock. */
const CALLBACK = 1;
const LOCKING = 2;

/**
 * dma_buf_dynamic_attach() / dma_buf_attach(): the attachment is made, the
 * exporter's `attach` runs without the reservation lock and may refuse (the
 * attachment then never reaches the list), and only then is it added to
 * `dmabuf->attachments` under `dma_resv_lock(dmabuf->resv, NULL)`: an attach
 * waits while another thread holds the lock, and one made while holding it
 * waits for good. So a `move_notify` never reaches an attachment whose
 * `attach` is still running or has failed. `regs`: the attachment, the buffer.
 */
function attach(dynamic: boolean): PrimitiveImpl {
  const name = dynamic ? 'dma_buf_dynamic_attach' : 'dma_buf_attach';
  /** list_add under the reservation lock, once it is free. */
  const list = (cx: ModelContext, frame: NativeFrame): NativeResult => {
    const [att, b] = frame.regs as [Value, Value];
    if (!resvFree(cx.world, b)) return wait(LOCKING);
    const buf = cx.obj(b)!;
    takeResv(cx, b);
    // dmabuf->attachments, a set: move_notify walks it in every order.
    buf.f.attachments = [...(buf.f.attachments as Value[]), att];
    releaseResv(cx, b);
    return ret(att);
  };
  return {
    sig: sigs[name]!,
    start(cx, args, frame) {
      const [b, dev, importer] = args;
      const buf = liveBuf(cx, b ?? null, name);
      if (isResult(buf)) return buf;
      const d = cx.obj(dev ?? null);
      if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `${name} for ${cx.show(dev ?? null)}, not a device`);
      let ops: Value = null;
      if (dynamic) {
        ops = importer ?? null;
        if (typeof ops !== 'string' || !ops.startsWith('&')) return cx.fatal('model.null_deref', `${name} with importer ops ${cx.show(ops)}`);
        // Until 575157b1b5fc (7.1): WARN_ON(importer_ops && !importer_ops->move_notify) returns -EINVAL.
        if (before(cx, 7, 1) && cx.callback(ops, 'move_notify') === undefined) return fail('EINVAL');
      }
      const att = cx.create('attachment', { buf: b!, dev: dev!, peer2peer: dynamic && cx.flag(ops, 'allow_peer2peer'), importer: ops, pinned: false, dynamic });
      frame.regs = [att, b!];
      const cb = cx.callback(buf.f.ops ?? null, 'attach');
      return cb === undefined ? list(cx, frame) : call(cb, [b!, att], CALLBACK);
    },
    resume(cx, frame, result) {
      if (frame.phase === CALLBACK && 'fail' in result) {
        // err_attach: kfree(attach); it was never on the list.
        cx.destroy(frame.regs[0]!);
        return fail(result.fail);
      }
      return list(cx, frame);
    },
    ready: (w: World, frame: NativeFrame) => resvFree(w, frame.regs[1] ?? null),
    waitsFor: (w, frame, show) => resvWait(w, frame, show, 1, threadOfFrame(w, frame)),
  };
}

/**
 * dma_buf_detach(): takes the attachment off `dmabuf->attachments` under the
 * reservation lock (waiting for it), lets the lock go, then calls the
 * exporter's `detach`, and the attachment ends. A `move_notify` walk, which
 * holds the lock, therefore never sees an attachment detached under it. The
 * kernel does not check mappings; the model reports a detach with live ones
 * as `model.leak` ("DOC: dma buf device access": detach after cleaning up
 * any mappings). `regs`: the attachment, the buffer.
 */
const detach: PrimitiveImpl = {
  sig: sigs.dma_buf_detach!,
  start(cx, [b, a], frame) {
    const att = liveAtt(cx, a ?? null, 'dma_buf_detach');
    if (isResult(att)) return att;
    const maps = liveOf(cx, 'sg_table', 'attachment', a!);
    if (maps.length) cx.violate('model.leak', `${cx.show(a!)} is detached with ${maps.map((m) => cx.show(m)).join(', ')} still mapped`);
    frame.regs = [a!, att.f.buf ?? b ?? null];
    return unlist(cx, frame);
  },
  resume(cx, frame) {
    if (frame.phase === LOCKING) return unlist(cx, frame);
    cx.destroy(frame.regs[0]!);
    return ret(null);
  },
  ready: (w: World, frame: NativeFrame) => resvFree(w, frame.regs[1] ?? null),
  waitsFor: (w, frame, show) => resvWait(w, frame, show, 1, threadOfFrame(w, frame)),
};

/** list_del under the reservation lock, then the exporter's detach. */
function unlist(cx: ModelContext, frame: NativeFrame): NativeResult {
  const [a, b] = frame.regs as [Value, Value];
  if (!resvFree(cx.world, b)) return wait(LOCKING);
  const buf = cx.obj(b);
  if (buf) {
    takeResv(cx, b);
    buf.f.attachments = (buf.f.attachments as Value[]).filter((x) => x !== a);
    releaseResv(cx, b);
  }
  const cb = buf ? cx.callback(buf.f.ops ?? null, 'detach') : undefined;
  if (cb !== undefined) return call(cb, [b, a], CALLBACK);
  cx.destroy(a);
  return ret(null);
}

/**
 * dma_buf_move_notify() walks `dmabuf->attachments`, whose order is the
 * reverse of the order the attachments were made in (list_add), which racing
 * importers do not control and no document promises. So the model notifies
 * in every order: after each callback, the next attachment is a choice among
 * those still pending. `regs[0]` is the attachment being notified, the rest
 * the set still to go (`unorderedRegsFrom`).
 */
const moveNotify: PrimitiveImpl = {
  sig: sigs.dma_buf_move_notify!,
  start(cx, [b], frame) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_move_notify');
    if (isResult(buf)) return buf;
    frame.regs = (buf.f.attachments as Value[]).filter((a) => cx.obj(a)!.f.importer !== null);
    return nextNotify(cx, frame.regs);
  },
  resume(cx, frame) {
    frame.regs = frame.regs.slice(1);
    return nextNotify(cx, frame.regs);
  },
  unorderedRegsFrom: 1,
};

function nextNotify(cx: ModelContext, pending: Value[]): NativeResult {
  // An attachment detached by an earlier callback is not notified.
  for (let i = pending.length - 1; i >= 0; i--) {
    const att = cx.obj(pending[i]!)!;
    if (!att.alive || cx.callback(att.f.importer ?? null, 'move_notify') === undefined) pending.splice(i, 1);
  }
  if (pending.length === 0) return ret(null);
  // One of each kind: attachments of twin importers lead to the same states, up to renaming.
  const options = pending.filter((a, i) => !pending.slice(0, i).some((b) => cx.interchangeable(a, b)));
  const a = options[options.length > 1 ? cx.choose(options.length) : 0]!;
  pending.splice(pending.indexOf(a), 1);
  pending.unshift(a);
  // What the kerneldoc's bounded-time promise is about: each mapping the importer holds now.
  for (const s of liveOf(cx, 'sg_table', 'attachment', a)) cx.emit('mapping_invalidated', [a, s]);
  return call(cx.callback(cx.obj(a)!.f.importer ?? null, 'move_notify')!, [a], 1);
}

/**
 * The prelude's stub for importers that cannot invalidate (stdlib/dmabuf/ops.lspec).
 * Merged kernels spell "cannot invalidate" as a NULL invalidate_mappings
 * (575157b1b5fc), which a spec may write too; specs for the kernels before
 * it, which required the callback, fill it with this stub instead.
 */
export const UNSUPPORTED_INVALIDATE = 'dma_buf_unsupported_invalidate_mappings';

/** Whether an importer ops table (`&drv.table`) fills `move_notify` with the unsupported stub. */
function unsupportedInvalidate(cx: ModelContext, ops: Value): boolean {
  if (typeof ops !== 'string' || !ops.startsWith('&')) return false;
  const [driver, table] = ops.slice(1).split('.') as [string, string];
  const cb = cx.program.program.drivers.get(driver)?.ops.get(table)?.callbacks.get('move_notify');
  return cb !== undefined && 'fn' in cb && cb.fn === UNSUPPORTED_INVALIDATE;
}

/**
 * dma_buf_attach_revocable() (be6d4c9e9d71, "dma-buf: Add dma_buf_attach_revocable()"):
 * true when the importer can invalidate its mappings on request, so that a
 * revoke completes in bounded time. Static attachments (no importer ops) and
 * importers whose move_notify is the unsupported stub are not revocable.
 */
const attachRevocable: PrimitiveImpl = {
  sig: sigs.dma_buf_attach_revocable!,
  start(cx, [a]) {
    const o = cx.obj(a ?? null);
    if (!o || o.kind !== 'attachment') return cx.fatal('model.null_deref', `dma_buf_attach_revocable of ${cx.show(a ?? null)}, not an attachment`);
    // The exporter's attach op asks before the attachment is on the list; a detached one has no importer to ask.
    if (!o.alive) return cx.fatal('model.use_after_free', `dma_buf_attach_revocable of ${cx.show(a!)}, which has been detached`);
    const ops = o.f.importer ?? null;
    return ret(ops !== null && cx.callback(ops, 'move_notify') !== undefined && !unsupportedInvalidate(cx, ops));
  },
};

const bufKind: KindImpl = {
  name: 'dma_buf',
  doc: "A shared buffer (struct dma_buf): made by `dma_buf_export`, ended when the last reference is dropped and the exporter's `release` has run.",
  fields: {
    exporter: { type: T.optional(T.object('binding')), lifetime: true, doc: 'The binding of the driver that exported it.' },
    provider: { type: T.optional(T.object('p2pdma_provider')), lifetime: true, doc: 'The P2P provider given at export, if any.' },
    resv: { type: T.object('mutex'), doc: "The buffer's reservation lock (dmabuf->resv)." },
    static_mappings: { type: T.int, doc: 'Its live mappings made through static attachments (no importer ops).' },
  },
  // dmabuf->attachments: move_notify walks it in every order, so its order is not state.
  setFields: ['attachments'],
};

const attachmentKind: KindImpl = {
  name: 'attachment',
  doc: 'An importer device attached to a buffer (struct dma_buf_attachment): made by `dma_buf_attach` / `dma_buf_dynamic_attach`, ended by `dma_buf_detach`.',
  fields: {
    buf: { type: T.object('dma_buf'), lifetime: true },
    dev: { type: T.object('pci_dev'), lifetime: true },
    peer2peer: { type: T.bool, doc: 'What the importer asked for: `allow_peer2peer` of its importer ops.' },
    dynamic: { type: T.bool, doc: 'dma_buf_attachment_is_dynamic(): the importer gave importer ops.' },
    pinned: { type: T.bool, doc: 'Whether the buffer is pinned for it (dma_buf_pin, or the core\'s pin at map time).' },
  },
};

const sgTableKind: KindImpl = {
  name: 'sg_table',
  doc: 'A DMA mapping (struct sg_table): made by `dma_buf_map_attachment`, `p2pdma_map` or `dma_map_sgtable`, ended by the matching unmap.',
  fields: {
    attachment: { type: T.optional(T.object('attachment')), lifetime: true },
    provider: { type: T.optional(T.object('p2pdma_provider')), lifetime: true },
    dev: { type: T.object('pci_dev'), lifetime: true },
  },
};

/** Buffers shared between an exporter and importers. */
export const dmabufModel: Model = {
  name: 'dmabuf',
  kinds: [bufKind, attachmentKind, sgTableKind, fenceKind],
  constants: fenceConstants,
  signals: deviceSignals,
  aliases: {
    primitives: { dma_buf_invalidate_mappings: 'dma_buf_move_notify' },
    slots: { invalidate_mappings: 'move_notify' },
    since: { dma_buf_invalidate_mappings: { linux: '7.1', commit: '95308225e5ba' }, invalidate_mappings: { linux: '7.1', commit: 'ef246da8e63c' } },
  },
  violations: {
    'model.double_unmap': 'A mapping was unmapped twice.',
    'model.leak': 'An object was given up while it still owned live objects (detach with a live mapping, the last put with attachments left).',
  },
  events: mappingEvents,
  threadGate: taskWork,
  primitives: [exportBuf, get, tryGet, put, release, attach(false), attach(true), detach, moveNotify, attachRevocable, ...mappingPrimitives, ...fencePrimitives],
};
