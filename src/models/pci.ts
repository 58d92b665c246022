/**
 * The PCI model: binding and unbinding drivers, surprise removal, MMIO, and
 * the devres release that follows a driver's `remove()`.
 *
 * - `bind D`: fails with ENODEV when the device is gone and EBUSY when it (or
 *   the driver) is already bound; creates the binding and the providers
 *   declared on the device, then calls `probe`. A failing probe undoes both.
 * - `unbind D`: `remove()`, then devres releases the binding's `devres` and
 *   `pgmap` providers (a `pgmap` one waits for its page references), then the
 *   binding ends (drivers/base/dd.c: device_remove() then devres_release_all()).
 * - `unplug dev`: from this step on MMIO reads return all-ones and the
 *   device's own DMA stops; then as `unbind`; then the pci_dev ends.
 * - Memory decode (PCI_COMMAND_MEMORY, the `mem` field of a pci_dev): on
 *   from the start, cleared by `pci_memory_disable` and set again by
 *   `pci_memory_enable`. MMIO to a device that does not decode, or a peer
 *   armed to DMA into one of its BARs, is `model.mmio_decode_off`.
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import { isRef, ref, refId, str, type Value } from '../runtime/values.js';
import { ownBindings, ownProviders, type NativeFrame, type World } from '../runtime/world.js';
import type { Program } from '../semantics/program.js';
import { T } from '../semantics/types.js';
import { call, fail, ret, wait, type FixedObject, type KindImpl, type Model, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';
import { pageHolders } from './p2pdma.js';
import { K, param } from './sig.js';

const ALL_ONES = 0xffffffff;

/** The binding's providers that devres releases (everything but `manual`). */
function devresProviders(w: World, binding: Value): string[] {
  // devres_release_all() frees in reverse order of allocation.
  const out: string[] = [];
  w.objects.forEach((o, id) => {
    if (o.kind === 'p2pdma_provider' && o.alive && o.f.binding === binding && o.f.lifetime !== 'manual') out.push(ref(id));
  });
  return out.reverse();
}

/**
 * The device lock (device_lock(), taken by driver core around probe and
 * around remove plus devres release): a bind, unbind or unplug that finds it
 * held waits in this phase, so a remove() never runs twice or during probe().
 */
const DEVICE_LOCK = 9;

/** The phase in which a bind whose probe failed waits for devres to release pgmap providers. */
const PROBE_FAILED = 8;

/** Takes `dev`'s device lock for the current thread; false when another thread holds it. */
function lockDevice(cx: ModelContext, devRef: string): boolean {
  const dev = cx.obj(devRef)!;
  if (dev.f.lock !== -1) return false;
  dev.f.lock = cx.thread;
  return true;
}

function unlockDevice(cx: ModelContext, devRef: string): void {
  cx.obj(devRef)!.f.lock = -1;
}

/**
 * devres_release_all() for a binding, from its first phase: the `devres`
 * providers end, a managed device (pcim_enable_device()) is disabled
 * (pcim_release() → pci_disable_device(), which clears bus mastering), and
 * each `pgmap` provider's percpu_ref is killed (memunmap_pages()), so it
 * hands out no new page reference, and waited for. Returns whether it must
 * wait for page references.
 */
function releaseDevres(cx: ModelContext, binding: string, devRef: string): boolean {
  const w = cx.world;
  for (const p of devresProviders(w, binding)) {
    const o = cx.obj(p)!;
    if (o.f.lifetime === 'devres') cx.destroy(p);
    else o.f.dying = true;
  }
  if (cx.obj(binding)?.f.managed === true) cx.obj(devRef)!.f.master = false;
  return devresProviders(w, binding).some((p) => pageHolders(w, p).length > 0);
}

/** The last of devres: the pgmap providers end once their references are gone, then the binding. */
function endBinding(cx: ModelContext, binding: string, devRef: string, d: number): void {
  for (const p of devresProviders(cx.world, binding)) cx.destroy(p);
  cx.obj(devRef)!.f.binding = null;
  ownBindings(cx.world)[d] = null;
  cx.destroy(binding);
  unlockDevice(cx, devRef);
}

