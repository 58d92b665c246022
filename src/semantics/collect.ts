/**
 * The declaration pass: builds the name tables (topology, providers, ops
 * types, drivers, fns, constraints, scenarios) and checks what can be checked
 * on declarations alone. Bodies are checked afterwards, when every name a
 * body may use is known.
 */
import type * as A from '../syntax/ast.js';
import type { CheckContext } from './context.js';
import type {
  KindFieldInfo,
  FnInfo,
  BodyInfo,
  DeviceInfo,
  DriverInfo,
  FieldInfo,
  HostBridgeInfo,
  OpsTableInfo,
  OpstypeInfo,
  ProviderInfo,
  SlotInfo,
  SwitchInfo,
} from './program.js';
import { closest, didYouMean } from './suggest.js';
import { notInTarget } from './contract-check.js';
import { compatible, T, typeToString, type Type } from './types.js';

/** One source's declarations, with the prefix its constraint names get (`dmabuf.`). */
export interface Unit {
  readonly uri: string;
  readonly spec: A.Spec;
  readonly rulePrefix: string;
}

const MAX_BAR = 5;

export function collectDeclarations(cx: CheckContext, units: readonly Unit[]): void {
  // Own kinds first: every type may name them, and they may name each other.
  collectKinds(cx, units);
  // Topology next: providers and drivers name devices.
  // Several topology blocks merge within a file; across the files of a spec,
  // two topologies are an error at the `use` that brings in the second (LANGUAGE.md §10).
  let topologyIn: string | undefined;
  for (const u of units) {
    for (const d of u.spec.decls) {
      if (d.kind !== 'topology') continue;
      topologyIn ??= u.uri;
      const via = topologyIn !== u.uri ? cx.usedVia.get(u.uri) : undefined;
      if (via) {
        cx.bag(via.uri).error('duplicate-declaration', `this \`use\` brings in a second \`topology\`, from ${u.uri}: the topology of a spec is declared in one of its files (${topologyIn} declares it)`, via.span, [
          { message: 'the second topology', uri: u.uri, span: d.span },
        ]);
        break;
      }
      collectTopology(cx, d, u.uri);
    }
  }
  checkTopologyParents(cx);
  for (const u of units) {
    for (const d of u.spec.decls) {
      if (d.kind === 'provider') collectProvider(cx, d, u.uri);
      else if (d.kind === 'opstype') collectOpstype(cx, d, u.uri);
    }
  }
  for (const u of units) {
    for (const d of u.spec.decls) {
      switch (d.kind) {
        case 'fn':
          if (cx.declare('fn', 'function', d.name, u.uri)) {
            cx.fns.set(d.name.name, { name: d.name.name, decl: d, uri: u.uri, ...signature(cx, d, u.uri) });
          }
          break;
        case 'driver':
          collectDriver(cx, d, u.uri);
          break;
        case 'constraint': {
          const name = u.rulePrefix + d.name.name;
          if (cx.declare('constraint', 'constraint', { name, span: d.name.span }, u.uri)) {
            cx.constraints.set(name, { name, decl: d, uri: u.uri, ...(d.doc ? { doc: d.doc } : {}) });
          }
          break;
        }
        case 'scenario':
          if (cx.declare('scenario', 'scenario', d.name, u.uri)) cx.scenarios.set(d.name.name, { name: d.name.name, decl: d });
          break;
        default:
          break;
      }
    }
  }
}

