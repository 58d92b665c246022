/**
 * The P2PDMA model (drivers/pci/p2pdma.c): providers of PCI BAR memory, the
 * route a peer-to-peer transfer takes, and the mappings made through them.
 *
 * `pci_p2pdma_map_type` follows calc_map_type_and_dist(): BUS_ADDR when the
 * two devices share an upstream pci_dev (the same function, or a switch
 * above both) and no port on the way has ACS redirect: every node of the
 * provider's chain up to and including the common one, and of the client's
 * chain below it (pci_bridge_has_acs_redir()). Otherwise the traffic goes
 * through the host bridge: THRU_HOST_BRIDGE when the platform allows it
 * (cpu_supports_p2pdma(), host_bridge_whitelist()) — under one host bridge
 * that is `p2p allowed` or `p2p same_bridge` (a whitelist entry with
 * REQ_SAME_HOST_BRIDGE), across two when both are `p2p allowed` — else
 * NOT_SUPPORTED. A THRU_HOST_BRIDGE mapping gets an IOVA when the client's
 * host bridge has `iommu translated`. `p2pdma_map` is the page-based DMA
 * path (dma_map_sgtable() of P2P pages, pci_p2pdma_state()): no route fails
 * with EREMOTEIO; the provider path of dma-buf exporters
 * (dma_buf_phys_vec_to_sgt()) fails with EINVAL instead (dmabuf-map.ts).
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import { isRef, mapType, ref, refId, type Value } from '../runtime/values.js';
import type { NativeFrame, World } from '../runtime/world.js';
import type { HostBridgeInfo, TopoNode } from '../semantics/program.js';
import { T } from '../semantics/types.js';
import { fail, ret, wait, type KindImpl, type Model, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';
import { K, param } from './sig.js';

/** The live sg_tables that hold page references on a provider. */
export function pageHolders(w: World, provider: Value): string[] {
  const out: string[] = [];
  w.objects.forEach((o, id) => {
    if (o.kind === 'sg_table' && o.alive && o.f.provider === provider) out.push(ref(id));
  });
  return out;
}

function ancestors(program: CompiledProgram, name: string): TopoNode[] {
  const topo = program.program.topology;
  const out: TopoNode[] = [];
  let n = topo.get(name);
  const seen = new Set<string>();
  while (n?.parent !== undefined && !seen.has(n.parent)) {
    seen.add(n.parent);
    n = topo.get(n.parent);
    if (n) out.push(n);
  }
  return out;
}

export function hostBridgeOf(program: CompiledProgram, device: string): HostBridgeInfo | undefined {
  return ancestors(program, device).find((n): n is HostBridgeInfo => n.kind === 'host_bridge');
}

/** A device and the pci_devs above it (its switches), lowest first: what pci_upstream_bridge() walks. A host bridge is not a pci_dev. */
function upstreamChain(program: CompiledProgram, name: string): TopoNode[] {
  const self = program.program.topology.get(name);
  return [...(self ? [self] : []), ...ancestors(program, name).filter((n) => n.kind !== 'host_bridge')];
}

/** The kernel's `pci_p2pdma_map_type` for a provider on `provider` and a client `client` (calc_map_type_and_dist()). */
export function mapTypeOf(program: CompiledProgram, provider: string, client: string): 'BUS_ADDR' | 'THRU_HOST_BRIDGE' | 'NOT_SUPPORTED' {
  const a = upstreamChain(program, provider);
  const b = upstreamChain(program, client);
  const acs = (n: TopoNode) => (n as { acs?: boolean }).acs === true;
  const common = a.findIndex((n) => b.includes(n));
  if (common >= 0) {
    // ACS redirect on the provider's side up to and including the common node, and on the client's side below it.
    const redirected = a.slice(0, common + 1).some(acs) || b.slice(0, b.indexOf(a[common]!)).some(acs);
    if (!redirected) return 'BUS_ADDR';
  }
  const ha = hostBridgeOf(program, provider);
  const hb = hostBridgeOf(program, client);
  if (!ha || !hb) return 'NOT_SUPPORTED';
  // host_bridge_whitelist(): one host bridge, a whitelist entry of either kind; two, both without REQ_SAME_HOST_BRIDGE.
  if (ha === hb) return ha.p2p === 'denied' ? 'NOT_SUPPORTED' : 'THRU_HOST_BRIDGE';
  return ha.p2p === 'allowed' && hb.p2p === 'allowed' ? 'THRU_HOST_BRIDGE' : 'NOT_SUPPORTED';
}

