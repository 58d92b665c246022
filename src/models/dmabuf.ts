/**
 * The DMA-BUF model (drivers/dma-buf/dma-buf.c): export with the exporter's
 * ops, static and dynamic attachments, map/unmap through the exporter's
 * callbacks, `move_notify` over every dynamic attachment, the `resv` mutex,
 * reference counts and release.
 *
 * What the kernel WARNs about and refuses, the model refuses the same way:
 * `dma_buf_export` of ops with only one of pin/unpin (-EINVAL), a dynamic
 * attach without `move_notify` (-EINVAL), `dma_buf_pin` on a static
 * attachment (-EINVAL). A static importer of a dynamic exporter (one with
 * `pin`) is pinned at map time and unpinned at unmap (dma_buf_pin_on_map).
 * Misuse the kernel cannot refuse is a violation: an attachment used after
 * detach and a put of a freed buffer are `model.use_after_free`, an unmap of
 * an unmapped table is `model.double_unmap`, a detach (or last put) that
 * leaves mappings (or attachments) behind is `model.leak`.
 */
import { isRef, ref, type Value } from '../interp/values.js';
import { primitives } from '../semantics/builtins.js';
import type { Obj } from '../explore/state.js';
import { call, fail, ret, type Model, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';

/** The buffer behind a reference, or the result that stops a misuse. */
function liveBuf(cx: ModelContext, v: Value, what: string): Obj | NativeResult {
  const o = cx.obj(v);
  if (!o || o.kind !== 'dma_buf') return cx.fatal('model.null_deref', `${what} of ${cx.show(v)}, not a dma_buf`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(v)}, which has been released`);
  return o;
}

function liveAtt(cx: ModelContext, v: Value, what: string): Obj | NativeResult {
  const o = cx.obj(v);
  if (!o || o.kind !== 'attachment') return cx.fatal('model.null_deref', `${what} of ${cx.show(v)}, not an attachment`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(v)}, which has been detached`);
  return o;
}

const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

function liveOf(cx: ModelContext, kind: string, field: string, target: Value): string[] {
  const out: string[] = [];
  cx.world.objects.forEach((o, id) => {
    if (o.kind === kind && o.alive && o.f[field] === target) out.push(ref(id));
  });
  return out;
}

/** Whether the exporter is dynamic: its ops have `pin` (dma_buf_is_dynamic). */
const dynamicExporter = (cx: ModelContext, buf: Obj) => cx.callback(buf.f.ops ?? null, 'pin') !== undefined;

const exportBuf: PrimitiveImpl = {
  sig: primitives.get('dma_buf_export')!,
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
    const resv = cx.create('mutex', { holder: -1, owner: null });
    const buf = cx.create('dma_buf', { exporter, provider: p, resv, ops, refs: 1, attachments: [] });
    cx.obj(resv)!.f.owner = buf;
    return ret(buf);
  },
};

const get: PrimitiveImpl = {
  sig: primitives.get('dma_buf_get')!,
  start(cx, [b]) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_get');
    if (isResult(buf)) return buf;
    buf.f.refs = (buf.f.refs as number) + 1;
    return ret(b!);
  },
};

const put: PrimitiveImpl = {
  sig: primitives.get('dma_buf_put')!,
  start(cx, [b], frame) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_put');
    if (isResult(buf)) return buf;
    buf.f.refs = (buf.f.refs as number) - 1;
    if ((buf.f.refs as number) > 0) return ret(null);
    const atts = liveOf(cx, 'attachment', 'buf', b!);
    if (atts.length) cx.violate('model.leak', `the last reference to ${cx.show(b!)} is dropped with ${atts.map((a) => cx.show(a)).join(', ')} still attached`);
    frame.regs = [b!];
    const release = cx.callback(buf.f.ops ?? null, 'release');
    return release === undefined ? finishRelease(cx, b!) : call(release, [b!], 1);
  },
  resume(cx, frame) {
    return finishRelease(cx, frame.regs[0]!);
  },
};

function finishRelease(cx: ModelContext, b: Value): NativeResult {
  const buf = cx.obj(b)!;
  cx.destroy(b);
  cx.destroy(buf.f.resv ?? null);
  return ret(null);
}

function attach(dynamic: boolean): PrimitiveImpl {
  return {
    sig: primitives.get(dynamic ? 'dma_buf_dynamic_attach' : 'dma_buf_attach')!,
    start(cx, args, frame) {
      const [b, dev, importer] = args;
      const name = dynamic ? 'dma_buf_dynamic_attach' : 'dma_buf_attach';
      const buf = liveBuf(cx, b ?? null, name);
      if (isResult(buf)) return buf;
      const d = cx.obj(dev ?? null);
      if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `${name} for ${cx.show(dev ?? null)}, not a device`);
      let ops: Value = null;
      if (dynamic) {
        ops = importer ?? null;
        if (typeof ops !== 'string' || !ops.startsWith('&')) return cx.fatal('model.null_deref', `${name} with importer ops ${cx.show(ops)}`);
        if (cx.callback(ops, 'move_notify') === undefined) return fail('EINVAL');
      }
      const att = cx.create('attachment', { buf: b!, dev: dev!, peer2peer: dynamic && cx.flag(ops, 'allow_peer2peer'), importer: ops, pinned: false });
      // dmabuf->attachments: move_notify walks it in attach order.
      buf.f.attachments = [...(buf.f.attachments as Value[]), att];
      frame.regs = [att];
      const cb = cx.callback(buf.f.ops ?? null, 'attach');
      return cb === undefined ? ret(att) : call(cb, [b!, att], 1);
    },
    resume(cx, frame, result) {
      const att = frame.regs[0]!;
      if ('fail' in result) {
        dropAttachment(cx, att);
        return fail(result.fail);
      }
      return ret(att);
    },
  };
}