/** `kind NAME { … }`: names first, so fields may name any own kind; then the fields. */
function collectKinds(cx: CheckContext, units: readonly Unit[]): void {
  const decls: [A.KindDecl, string][] = [];
  for (const u of units) {
    for (const d of u.spec.decls) {
      if (d.kind !== 'kind' || d.name.name === '') continue;
      if (cx.base.kinds.has(d.name.name)) {
        cx.bag(u.uri).error('duplicate-declaration', `kind \`${d.name.name}\` is a kind of the models; an own kind needs another name`, d.name.span);
        continue;
      }
      if (!cx.declare('kind', 'kind', d.name, u.uri)) continue;
      cx.ownKinds.set(d.name.name, { name: d.name.name, decl: d, uri: u.uri, fields: new Map() });
      decls.push([d, u.uri]);
    }
  }
  cx.refreshKinds();
  for (const [d, uri] of decls) {
    const fields = cx.ownKinds.get(d.name.name)!.fields as Map<string, KindFieldInfo>;
    for (const f of d.fields) {
      if (f.name.name === '') continue;
      if (fields.has(f.name.name)) {
        cx.bag(uri).error('duplicate-declaration', `kind \`${d.name.name}\` has two fields named \`${f.name.name}\``, f.name.span);
        continue;
      }
      const type = cx.resolveType(f.type, uri, 'field');
      if (f.init && type.k === 'kref') cx.bag(uri).error('invalid-value', 'a `kref` starts at 1, as after kref_init(); it takes no initial value', f.init.span);
      fields.set(f.name.name, { name: f.name.name, type, decl: f });
    }
  }
  cx.refreshKinds();
}

function signature(cx: CheckContext, d: { params: A.Param[]; returns?: A.TypeRef; body: A.Block; fails?: A.Ident[] }, uri: string): BodyInfo {
  const params = paramsOf(cx, d.params, uri);
  const fails = (d.fails ?? []).map((e) => e.name).filter((e) => e !== '');
  return { params, returns: d.returns ? cx.resolveType(d.returns, uri) : T.void, body: d.body, ...(fails.length ? { fails } : {}) };
}

function paramsOf(cx: CheckContext, params: readonly A.Param[], uri: string, given?: readonly { type: Type }[]) {
  const seen = new Set<string>();
  return params.map((p, i) => {
    if (p.name.name !== '' && seen.has(p.name.name)) {
      cx.bag(uri).error('duplicate-declaration', `parameter \`${p.name.name}\` is declared twice`, p.name.span);
    }
    seen.add(p.name.name);
    // An untyped parameter of a callback takes its type from the slot it fills;
    // a typed one must agree with it.
    const slotType = given?.[i]?.type;
    const type = p.type ? cx.resolveType(p.type, uri) : (slotType ?? T.unknown);
    if (p.type && slotType && !(compatible(type, slotType) && compatible(slotType, type))) {
      cx.bag(uri).error('type-mismatch', `parameter \`${p.name.name}\` is ${typeToString(slotType)} in the slot it fills, not ${typeToString(type)}`, p.type.span);
    }
    return { name: p.name.name, type };
  });
}

// ---- topology ----------------------------------------------------------------

function collectTopology(cx: CheckContext, d: A.TopologyDecl, uri: string): void {
  const bag = cx.bag(uri);
  for (const item of d.items) {
    if (!cx.declare('global', topoWhat(item.kind), item.name, uri)) continue;
    const name = item.name.name;
    if (item.kind === 'host_bridge') {
      let iommu: HostBridgeInfo['iommu'] = 'off';
      let p2p: HostBridgeInfo['p2p'] = 'denied';
      const seen = new Set<string>();
      for (const p of item.props) {
        if (seen.has(p.kind)) bag.error('duplicate-property', `host bridge \`${name}\` sets \`${p.kind}\` twice`, p.span);
        seen.add(p.kind);
        if (p.kind === 'iommu') iommu = p.mode;
        else p2p = p.mode;
      }
      const hb: HostBridgeInfo = { kind: 'host_bridge', name, decl: item, iommu, p2p };
      cx.topology.set(name, hb);
    } else if (item.kind === 'switch') {
      let acs = false;
      const seen = new Set<string>();
      for (const p of item.props) {
        if (seen.has(p.kind)) bag.error('duplicate-property', `switch \`${name}\` sets \`${p.kind}\` twice`, p.span);
        seen.add(p.kind);
        acs = p.on;
      }
      const sw: SwitchInfo = { kind: 'switch', name, decl: item, parent: item.parent.name, acs };
      cx.topology.set(name, sw);
    } else {
      const bars = new Map<number, number>();
      let acs = false;
      for (const p of item.props) {
        if (p.kind === 'acs') {
          acs = p.on;
          continue;
        }
        const index = p.index.value;
        if (p.index.text === '') continue;
        if (index > MAX_BAR) {
          bag.error('invalid-value', `BAR index ${index} is out of range: a PCI function has BARs 0 to ${MAX_BAR}`, p.index.span);
        } else if (bars.has(index)) {
          bag.error('duplicate-property', `device \`${name}\` declares \`bar ${index}\` twice`, p.index.span);
        }
        bars.set(index, p.size.value);
      }
      const dev: DeviceInfo = { kind: 'device', name, decl: item, parent: item.parent.name, bars, acs };
      cx.topology.set(name, dev);
    }
  }
}

