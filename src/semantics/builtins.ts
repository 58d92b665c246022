/**
 * What the language knows without being told: the primitives the models
 * implement (with signatures and one-line docs for hover and completion),
 * the lifecycle events, the built-in constants, and the names of the
 * violations the models report by themselves.
 */
import { T, type Type } from './types.js';

export interface ParamSig {
  readonly name: string;
  readonly type: Type;
  readonly optional?: boolean;
}

export interface PrimitiveSig {
  readonly name: string;
  readonly params: readonly ParamSig[];
  readonly returns: Type;
  readonly doc: string;
  /** Errnos it can fail with under `faults on` (besides the failures its model decides). */
  readonly faults?: readonly string[];
}

const p = (name: string, type: Type, optional = false): ParamSig => ({ name, type, ...(optional ? { optional } : {}) });
const dmaBuf = T.object('dma_buf');
const att = T.object('attachment');
const sgt = T.object('sg_table');
const dev = T.object('pci_dev');
const prov = T.object('p2pdma_provider');
const iova = T.object('iova');
const mutex = T.object('mutex');
const completion = T.object('completion');

const list: PrimitiveSig[] = [
  // DMA-BUF
  {
    name: 'dma_buf_export',
    params: [p('ops', T.ops('dma_buf_ops')), p('provider', prov, true)],
    returns: dmaBuf,
    doc: 'Exports a buffer with the given exporter ops (and the P2P provider that backs it); the caller holds the first reference.',
    faults: ['ENOMEM'],
  },
  { name: 'dma_buf_get', params: [p('buf', dmaBuf)], returns: dmaBuf, doc: 'Takes another reference on the buffer.' },
  { name: 'dma_buf_put', params: [p('buf', dmaBuf)], returns: T.void, doc: 'Drops a reference; the last put calls the exporter\'s `release`.' },
  {
    name: 'dma_buf_attach',
    params: [p('buf', dmaBuf), p('dev', dev)],
    returns: att,
    doc: 'Static attach: the importer cannot be told to move, so a dynamic exporter pins the buffer at map time.',
    faults: ['ENOMEM'],
  },
  {
    name: 'dma_buf_dynamic_attach',
    params: [p('buf', dmaBuf), p('dev', dev), p('importer_ops', T.ops('dma_buf_attach_ops'))],
    returns: att,
    doc: 'Dynamic attach with importer ops; the exporter may call their `move_notify` under the resv lock at any time.',
    faults: ['ENOMEM'],
  },
  { name: 'dma_buf_detach', params: [p('buf', dmaBuf), p('attach', att)], returns: T.void, doc: 'Removes an attachment; every mapping of it must be gone.' },
  { name: 'dma_buf_pin', params: [p('attach', att)], returns: T.void, doc: 'Pins the buffer for a dynamic attachment (resv lock held).' },
  { name: 'dma_buf_unpin', params: [p('attach', att)], returns: T.void, doc: 'Unpins a pinned dynamic attachment (resv lock held).' },
  {
    name: 'dma_buf_map_attachment',
    params: [p('attach', att)],
    returns: sgt,
    doc: 'Maps the attachment through the exporter\'s `map_dma_buf` (resv lock held).',
    faults: ['ENOMEM'],
  },
  {
    name: 'dma_buf_unmap_attachment',
    params: [p('attach', att), p('sgt', sgt)],
    returns: T.void,
    doc: 'Unmaps through the exporter\'s `unmap_dma_buf` (resv lock held).',
  },
  {
    name: 'dma_buf_move_notify',
    params: [p('buf', dmaBuf)],
    returns: T.void,
    doc: 'Calls `move_notify` on every dynamic attachment; the exporter holds the resv lock. Newer kernels: `dma_buf_invalidate_mappings`.',
  },
  // DMA-BUF additions: the revoke contract (dma_buf_attach_revocable), system-memory
  // mappings, deferred work on a kernel worker thread, and completions
  // (src/models/dmabuf.ts, src/models/work.ts).
  {
    name: 'dma_buf_attach_revocable',
    params: [p('attach', att)],
    returns: T.bool,
    doc: 'Whether the importer can be revoked: a dynamic attachment whose `move_notify` is not `dma_buf_unsupported_invalidate_mappings` (drivers/dma-buf/dma-buf.c, dma_buf_attach_revocable()). An exporter that must revoke calls it in its `attach` op.',
  },
  {
    name: 'schedule_work',
    params: [p('work', T.ops('work_struct')), p('data', T.unknown, true)],
    returns: T.bool,
    doc: 'Queues the work item: a kernel worker thread runs its `func(data)` later, interleaved with everything else. False when the same item is already pending (not yet started).',
  },
  {
    name: 'flush_work',
    params: [p('work', T.ops('work_struct'))],
    returns: T.bool,
    doc: 'Waits until every queued run of the work item has finished; true if it had to wait.',
  },
  { name: 'init_completion', params: [], returns: completion, doc: 'A new completion, not done (struct completion, init_completion()).' },
  { name: 'complete', params: [p('c', completion)], returns: T.void, doc: 'Signals the completion once: one waiter (present or future) goes on.' },
  { name: 'complete_all', params: [p('c', completion)], returns: T.void, doc: 'Signals the completion for good: every waiter goes on until it is reinitialised.' },
  { name: 'wait_for_completion', params: [p('c', completion)], returns: T.void, doc: 'Blocks until the completion is signalled, and consumes one `complete`.' },
  { name: 'reinit_completion', params: [p('c', completion)], returns: T.void, doc: 'Makes the completion not done again.' },
  {
    name: 'dma_map_sgtable',
    params: [p('dev', dev)],
    returns: sgt,
    doc: 'Maps system memory (no P2P provider) for DMA by `dev`, as an exporter of system pages does in `map_dma_buf` (the system heap, a GPU buffer in GTT).',
    faults: ['ENOMEM'],
  },
  { name: 'dma_unmap_sgtable', params: [p('sgt', sgt)], returns: T.void, doc: 'Unmaps a mapping `dma_map_sgtable` made.' },
  // end DMA-BUF additions
  // P2PDMA
  {
    name: 'pcim_p2pdma_provider',
    params: [p('dev', dev), p('bar', T.int)],
    returns: prov,
    doc: 'The P2P provider of a BAR, owned by the current driver binding (devres frees it after `remove()`).',
  },
  { name: 'p2pdma_provider_destroy', params: [p('provider', prov)], returns: T.void, doc: 'Ends a provider; a `pgmap` provider waits for every page reference.' },
  {
    name: 'pci_p2pdma_map_type',
    params: [p('provider', prov), p('dev', dev)],
    returns: T.mapType,
    doc: '`BUS_ADDR` under one switch, `THRU_HOST_BRIDGE` through a host bridge that allows P2P, else `NOT_SUPPORTED`.',
  },
  {
    name: 'p2pdma_map',
    params: [p('provider', prov), p('dev', dev)],
    returns: sgt,
    doc: 'Maps provider memory for DMA by `dev`; fails with EREMOTEIO when there is no P2P route.',
    faults: ['ENOMEM'],
  },
  { name: 'p2pdma_unmap', params: [p('sgt', sgt)], returns: T.void, doc: 'Unmaps a P2P mapping (and its IOMMU entry, if any).' },
  // IOMMU
  { name: 'iommu_map', params: [p('dev', dev), p('provider', prov)], returns: iova, doc: 'Creates an IOVA for the provider in the device\'s IOMMU domain.', faults: ['ENOMEM'] },
  { name: 'iommu_unmap', params: [p('dev', dev), p('iova', iova)], returns: T.void, doc: 'Removes an IOVA; DMA through it afterwards is an IOMMU fault.' },
  // Hardware and MMIO
  { name: 'hw_start', params: [p('dev', dev), p('sgt', sgt)], returns: T.void, doc: 'Arms the device: from now on it may DMA through `sgt` at any step.' },
  { name: 'hw_stop', params: [p('dev', dev), p('sgt', sgt)], returns: T.void, doc: 'Stops the device\'s DMA through `sgt`; does nothing if it was not armed.' },
  { name: 'mmio_read', params: [p('dev', dev), p('bar', T.int, true)], returns: T.int, doc: 'Reads device MMIO; all-ones after surprise removal, and while its memory decode is off.' },
  { name: 'mmio_write', params: [p('dev', dev), p('value', T.int)], returns: T.void, doc: 'Writes device MMIO.' },
  // PCI memory decode (PCI_COMMAND_MEMORY): see src/models/pci.ts
  {
    name: 'pci_memory_disable',
    params: [p('dev', dev)],
    returns: T.void,
    doc: 'Clears the memory-space enable bit of `dev`\'s command register (a PCI_COMMAND write, or the start of a function reset): its BARs stop decoding.',
  },
  {
    name: 'pci_memory_enable',
    params: [p('dev', dev)],
    returns: T.void,
    doc: 'Sets the memory-space enable bit again (a PCI_COMMAND write, or pci_restore_state() after a reset): its BARs decode.',
  },
  { name: 'pci_memory_enabled', params: [p('dev', dev)], returns: T.bool, doc: 'Whether `dev` decodes its memory BARs (PCI_COMMAND_MEMORY is set).' },
  // end PCI memory decode
  // Locks
  { name: 'mutex_lock', params: [p('m', mutex)], returns: T.void, doc: 'Takes a mutex (prefer the scoped `lock m { … }`).' },
  { name: 'mutex_unlock', params: [p('m', mutex)], returns: T.void, doc: 'Releases a mutex the thread holds.' },
  // Queries
  { name: 'held', params: [p('m', mutex)], returns: T.bool, doc: 'Whether the current thread holds the mutex.' },
  { name: 'is_err', params: [p('x', T.unknown)], returns: T.bool, doc: 'Whether a value is an errno (from `try`).' },
  { name: 'count', params: [p('kind', T.unknown)], returns: T.int, doc: 'The number of live objects of a kind: `count(sg_table)`.' },
];