const detach: PrimitiveImpl = {
  sig: primitives.get('dma_buf_detach')!,
  start(cx, [b, a], frame) {
    const att = liveAtt(cx, a ?? null, 'dma_buf_detach');
    if (isResult(att)) return att;
    const maps = liveOf(cx, 'sg_table', 'attachment', a!);
    if (maps.length) cx.violate('model.leak', `${cx.show(a!)} is detached with ${maps.map((m) => cx.show(m)).join(', ')} still mapped`);
    frame.regs = [a!];
    const buf = cx.obj(b ?? null) ?? cx.obj(att.f.buf ?? null);
    const cb = buf ? cx.callback(buf.f.ops ?? null, 'detach') : undefined;
    if (cb !== undefined) return call(cb, [b ?? att.f.buf ?? null, a!], 1);
    dropAttachment(cx, a!);
    return ret(null);
  },
  resume(cx, frame) {
    dropAttachment(cx, frame.regs[0]!);
    return ret(null);
  },
};

/** Ends an attachment and takes it off its buffer's list. */
function dropAttachment(cx: ModelContext, a: Value): void {
  const buf = cx.obj(cx.obj(a)?.f.buf ?? null);
  if (buf) buf.f.attachments = (buf.f.attachments as Value[]).filter((x) => x !== a);
  cx.destroy(a);
}

function pinning(pin: boolean): PrimitiveImpl {
  const name = pin ? 'dma_buf_pin' : 'dma_buf_unpin';
  return {
    sig: primitives.get(name)!,
    start(cx, [a], frame) {
      const att = liveAtt(cx, a ?? null, name);
      if (isResult(att)) return att;
      // Only dynamic importers pin (WARN_ON(!attach->importer_ops) in dma_buf_pin).
      if (att.f.importer === null) return fail('EINVAL');
      frame.regs = [a!];
      const cb = cx.callback(cx.obj(att.f.buf ?? null)?.f.ops ?? null, pin ? 'pin' : 'unpin');
      if (cb === undefined) {
        att.f.pinned = pin;
        return ret(null);
      }
      return call(cb, [a!], 1);
    },
    resume(cx, frame, result) {
      if ('fail' in result) return fail(result.fail);
      cx.obj(frame.regs[0]!)!.f.pinned = pin;
      return ret(null);
    },
  };
}

const map: PrimitiveImpl = {
  sig: primitives.get('dma_buf_map_attachment')!,
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
    return ret(sgt);
  },
};

function callMap(cx: ModelContext, a: Value, buf: Obj): NativeResult {
  const cb = cx.callback(buf.f.ops ?? null, 'map_dma_buf');
  if (cb === undefined) return fail('EINVAL');
  return call(cb, [a], 2);
}

const unmap: PrimitiveImpl = {
  sig: primitives.get('dma_buf_unmap_attachment')!,
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

/** The mapping ends with the unmap, whatever the exporter's callback did; a map-time pin is dropped. */
function afterUnmap(cx: ModelContext, regs: Value[]): NativeResult {
  const [a, sgt] = regs as [string, string];
  const s = cx.obj(sgt)!;
  if (s.alive) {
    if (isRef(s.f.iova ?? null)) cx.destroy(s.f.iova!);
    cx.destroy(sgt);
  }
  const att = cx.obj(a)!;
  const buf = cx.obj(att.f.buf ?? null);
  if (att.f.importer === null && att.f.pinned === true && buf) {
    att.f.pinned = false;
    const cb = cx.callback(buf.f.ops ?? null, 'unpin');
    if (cb !== undefined) return call(cb, [a], 2);
  }
  return ret(null);
}

const moveNotify: PrimitiveImpl = {
  sig: primitives.get('dma_buf_move_notify')!,
  start(cx, [b], frame) {
    const buf = liveBuf(cx, b ?? null, 'dma_buf_move_notify');
    if (isResult(buf)) return buf;
    // Every dynamic attachment, in the order they were made.
    frame.regs = (buf.f.attachments as Value[]).filter((a) => cx.obj(a)!.f.importer !== null);
    return nextNotify(cx, frame.regs);
  },
  resume(cx, frame) {
    frame.regs = frame.regs.slice(1);
    return nextNotify(cx, frame.regs);
  },
};

function nextNotify(cx: ModelContext, pending: Value[]): NativeResult {
  while (pending.length > 0) {
    const a = pending[0]!;
    const att = cx.obj(a)!;
    const cb = att.alive ? cx.callback(att.f.importer ?? null, 'move_notify') : undefined;
    if (cb !== undefined) return call(cb, [a], 1);
    pending.shift();
  }
  return ret(null);
}

/** Buffers shared between an exporter and importers. */
export const dmabufModel: Model = {
  name: 'dmabuf',
  primitives: [exportBuf, get, put, attach(false), attach(true), detach, pinning(true), pinning(false), map, unmap, moveNotify],
};