function topoWhat(kind: A.TopoItem['kind']): string {
  return kind === 'host_bridge' ? 'host bridge' : kind;
}

function checkTopologyParents(cx: CheckContext): void {
  for (const node of cx.topology.values()) {
    const item = node.decl;
    if (item.kind === 'host_bridge' || item.parent.name === '') continue;
    const parent = cx.topology.get(item.parent.name);
    const uri = uriOfTopology(cx);
    if (!parent) {
      if (cx.nameMayBeSkipped()) continue;
      const hint = didYouMean(item.parent.name, [...cx.topology.values()].filter((n) => n.kind !== 'device').map((n) => n.name));
      cx.bag(uri).error('invalid-parent', `\`${item.parent.name}\` is not a host bridge or switch of the topology${hint}`, item.parent.span);
    } else if (underItself(cx, node.name)) {
      cx.bag(uri).error('invalid-parent', `\`${item.name.name}\` ends up under itself: the topology is a tree rooted at host bridges`, item.parent.span);
    } else if (parent.kind === 'device') {
      cx.bag(uri).error('invalid-parent', `\`${item.name.name}\` cannot sit under device \`${parent.name}\`: only a host bridge or a switch has children`, item.parent.span);
    }
  }
}

function underItself(cx: CheckContext, name: string): boolean {
  const seen = new Set<string>([name]);
  let n = cx.topology.get(name);
  while (n?.parent !== undefined) {
    if (seen.has(n.parent)) return n.parent === name;
    seen.add(n.parent);
    n = cx.topology.get(n.parent);
  }
  return false;
}

/** Topology is only ever written in the user's spec. */
function uriOfTopology(cx: CheckContext): string {
  return cx.userUri;
}

/** Reports a name that should be a device of the topology; true when it is one. */
export function checkDevice(cx: CheckContext, id: A.Ident, uri: string): boolean {
  if (id.name === '') return false;
  const node = cx.topology.get(id.name);
  if (node?.kind === 'device') return true;
  if (!node && cx.nameMayBeSkipped()) return false;
  const devices = [...cx.topology.values()].filter((n) => n.kind === 'device').map((n) => n.name);
  const what = node ? `\`${id.name}\` is a ${topoWhat(node.kind)}, not a device` : `unknown device \`${id.name}\``;
  cx.bag(uri).error('unknown-device', `${what}${node ? '' : didYouMean(id.name, devices)}`, id.span);
  return false;
}

// ---- providers ---------------------------------------------------------------