/** Phases of a teardown: 1 = remove() returned, 2 = pgmap references dropped. */
function teardown(cx: ModelContext, frame: NativeFrame, phase: number): NativeResult {
  const [binding, devRef, d] = frame.regs as [string, string, number];
  if (phase === 1) {
    cx.emit('removed', [devRef]);
    if (releaseDevres(cx, binding, devRef)) return wait(2);
  }
  endBinding(cx, binding, devRef, d);
  if (frame.prim === '@unplug') cx.destroy(devRef);
  return ret(null);
}

/** Starts a teardown of driver `d`'s binding, with the device lock held: its remove(), then devres. */
function startTeardown(cx: ModelContext, frame: NativeFrame, d: number, devRef: string): NativeResult {
  const binding = cx.world.bindings[d]!;
  frame.regs = [binding, devRef, d];
  const drv = cx.program.drivers[d]!;
  cx.emit('remove', [devRef]);
  if (drv.remove !== undefined) return call(drv.remove, [devRef], 1);
  return teardown(cx, frame, 1);
}

function boundDriverOf(w: World, program: CompiledProgram, devRef: string): number {
  const binding = w.objects[refId(devRef)]!.f.binding ?? null;
  return binding === null ? -1 : w.bindings.indexOf(binding);
}

/** What bind, unbind and unplug wait for: the device lock, or (in a teardown) pgmap page references. */
const waits = {
  ready(w: World, frame: NativeFrame): boolean {
    if (frame.phase === DEVICE_LOCK) return w.objects[refId(frame.regs[1] as string)]!.f.lock === -1;
    return !devresProviders(w, frame.regs[0]!).some((p) => pageHolders(w, p).length > 0);
  },
  waitsFor(w: World, frame: NativeFrame, show: (v: Value) => string): string {
    if (frame.phase === DEVICE_LOCK) {
      const dev = w.objects[refId(frame.regs[1] as string)]!;
      return `the device lock of ${show(frame.regs[1]!)}, held by ${w.threads[dev.f.lock as number]?.label ?? 'nobody'}`;
    }
    const held = devresProviders(w, frame.regs[0]!).flatMap((p) => pageHolders(w, p).map((h) => `${show(h)} on ${show(p)}`));
    return `devres release of pgmap providers still referenced by ${held.join(', ')}`;
  },
};

/** bind, with the device lock held: checks, creates the binding and its providers, calls probe(). */
function bindLocked(cx: ModelContext, frame: NativeFrame): NativeResult {
  const [, devRef, d] = frame.regs as [null, string, number];
  const drv = cx.program.drivers[d]!;
  const dev = cx.obj(devRef)!;
  if (!dev.alive || dev.f.present !== true || dev.f.binding !== null || cx.world.bindings[d] !== null) {
    unlockDevice(cx, devRef);
    return fail(!dev.alive || dev.f.present !== true ? 'ENODEV' : 'EBUSY');
  }
  const binding = cx.create('binding', { device: devRef, driver: str(drv.name) });
  dev.f.binding = binding;
  ownBindings(cx.world)[d] = binding;
  for (const p of cx.program.program.providers.values()) {
    if (p.device !== drv.device) continue;
    const provider = cx.create('p2pdma_provider', { decl: p.name, device: devRef, binding, bar: p.bar, lifetime: p.lifetime });
    ownProviders(cx.world)[p.name] = provider;
  }
  frame.regs = [binding, devRef, d];
  // The bus probes whether or not the driver has a probe(), as it removes
  // whether or not it has a remove(): `probe(d)` pairs with `remove(d)`.
  cx.emit('probe', [devRef]);
  if (drv.probe !== undefined) return call(drv.probe, [devRef], 1);
  unlockDevice(cx, devRef);
  cx.emit('bind', [devRef]);
  return ret(null);
}

