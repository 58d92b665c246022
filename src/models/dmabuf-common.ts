/** What the two halves of the DMA-BUF model share: argument checks and the buffer's reservation lock. */
import { isRef, ref, refId, type Value } from '../runtime/values.js';
import type { NativeFrame, Obj, World } from '../runtime/world.js';
import type { ModelContext, NativeResult } from './model.js';

/** The buffer behind a reference, or the result that stops a misuse. */
export function liveBuf(cx: ModelContext, v: Value, what: string): Obj | NativeResult {
  const o = cx.obj(v);
  if (!o || o.kind !== 'dma_buf') return cx.fatal('model.null_deref', `${what} of ${cx.show(v)}, not a dma_buf`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(v)}, which has been released`);
  return o;
}

export function liveAtt(cx: ModelContext, v: Value, what: string): Obj | NativeResult {
  const o = cx.obj(v);
  if (!o || o.kind !== 'attachment') return cx.fatal('model.null_deref', `${what} of ${cx.show(v)}, not an attachment`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(v)}, which has been detached`);
  return o;
}

export const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

/** The live objects of `kind` whose `field` is `target`. */
export function liveOf(cx: ModelContext, kind: string, field: string, target: Value): string[] {
  const out: string[] = [];
  cx.world.objects.forEach((o, id) => {
    if (o.kind === kind && o.alive && o.f[field] === target) out.push(ref(id));
  });
  return out;
}

/** The reservation lock of buffer `b` in `w` (undefined for what is not a live buffer). */
export function resvOf(w: World, b: Value): Obj | undefined {
  const buf = isRef(b) ? w.objects[refId(b)] : undefined;
  const r = buf?.f.resv ?? null;
  return isRef(r) ? w.objects[refId(r)] : undefined;
}

/** Whether nobody holds `b`'s reservation lock: what `dma_resv_lock(dmabuf->resv, NULL)` waits for. */
export const resvFree = (w: World, b: Value): boolean => (resvOf(w, b)?.f.holder ?? -1) === -1;

/** `b`'s reservation lock, the step's own to change (`resvOf` reads the shared one). */
const ownResv = (cx: ModelContext, b: Value): Obj | undefined => (isRef(b) ? cx.obj(cx.world.objects[refId(b)]?.f.resv ?? null) : undefined);

/** Takes `b`'s reservation lock for the stepping thread (it must be free). */
export function takeResv(cx: ModelContext, b: Value): void {
  ownResv(cx, b)!.f.holder = cx.thread;
}

/** Lets `b`'s reservation lock go, if the stepping thread holds it. */
export function releaseResv(cx: ModelContext, b: Value): void {
  const r = ownResv(cx, b);
  if (r && r.f.holder === cx.thread) r.f.holder = -1;
}

/** What a frame waiting for a buffer's reservation lock (its buffer in `regs[at]`) waits for. */
export function resvWait(w: World, frame: NativeFrame, show: (v: Value) => string, at: number, self: number): string {
  const b = frame.regs[at] ?? null;
  const h = (resvOf(w, b)?.f.holder as number | undefined) ?? -1;
  const who = h === self ? 'itself' : (w.threads[h]?.label ?? 'nobody');
  return `${show(b)}.resv held by ${who}`;
}

/** The thread a frame of `w` belongs to (for deadlock messages that say "itself"). */
export function threadOfFrame(w: World, frame: NativeFrame): number {
  return w.threads.findIndex((t) => t.frames.includes(frame));
}