function collectProvider(cx: CheckContext, d: A.ProviderDecl, uri: string): void {
  const bag = cx.bag(uri);
  const name = d.name.name;
  if (d.providerKind.name !== '' && d.providerKind.name !== 'p2pdma') {
    bag.error('invalid-value', `unknown provider kind \`${d.providerKind.name}\`: the only kind is \`p2pdma\``, d.providerKind.span);
  }
  let device: A.Ident | undefined;
  let bar: A.IntLit | undefined;
  let lifetime: A.ProviderLifetime = 'devres';
  const seen = new Set<string>();
  for (const p of d.props) {
    if (seen.has(p.kind)) bag.error('duplicate-property', `provider \`${name}\` sets \`${p.kind}\` twice`, p.span);
    seen.add(p.kind);
    if (p.kind === 'device') device = p.device;
    else if (p.kind === 'bar') bar = p.bar;
    else lifetime = p.lifetime;
  }
  if (!cx.incomplete.has(d)) {
    if (!device) bag.error('missing-property', `provider \`${name}\` needs \`device NAME\`: the PCI device whose BAR it exposes`, d.name.span);
    if (!bar) bag.error('missing-property', `provider \`${name}\` needs \`bar N\`: the BAR it exposes`, d.name.span);
  }
  const deviceOk = device ? checkDevice(cx, device, uri) : false;
  if (deviceOk && device && bar && bar.text !== '') {
    const dev = cx.topology.get(device.name) as DeviceInfo;
    if (!dev.bars.has(bar.value)) {
      const declared = [...dev.bars.keys()].map((b) => `bar ${b}`).join(', ');
      bag.error(
        'unknown-bar',
        `device \`${device.name}\` declares no \`bar ${bar.value}\`${declared ? ` (it has ${declared})` : '; add `bar N size SIZE` to it in the topology'}`,
        bar.span,
      );
    }
  }
  if (!cx.declare('global', 'provider', d.name, uri)) return;
  cx.providers.set(name, { name, decl: d, device: device?.name ?? '', bar: bar?.value ?? 0, lifetime });
}

// ---- ops types -----------------------------------------------------------------

function collectOpstype(cx: CheckContext, d: A.OpstypeDecl, uri: string): void {
  if (!cx.declare('opstype', 'ops type', d.name, uri)) return;
  const slots = new Map<string, SlotInfo>();
  for (const s of d.slots) {
    if (s.name.name === '') continue;
    const name = cx.slot(s.name.name);
    if (slots.has(name)) {
      cx.bag(uri).error('duplicate-declaration', `ops type \`${d.name.name}\` has slot \`${s.name.name}\` twice`, s.name.span);
      continue;
    }
    const doc = s.doc ? { doc: s.doc } : {};
    if (s.kind === 'flag') {
      slots.set(name, { name, kind: 'flag', required: false, params: [], returns: T.bool, decl: s, ...doc });
    } else {
      slots.set(name, {
        name,
        kind: 'callback',
        required: s.required,
        params: paramsOf(cx, s.params, uri),
        returns: s.returns ? cx.resolveType(s.returns, uri) : T.void,
        decl: s,
        ...doc,
      });
    }
  }
  const info: OpstypeInfo = { name: d.name.name, decl: d, uri, slots };
  cx.opstypes.set(d.name.name, info);
}

// ---- drivers -------------------------------------------------------------------