const bind: PrimitiveImpl = {
  sig: { name: '@bind', params: [], returns: T.void, doc: 'bind DRIVER' },
  start(cx, args, frame) {
    const d = args[0] as number;
    const devRef = ref(cx.program.deviceIds.get(cx.program.drivers[d]!.device)!);
    frame.regs = [null, devRef, d];
    return lockDevice(cx, devRef) ? bindLocked(cx, frame) : wait(DEVICE_LOCK);
  },
  resume(cx, frame, result) {
    if (frame.phase === DEVICE_LOCK) {
      lockDevice(cx, frame.regs[1] as string);
      return bindLocked(cx, frame);
    }
    const [binding, devRef, d] = frame.regs as [string, string, number];
    if (frame.phase === PROBE_FAILED) {
      endBinding(cx, binding, devRef, d);
      return fail(frame.regs[3] as string);
    }
    if ('fail' in result) {
      // really_probe()'s error path runs device_unbind_cleanup() → devres_release_all(): it waits for pgmap references too.
      frame.regs[3] = result.fail;
      if (releaseDevres(cx, binding, devRef)) return wait(PROBE_FAILED);
      endBinding(cx, binding, devRef, d);
      return fail(result.fail);
    }
    unlockDevice(cx, devRef);
    cx.emit('bind', [devRef]);
    return ret(null);
  },
  ...waits,
};

/** unbind, with the device lock held. */
function unbindLocked(cx: ModelContext, frame: NativeFrame): NativeResult {
  const [, devRef, d] = frame.regs as [null, string, number];
  if (cx.world.bindings[d] === null) {
    unlockDevice(cx, devRef);
    return fail('ENODEV');
  }
  cx.emit('unbind', [devRef]);
  return startTeardown(cx, frame, d, devRef);
}

const unbind: PrimitiveImpl = {
  sig: { name: '@unbind', params: [], returns: T.void, doc: 'unbind DRIVER' },
  start(cx, args, frame) {
    const d = args[0] as number;
    const devRef = ref(cx.program.deviceIds.get(cx.program.drivers[d]!.device)!);
    frame.regs = [null, devRef, d];
    return lockDevice(cx, devRef) ? unbindLocked(cx, frame) : wait(DEVICE_LOCK);
  },
  resume(cx, frame) {
    if (frame.phase === DEVICE_LOCK) {
      lockDevice(cx, frame.regs[1] as string);
      return unbindLocked(cx, frame);
    }
    return teardown(cx, frame, frame.phase);
  },
  ...waits,
};

/** The driver-release half of unplug, with the device lock held. */
function unplugLocked(cx: ModelContext, frame: NativeFrame): NativeResult {
  const devRef = frame.regs[1] as string;
  const d = boundDriverOf(cx.world, cx.program, devRef);
  if (d < 0) {
    unlockDevice(cx, devRef);
    cx.destroy(devRef);
    return ret(null);
  }
  return startTeardown(cx, frame, d, devRef);
}

const unplug: PrimitiveImpl = {
  sig: { name: '@unplug', params: [], returns: T.void, doc: 'unplug DEVICE' },
  start(cx, args, frame) {
    const devRef = ref(cx.program.deviceIds.get(args[0] as string)!);
    const dev = cx.obj(devRef)!;
    if (!dev.alive || dev.f.present !== true) return fail('ENODEV');
    // Surprise removal: from this step the device answers MMIO with all-ones
    // and does no DMA, whoever holds its lock; only the driver release waits.
    dev.f.present = false;
    cx.emit('unplug', [devRef]);
    frame.regs = [null, devRef];
    return lockDevice(cx, devRef) ? unplugLocked(cx, frame) : wait(DEVICE_LOCK);
  },
  resume(cx, frame) {
    if (frame.phase === DEVICE_LOCK) {
      lockDevice(cx, frame.regs[1] as string);
      return unplugLocked(cx, frame);
    }
    return teardown(cx, frame, frame.phase);
  },
  ...waits,
};