/** Newer kernel spellings that mean the same primitive or slot (LANGUAGE.md §5). */
export const primitiveAliases: Readonly<Record<string, string>> = {
  dma_buf_invalidate_mappings: 'dma_buf_move_notify',
};
export const slotAliases: Readonly<Record<string, string>> = {
  invalidate_mappings: 'move_notify',
};

export const primitives: ReadonlyMap<string, PrimitiveSig> = new Map(list.map((s) => [s.name, s]));

/** The primitive a name denotes, through the rename aliases. */
export function lookupPrimitive(name: string): PrimitiveSig | undefined {
  return primitives.get(primitiveAliases[name] ?? name);
}

/** Built-in constants: the results of `pci_p2pdma_map_type`. */
export const constants: ReadonlyMap<string, Type> = new Map([
  ['BUS_ADDR', T.mapType],
  ['THRU_HOST_BRIDGE', T.mapType],
  ['NOT_SUPPORTED', T.mapType],
]);

/** Lifecycle events a pattern may name, with their arguments. */
export const lifecycleEvents: ReadonlyMap<string, { params: ParamSig[]; doc: string }> = new Map([
  ['bind', { params: [p('dev', dev)], doc: 'A driver bound to `dev` (its probe succeeded).' }],
  ['unbind', { params: [p('dev', dev)], doc: 'An orderly unbind of the driver of `dev` began.' }],
  ['unplug', { params: [p('dev', dev)], doc: 'Surprise removal of `dev`.' }],
  ['probe', { params: [p('dev', dev)], doc: 'A driver\'s probe for `dev` is called.' }],
  ['remove', { params: [p('dev', dev)], doc: 'A driver\'s remove for `dev` is called.' }],
  ['removed', { params: [p('dev', dev)], doc: 'A driver\'s remove for `dev` has returned (devres release follows).' }],
  ['create', { params: [p('object', T.unknown)], doc: 'An object is created; `create(sg_table)` matches one kind.' }],
  ['destroy', { params: [p('object', T.unknown)], doc: 'An object ends.' }],
]);

/** The violations the models report without any user constraint (LANGUAGE.md §5). */
export const modelViolations: ReadonlyMap<string, string> = new Map([
  ['model.use_after_free', 'An object was used after it ended (a detached attachment, a put of a freed buffer, a destroyed provider).'],
  ['model.double_unmap', 'A mapping was unmapped twice.'],
  ['model.leak', 'An object was given up while it still owned live objects (detach with a live mapping, the last put with attachments left).'],
  ['model.dma_after_free', 'Hardware DMA hit the MMIO of a destroyed provider.'],
  ['model.dma_after_unmap', 'Hardware DMA used a mapping it had already given back.'],
  ['model.iommu_fault', 'Hardware DMA through an IOVA that was unmapped.'],
  ['model.null_deref', 'A `none` was used where an object is needed.'],
  ['model.assert', 'An `assert` failed.'],
  ['model.bad_unlock', 'A thread unlocked a mutex it does not hold.'],
  // PCI memory decode
  ['model.mmio_decode_off', 'MMIO (a CPU access, or a peer\'s DMA) reached a BAR of a device whose memory decode is off: an Unsupported Request.'],
]);