function collectDriver(cx: CheckContext, d: A.DriverDecl, uri: string): void {
  const bag = cx.bag(uri);
  const component = d.device === undefined;
  if (d.device) checkDevice(cx, d.device, uri);
  const fields = new Map<string, FieldInfo>();
  const fns = new Map<string, FnInfo>();
  const ops = new Map<string, OpsTableInfo>();
  const actions = new Map<string, BodyInfo & { decl: A.ActionDecl }>();
  let probe: BodyInfo | undefined;
  let remove: BodyInfo | undefined;
  const members = new Map<string, A.Ident>();
  const claim = (id: A.Ident, what: string): boolean => {
    if (id.name === '') return false;
    const first = members.get(id.name);
    if (first) {
      bag.error('duplicate-declaration', `driver \`${d.name.name}\` already has ${article(what)} named \`${id.name}\``, id.span, [
        { message: `first declaration of \`${id.name}\``, uri, span: first.span },
      ]);
      return false;
    }
    members.set(id.name, id);
    return true;
  };
  const devParam = [{ type: T.object('pci_dev') }];

  for (const item of d.items) {
    switch (item.kind) {
      case 'state':
        for (const f of item.fields) {
          const type = cx.resolveType(f.type, uri, 'field');
          if (f.init && type.k === 'kref') bag.error('invalid-value', 'a `kref` starts at 1, as after kref_init(); it takes no initial value', f.init.span);
          if (claim(f.name, 'state field')) fields.set(f.name.name, { name: f.name.name, type, decl: f });
        }
        break;
      case 'probe':
      case 'remove': {
        if (component) {
          bag.error('component-callback', `\`${d.name.name}\` is a component (a driver without \`for\`): it binds to no device, so it has no \`${item.kind}\`; give it \`for DEVICE\` to make it a driver of that device`, item.keyword.span);
          break;
        }
        if ((item.kind === 'probe' ? probe : remove) !== undefined) {
          bag.error('duplicate-declaration', `driver \`${d.name.name}\` has two \`${item.kind}\` callbacks`, item.keyword.span);
          break;
        }
        if (item.params.length > 1) {
          bag.error('wrong-arity', `\`${item.kind}\` takes the device as its one parameter, not ${item.params.length}`, item.params[1]!.span);
        }
        const info: BodyInfo = { params: paramsOf(cx, item.params, uri, devParam), returns: T.void, body: item.body };
        if (item.kind === 'probe') probe = info;
        else remove = info;
        break;
      }
      case 'ops':
        if (claim(item.name, 'ops table')) ops.set(item.name.name, collectOpsTable(cx, d, item, uri));
        break;
      case 'action':
        if (claim(item.name, 'action')) actions.set(item.name.name, { ...signature(cx, item, uri), decl: item });
        break;
      case 'fn':
        if (claim(item.name, 'fn')) fns.set(item.name.name, { name: item.name.name, decl: item, uri, driver: d.name.name, ...signature(cx, item, uri) });
        break;
    }
  }
  if (!cx.declare('driver', 'driver', d.name, uri)) return;
  const info: DriverInfo = {
    name: d.name.name,
    decl: d,
    device: d.device?.name ?? '',
    component,
    uri,
    fns,
    fields,
    ops,
    actions,
    ...(probe ? { probe } : {}),
    ...(remove ? { remove } : {}),
  };
  cx.drivers.set(d.name.name, info);
}