/*
 * Memory decode. PCI_COMMAND_MEMORY (Memory Space Enable) gates whether a
 * function answers accesses to its memory BARs; with it clear, a CPU load or
 * store, or a peer's DMA, that targets a BAR is not claimed and completes as
 * an Unsupported Request (all-ones data for a read, a dropped write, possibly
 * an AER error that some platforms escalate to a fatal one: CVE-2020-12888).
 * The kernel clears it with a PCI_COMMAND write (drivers/vfio/pci/
 * vfio_pci_config.c, vfio_basic_config_write()), around every function reset
 * (drivers/pci/pci.c, pci_dev_save_and_disable() writes
 * PCI_COMMAND_INTX_DISABLE, "This not only disables MMIO and I/O port BARs";
 * pci_dev_restore() -> pci_restore_state() sets it back) and when vfio-pci
 * disables the function on close (vfio_pci_core_disable()).
 */

/** Whether a present device decodes its memory BARs. */
function decodes(o: { alive: boolean; f: Record<string, Value> }): boolean {
  return o.f.mem !== false;
}

/**
 * The armed DMA that would reach a BAR of a present device whose decode is
 * off (of `target` only, when given): `[armed device, sg_table, target]`.
 * Only DMA that is otherwise sound counts (a live mapping, a live IOVA if it
 * has one, a live provider): a stale one is named by the DMA step itself
 * (model.iommu_fault, model.dma_after_free, model.dma_after_unmap).
 */
export function dmaIntoDecodeOff(w: World, target?: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const [di, si] of w.armed) {
    const d = w.objects[di]!;
    if (!d.alive || d.f.present !== true || d.f.master === false) continue; // removed hardware, or a non-master, does no DMA
    const s = w.objects[si]!;
    if (!s.alive) continue;
    const iova = s.f.iova ?? null;
    if (isRef(iova) && !w.objects[refId(iova)]!.alive) continue;
    const prov = s.f.provider ?? null;
    if (!isRef(prov) || !w.objects[refId(prov)]!.alive) continue;
    const owner = w.objects[refId(prov)]!.f.device ?? null;
    if (!isRef(owner) || (target !== undefined && owner !== target)) continue;
    const o = w.objects[refId(owner)]!;
    if (o.alive && o.f.present === true && !decodes(o)) out.push([ref(di), ref(si), owner]);
  }
  return out;
}

/** Reports each armed DMA into a BAR whose decode is off: the device may do it at any step (§5 of semantics.md). */
export function reportDmaIntoDecodeOff(cx: ModelContext, target?: string): void {
  for (const [d, s, owner] of dmaIntoDecodeOff(cx.world, target)) {
    cx.violate('model.mmio_decode_off', `${cx.show(d)} is armed to DMA through ${cx.show(s)} into a BAR of ${cx.show(owner)}, whose memory decode is off`);
  }
}

/**
 * An MMIO access is an `mmio(dev, by)` event: `by` is the binding of the
 * driver whose code made it (none when that driver is not bound; for a
 * scenario line, the device's binding at the time). A driver's
 * BAR mapping (pcim_iomap()) belongs to its binding, and devres unmaps it
 * after remove(), so `pci.no_mmio_after_remove` holds MMIO to the caller's
 * own binding of the device.
 */
function emitMmio(cx: ModelContext, dev: Value): void {
  const d = cx.callerDriver;
  // A scenario line is no driver's code: it stands for whoever holds the device now.
  const by = d >= 0 ? (cx.world.bindings[d] ?? null) : (cx.obj(dev)?.f.binding ?? null);
  cx.emit('mmio', [dev, by]);
}