function deviceName(cx: ModelContext, v: Value): string | undefined {
  const o = cx.obj(v);
  return o?.kind === 'pci_dev' ? (o.f.name as string) : undefined;
}

/** Checks a provider argument: none and destroyed providers stop the run. */
function liveProvider(cx: ModelContext, p: Value, what: string): NativeResult | undefined {
  const o = cx.obj(p);
  if (!o || o.kind !== 'p2pdma_provider') return cx.fatal('model.null_deref', `${what} of ${cx.show(p)}, not a provider`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(p)}, which has been destroyed`);
  return undefined;
}

const mapTypePrim: PrimitiveImpl = {
  sig: {
    name: 'pci_p2pdma_map_type',
    params: [param('provider', K.provider), param('dev', K.dev)],
    returns: T.mapType,
    doc: '`BUS_ADDR` under one switch, `THRU_HOST_BRIDGE` through a host bridge that allows P2P, else `NOT_SUPPORTED`.',
  },
  start(cx, [p, dev]) {
    const bad = liveProvider(cx, p ?? null, 'pci_p2pdma_map_type');
    if (bad) return bad;
    const client = deviceName(cx, dev ?? null);
    if (!client) return cx.fatal('model.null_deref', `pci_p2pdma_map_type for ${cx.show(dev ?? null)}, not a device`);
    return ret(mapType(mapTypeOf(cx.program, cx.obj(cx.obj(p ?? null)!.f.device!)!.f.name as string, client)));
  },
};

const map: PrimitiveImpl = {
  sig: {
    name: 'p2pdma_map',
    params: [param('provider', K.provider), param('dev', K.dev)],
    returns: K.sgt,
    doc: 'Maps provider memory for DMA by `dev`; fails with EREMOTEIO when there is no P2P route.',
    faults: ['ENOMEM'],
  },
  start(cx, [p, dev]) {
    const po = cx.obj(p ?? null);
    if (po?.kind === 'p2pdma_provider' && !po.alive) {
      // The exporter maps through a dangling provider: the mapping exists (so
      // `lifetime sg_table within provider` sees it born after its provider), and
      // the run cannot go on past the use of freed memory.
      cx.create('sg_table', { attachment: null, provider: p!, dev: dev ?? null, iova: null });
      return cx.fatal('model.use_after_free', `p2pdma_map of ${cx.show(p!)}, which has been destroyed`);
    }
    const bad = liveProvider(cx, p ?? null, 'p2pdma_map');
    if (bad) return bad;
    // A pgmap whose percpu_ref was killed (memunmap_pages()) hands out no new page reference:
    // get_dev_pagemap() / pci_alloc_p2pmem() fail once percpu_ref_tryget_live() does.
    if (cx.obj(p ?? null)!.f.dying === true) return fail('ENOMEM');
    const client = deviceName(cx, dev ?? null);
    if (!client) return cx.fatal('model.null_deref', `p2pdma_map for ${cx.show(dev ?? null)}, not a device`);
    const prov = cx.obj(p ?? null)!;
    const owner = cx.obj(prov.f.device!)!.f.name as string;
    const type = mapTypeOf(cx.program, owner, client);
    if (type === 'NOT_SUPPORTED') return fail('EREMOTEIO');
    let iova: Value = null;
    if (type === 'THRU_HOST_BRIDGE' && hostBridgeOf(cx.program, client)?.iommu === 'translated') {
      iova = cx.create('iova', { domain: dev!, provider: p! });
    }
    return ret(cx.create('sg_table', { attachment: null, provider: p!, dev: dev!, iova }));
  },
};

const unmap: PrimitiveImpl = {
  sig: { name: 'p2pdma_unmap', params: [param('sgt', K.sgt)], returns: T.void, doc: 'Unmaps a P2P mapping (and its IOMMU entry, if any).' },
  start(cx, [sgt]) {
    const o = cx.obj(sgt ?? null);
    if (!o || o.kind !== 'sg_table') return cx.fatal('model.null_deref', `p2pdma_unmap of ${cx.show(sgt ?? null)}`);
    if (!o.alive) {
      cx.violate('model.double_unmap', `${cx.show(sgt!)} is unmapped a second time`);
      return ret(null);
    }
    if (isRef(o.f.iova ?? null)) cx.destroy(o.f.iova!);
    cx.destroy(sgt!);
    return ret(null);
  },
};

const providerFor: PrimitiveImpl = {
  sig: {
    name: 'pcim_p2pdma_provider',
    since: { linux: '6.19', commit: '372d6d1b8ae3' },
    params: [param('dev', K.dev), param('bar', T.int)],
    returns: K.provider,
    doc: 'The P2P provider of a BAR, owned by the current driver binding (devres frees it after `remove()`).',
  },
  start(cx, [dev, bar]) {
    const d = cx.obj(dev ?? null);
    if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `pcim_p2pdma_provider for ${cx.show(dev ?? null)}`);
    const binding = d.f.binding ?? null;
    if (binding === null) return fail('ENODEV');
    // The provider of a BAR is per binding: the declared one if there is one, else a new devres one.
    const existing = cx.world.objects.findIndex((o) => o.kind === 'p2pdma_provider' && o.alive && o.f.device === dev && o.f.bar === bar && o.f.binding === binding);
    if (existing >= 0) return ret(ref(existing));
    const decl = cx.program.program.topology.get(d.f.name as string) as { bars?: ReadonlyMap<number, number> } | undefined;
    if (!decl?.bars?.has(bar as number)) return ret(null);
    return ret(cx.create('p2pdma_provider', { decl: `${d.f.name as string}.bar${String(bar)}`, device: dev!, binding, bar: bar!, lifetime: 'devres' }));
  },
};

const destroy: PrimitiveImpl = {
  sig: { name: 'p2pdma_provider_destroy', params: [param('provider', K.provider)], returns: T.void, doc: 'Ends a provider; a `pgmap` provider waits for every page reference.' },
  start(cx, [p], frame) {
    const o = cx.obj(p ?? null);
    if (!o || o.kind !== 'p2pdma_provider') return cx.fatal('model.null_deref', `p2pdma_provider_destroy of ${cx.show(p ?? null)}`);
    if (!o.alive) {
      cx.violate('model.use_after_free', `${cx.show(p!)} is destroyed a second time`);
      return ret(null);
    }
    frame.regs = [p!];
    // A pgmap provider's teardown kills its percpu_ref and waits for every page reference (memunmap_pages).
    if (o.f.lifetime === 'pgmap') o.f.dying = true;
    if (o.f.lifetime === 'pgmap' && pageHolders(cx.world, p!).length > 0) return wait(1);
    cx.destroy(p!);
    return ret(null);
  },
  resume(cx, frame) {
    cx.destroy(frame.regs[0]!);
    return ret(null);
  },
  ready(w: World, frame: NativeFrame) {
    return pageHolders(w, frame.regs[0]!).length === 0;
  },
  waitsFor(w: World, frame: NativeFrame, show: (v: Value) => string) {
    return `pgmap ${show(frame.regs[0]!)} to lose its page references (held by ${pageHolders(w, frame.regs[0]!).map(show).join(', ')})`;
  },
};

const providerKind: KindImpl = {
  name: 'p2pdma_provider',
  doc: "The P2P memory of a device's BAR (struct p2pdma_provider): made when its device's driver binds, or by `pcim_p2pdma_provider`; ended by devres after `remove()`, or by `p2pdma_provider_destroy` for `lifetime manual`.",
  fields: {
    device: { type: T.object('pci_dev'), lifetime: true },
    binding: { type: T.optional(T.object('binding')), lifetime: true },
  },
  // A declared provider is named after its declaration: `gpu_bar0#3`.
  show: (o, id) => (typeof o.f.decl === 'string' ? `${o.f.decl}#${id}` : `p2pdma_provider#${id}`),
};

const mapTypeConstant = (doc: string) => ({ type: T.mapType, doc });

/** P2PDMA providers, routes and mappings. */
export const p2pdmaModel: Model = {
  name: 'p2pdma',
  kinds: [providerKind],
  primitives: [mapTypePrim, map, unmap, providerFor, destroy],
  constants: {
    BUS_ADDR: mapTypeConstant('PCI_P2PDMA_MAP_BUS_ADDR: the peers reach each other through a switch, by bus address.'),
    THRU_HOST_BRIDGE: mapTypeConstant('PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: the transfer goes through a host bridge that allows it.'),
    NOT_SUPPORTED: mapTypeConstant('PCI_P2PDMA_MAP_NOT_SUPPORTED: there is no P2P route.'),
  },
};