function collectOpsTable(cx: CheckContext, d: A.DriverDecl, t: A.OpsTable, uri: string): OpsTableInfo {
  const bag = cx.bag(uri);
  const opstype = cx.opstypes.get(t.type.name);
  const flags = new Map<string, A.Expr>();
  const callbacks = new Map<string, BodyInfo | { fn: string }>();
  if (!opstype) {
    if (t.type.name !== '') {
      bag.error('unknown-opstype', `unknown ops type \`${t.type.name}\`${didYouMean(t.type.name, cx.opstypes.keys())}`, t.type.span);
    }
    // Still record inline callbacks so their bodies are checked.
    for (const e of t.entries) {
      if (e.kind === 'inline') callbacks.set(e.name.name, { params: paramsOf(cx, e.params, uri), returns: T.unknown, body: e.body });
    }
    return { name: t.name.name, decl: t, flags, callbacks };
  }
  const seen = new Map<string, A.Ident>();
  // Slots an unknown entry looks like a misspelling of: that entry is reported, their absence is not.
  const misspelt = new Set<string>();
  for (const e of t.entries) {
    if (e.name.name === '') continue;
    const slotName = cx.slot(e.name.name);
    const slot = opstype.slots.get(slotName);
    notInTarget(cx, uri, e.name.name, cx.vocabulary.spellingsSince?.get(e.name.name), e.name.span);
    if (seen.has(slotName)) {
      const first = seen.get(slotName)!.name;
      const alias = first !== e.name.name ? ` (\`${first}\` and \`${e.name.name}\` are two names of one slot)` : '';
      bag.error('duplicate-declaration', `ops table \`${t.name.name}\` fills \`${slotName}\` twice${alias}`, e.name.span);
      continue;
    }
    seen.set(slotName, e.name);
    if (!slot) {
      const meant = closest(e.name.name, opstype.slots.keys());
      if (meant) misspelt.add(meant);
      bag.error(
        'unknown-slot',
        `ops type \`${opstype.name}\` has no slot \`${e.name.name}\`${meant ? ` (did you mean \`${meant}\`?)` : ''}`,
        e.name.span,
      );
      if (e.kind === 'inline') callbacks.set(slotName, { params: paramsOf(cx, e.params, uri), returns: T.unknown, body: e.body });
      continue;
    }
    if (slot.kind === 'flag') {
      if (e.kind === 'inline') {
        bag.error('slot-kind-mismatch', `\`${slotName}\` is a flag of \`${opstype.name}\`: give it a value (\`${slotName} = true\`), not a body`, e.name.span);
        callbacks.set(`${slotName}`, { params: paramsOf(cx, e.params, uri), returns: T.unknown, body: e.body });
      } else {
        flags.set(slotName, e.value);
      }
      continue;
    }
    if (e.kind === 'inline') {
      if (e.params.length !== slot.params.length) {
        bag.error(
          'wrong-arity',
          `\`${opstype.name}.${slotName}\` takes ${plural(slot.params.length, 'parameter')} (${slot.params.map((p) => p.name).join(', ')}), but \`${t.name.name}.${e.name.name}\` declares ${e.params.length}`,
          e.name.span,
        );
      }
      callbacks.set(slotName, { params: paramsOf(cx, e.params, uri, slot.params), returns: slot.returns, body: e.body });
      continue;
    }
    // `slot = fn_name`: resolved once every fn is known (see checkOpsFnRefs).
    if (e.value.kind === 'name') callbacks.set(slotName, { fn: e.value.name });
    else bag.error('slot-kind-mismatch', `\`${slotName}\` is a callback of \`${opstype.name}\`: give it a body or the name of a \`fn\``, e.value.span);
  }
  for (const slot of opstype.slots.values()) {
    if (slot.required && !seen.has(slot.name) && !misspelt.has(slot.name) && !cx.incomplete.has(d)) {
      bag.error('missing-required-slot', `ops table \`${t.name.name}\` of type \`${opstype.name}\` lacks required \`${slot.name}\``, t.name.span);
    }
  }
  return { name: t.name.name, decl: t, opstype, flags, callbacks };
}

function article(what: string): string {
  return `${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Checks `slot = fn_name` entries now that every `fn` is known. */
export function checkOpsFnRefs(cx: CheckContext, uri: string): void {
  for (const driver of cx.drivers.values()) {
    for (const table of driver.ops.values()) {
      if (!table.opstype) continue;
      for (const e of table.decl.entries) {
        if (e.kind !== 'value' || e.value.kind !== 'name') continue;
        const slotName = cx.slot(e.name.name);
        const slot = table.opstype.slots.get(slotName);
        if (!slot || slot.kind !== 'callback') continue;
        const fn = cx.fns.get(e.value.name);
        if (!fn) {
          cx.bag(uri).error('unknown-name', `unknown function \`${e.value.name}\`${didYouMean(e.value.name, cx.fns.keys())}`, e.value.span);
          continue;
        }
        if (fn.params.length !== slot.params.length) {
          cx.bag(uri).error(
            'wrong-arity',
            `\`${table.opstype.name}.${slotName}\` takes ${plural(slot.params.length, 'parameter')}, but \`fn ${fn.name}\` takes ${fn.params.length}`,
            e.value.span,
          );
        }
      }
    }
  }
}