const mmioRead: PrimitiveImpl = {
  sig: { name: 'mmio_read', params: [param('dev', K.dev), param('bar', T.int, true)], returns: T.int, doc: 'Reads device MMIO; all-ones after surprise removal, and while its memory decode is off.' },
  start(cx, args) {
    const dev = cx.obj(args[0] ?? null);
    if (!dev) return cx.fatal('model.null_deref', `mmio_read of ${cx.show(args[0] ?? null)}`);
    emitMmio(cx, args[0]!);
    if (!dev.alive || dev.f.present !== true) return ret(ALL_ONES);
    if (!decodes(dev)) {
      // An Unsupported Request: the read completes with all-ones data.
      cx.violate('model.mmio_decode_off', `mmio_read of ${cx.show(args[0]!)}, whose memory decode is off`);
      return ret(ALL_ONES);
    }
    return ret(0);
  },
};

const mmioWrite: PrimitiveImpl = {
  sig: { name: 'mmio_write', params: [param('dev', K.dev), param('value', T.int)], returns: T.void, doc: 'Writes device MMIO.' },
  start(cx, args) {
    const dev = cx.obj(args[0] ?? null);
    if (!dev) return cx.fatal('model.null_deref', `mmio_write to ${cx.show(args[0] ?? null)}`);
    emitMmio(cx, args[0]!);
    // An Unsupported Request: the write is dropped.
    if (dev.alive && dev.f.present === true && !decodes(dev)) cx.violate('model.mmio_decode_off', `mmio_write to ${cx.show(args[0]!)}, whose memory decode is off`);
    return ret(null);
  },
};

/** A pci_dev argument, or the null_deref that stops the run. */
function device(cx: ModelContext, v: Value | undefined, what: string): { f: Record<string, Value> } | NativeResult {
  const o = cx.obj(v ?? null);
  if (!o || o.kind !== 'pci_dev') return cx.fatal('model.null_deref', `${what} of ${cx.show(v ?? null)}, not a device`);
  return o;
}

const memoryDisable: PrimitiveImpl = {
  sig: {
    name: 'pci_memory_disable',
    params: [param('dev', K.dev)],
    returns: T.void,
    doc: "Clears the memory-space enable bit of `dev`'s command register (a PCI_COMMAND write, or the start of a function reset): its BARs stop decoding.",
  },
  start(cx, [dev]) {
    const o = device(cx, dev, 'pci_memory_disable');
    if ('k' in o) return o;
    // A config write to a device that is gone is dropped; the bit is only
    // looked at while the device is present.
    o.f.mem = false;
    reportDmaIntoDecodeOff(cx, dev as string);
    return ret(null);
  },
};

const memoryEnable: PrimitiveImpl = {
  sig: {
    name: 'pci_memory_enable',
    params: [param('dev', K.dev)],
    returns: T.void,
    doc: 'Sets the memory-space enable bit again (a PCI_COMMAND write, or pci_restore_state() after a reset): its BARs decode.',
  },
  start(cx, [dev]) {
    const o = device(cx, dev, 'pci_memory_enable');
    if ('k' in o) return o;
    o.f.mem = true;
    return ret(null);
  },
};

const memoryEnabled: PrimitiveImpl = {
  sig: { name: 'pci_memory_enabled', params: [param('dev', K.dev)], returns: T.bool, doc: 'Whether `dev` decodes its memory BARs (PCI_COMMAND_MEMORY is set).' },
  start(cx, [dev]) {
    const o = device(cx, dev, 'pci_memory_enabled');
    if ('k' in o) return o;
    return ret(o.f.mem !== false);
  },
};

/**
 * A PCI function of the topology: a struct pci_dev. It outlives its removal
 * as a struct while references remain, so its name and place stay readable
 * after `unplug`; `present` says whether it still answers. `lock` is the
 * device lock's holder (a thread index).
 */
const pciDevKind: KindImpl = {
  name: 'pci_dev',
  doc: 'A PCI function of the topology (struct pci_dev); ends when it is unplugged.',
  fields: {
    bridge: { type: T.bridge, lifetime: true, doc: 'The switch or host bridge it sits under.' },
    binding: { type: T.optional(T.object('binding')), lifetime: true, doc: 'The binding of the driver bound to it, or none.' },
  },
  readableAfterEnd: true,
  threadFields: ['lock'],
  show: (o) => String(o.f.name),
};

const bindingKind: KindImpl = {
  name: 'binding',
  doc: "A driver bound to a device: from a successful probe to the end of remove() plus devres release (the devres group of the driver's binding).",
  fields: {
    device: { type: T.object('pci_dev'), lifetime: true },
    driver: { type: T.unknown, lifetime: true },
  },
};

const dev = [param('dev', K.dev)];

/**
 * Bus mastering (PCI_COMMAND_MASTER, the `master` field): a function whose
 * bit is clear issues no memory requests, so its armed DMA stops
 * (pci_clear_master(): "disables bus-mastering for device dev";
 * vfio_pci_core_disable() calls it "to stop the device from further DMA").
 * Every device starts with it set; pci_disable_device() clears it too.
 */
function setMaster(name: string, on: boolean, doc: string): PrimitiveImpl {
  return {
    sig: { name, params: [param('dev', K.dev)], returns: T.void, doc },
    start(cx, [dev]) {
      const o = device(cx, dev, name);
      if ('k' in o) return o;
      o.f.master = on;
      return ret(null);
    },
  };
}

/** pcim_enable_device(): a managed device, which devres disables (pcim_release() → pci_disable_device()) after remove(). */
const pcimEnable: PrimitiveImpl = {
  sig: { name: 'pcim_enable_device', params: [param('dev', K.dev)], returns: T.void, doc: 'Enables the device for the current binding, managed: devres disables it (bus mastering off) after `remove()`.' },
  start(cx, [dev]) {
    const o = device(cx, dev, 'pcim_enable_device');
    if ('k' in o) return o;
    const binding = cx.obj(o.f.binding ?? null);
    if (!binding) return fail('ENODEV');
    binding.f.managed = true;
    return ret(null);
  },
};

/** PCI devices, drivers binding to them, and surprise removal. */
export const pciModel: Model = {
  name: 'pci',
  kinds: [pciDevKind, bindingKind],
  primitives: [
    bind,
    unbind,
    unplug,
    mmioRead,
    mmioWrite,
    memoryDisable,
    memoryEnable,
    memoryEnabled,
    setMaster('pci_set_master', true, 'Sets bus mastering (PCI_COMMAND_MASTER): the device may DMA.'),
    setMaster('pci_clear_master', false, "Clears bus mastering: the device's DMA stops, armed or not (pci_clear_master())."),
    setMaster('pci_disable_device', false, 'Disables the device (pci_disable_device()): bus mastering is cleared.'),
    pcimEnable,
  ],
  events: {
    bind: { params: dev, doc: 'A driver bound to `dev` (its probe succeeded).' },
    unbind: { params: dev, doc: 'An orderly unbind of the driver of `dev` began.' },
    unplug: { params: dev, doc: 'Surprise removal of `dev`.' },
    probe: { params: dev, doc: "A driver's probe for `dev` is called." },
    remove: { params: dev, doc: "A driver's remove for `dev` is called." },
    removed: { params: dev, doc: "A driver's remove for `dev` has returned (devres release follows)." },
    mmio: { params: [param('dev', K.dev), param('by', T.optional(K.binding))], doc: 'An MMIO access to `dev` (`mmio_read`, `mmio_write`) by driver code whose binding is `by` (none when that driver is not bound).' },
  },
  violations: {
    'model.mmio_decode_off': "MMIO (a CPU access, or a peer's DMA) reached a BAR of a device whose memory decode is off: an Unsupported Request.",
  },
  fixedObjects: initialDevices,
};

/** The objects every run starts with: one pci_dev per topology device, in topology order. */
function initialDevices(program: Program): FixedObject[] {
  const out: FixedObject[] = [];
  for (const n of program.topology.values()) {
    if (n.kind !== 'device') continue;
    out.push({ kind: 'pci_dev', name: n.name, fields: { name: n.name, bridge: str(n.parent ?? ''), binding: null, present: true, lock: -1, mem: true, master: true } });
  }
  return out;
}
