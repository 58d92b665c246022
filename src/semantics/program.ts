/**
 * The checked program: the declarations of a spec and of the stdlib modules it
 * loads, indexed by name, with every name use resolved and every expression
 * typed. The interpreter reads this, never the CST.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source.js';
import type * as A from '../syntax/ast.js';
import type { Type } from './types.js';
import type { PrimitiveSig, Vocabulary } from './vocabulary.js';

export interface TopoNode {
  readonly kind: 'host_bridge' | 'switch' | 'device';
  readonly name: string;
  readonly decl: A.TopoItem;
  /** The node it sits under (undefined for a host bridge, or when the parent does not resolve). */
  readonly parent?: string;
}

export interface HostBridgeInfo extends TopoNode {
  readonly kind: 'host_bridge';
  readonly iommu: 'translated' | 'passthrough' | 'off';
  /**
   * P2P through it: `allowed` (whitelisted without REQ_SAME_HOST_BRIDGE, or a
   * CPU that supports it: across host bridges too), `same_bridge` (whitelisted
   * with REQ_SAME_HOST_BRIDGE: only between devices under it), `denied`.
   */
  readonly p2p: 'allowed' | 'denied' | 'same_bridge';
}

export interface SwitchInfo extends TopoNode {
  readonly kind: 'switch';
  /** ACS redirect on its ports: P2P through it goes up to the host bridge. */
  readonly acs: boolean;
}

export interface DeviceInfo extends TopoNode {
  readonly kind: 'device';
  readonly bars: ReadonlyMap<number, number>;
  readonly acs: boolean;
}

export interface ProviderInfo {
  readonly name: string;
  readonly decl: A.ProviderDecl;
  readonly device: string;
  readonly bar: number;
  readonly lifetime: A.ProviderLifetime;
}

export interface SlotInfo {
  readonly name: string;
  readonly kind: 'callback' | 'flag';
  readonly required: boolean;
  readonly params: readonly { name: string; type: Type }[];
  readonly returns: Type;
  readonly decl: A.OpsSlot;
  readonly doc?: string;
}

export interface OpstypeInfo {
  readonly name: string;
  readonly decl: A.OpstypeDecl;
  /** Where it was declared (a stdlib URI for the kernel's ops types). */
  readonly uri: string;
  readonly slots: ReadonlyMap<string, SlotInfo>;
}

/** A callable body: a probe/remove callback, an ops callback, an action or a `fn`. */
export interface BodyInfo {
  readonly params: readonly { name: string; type: Type }[];
  readonly returns: Type;
  readonly body: A.Block;
  /** `fails ENOMEM, …`: errnos a call may fail with under `faults on` before the body runs (v1). */
  readonly fails?: readonly string[];
}

export interface OpsTableInfo {
  readonly name: string;
  readonly decl: A.OpsTable;
  readonly opstype?: OpstypeInfo;
  /** Flag values by slot name. */
  readonly flags: ReadonlyMap<string, A.Expr>;
  /** Callbacks by canonical slot name (`invalidate_mappings` is stored as `move_notify`). */
  readonly callbacks: ReadonlyMap<string, BodyInfo | { fn: string }>;
}

export interface FieldInfo {
  readonly name: string;
  readonly type: Type;
  readonly decl: A.Field;
}

export interface DriverInfo {
  readonly name: string;
  readonly decl: A.DriverDecl;
  /** The device it binds to; '' for a component (v1), which binds to none. */
  readonly device: string;
  /** A driver without `for`: no device, no probe/remove, there for the whole scenario. */
  readonly component: boolean;
  /** The source it is declared in. */
  readonly uri: string;
  /** Its own `fn`s (v1): they see its state and are called from its bodies by name. */
  readonly fns: ReadonlyMap<string, FnInfo>;
  readonly fields: ReadonlyMap<string, FieldInfo>;
  readonly probe?: BodyInfo;
  readonly remove?: BodyInfo;
  readonly ops: ReadonlyMap<string, OpsTableInfo>;
  readonly actions: ReadonlyMap<string, BodyInfo & { decl: A.ActionDecl }>;
}

export interface FnInfo extends BodyInfo {
  readonly name: string;
  readonly decl: A.FnDecl;
  /** The source it is declared in (a stdlib module's, for a prelude fn). */
  readonly uri: string;
  /** The driver it belongs to, for a driver's own fn. */
  readonly driver?: string;
}

/** A field of an own kind. */
export interface KindFieldInfo {
  readonly name: string;
  readonly type: Type;
  readonly decl: A.Field;
}

/** An object kind the spec declares (`kind mr { refs: kref }`, v1). */
export interface OwnKindInfo {
  readonly name: string;
  readonly decl: A.KindDecl;
  readonly uri: string;
  readonly fields: ReadonlyMap<string, KindFieldInfo>;
}

/** A spec file brought in with `use "…"`, and the ones it brought in. */
export interface UsedFile {
  /** The path as written in the `use` line. */
  readonly path: string;
  /** The URI the host resolved it to. */
  readonly uri: string;
  /** Its syntax tree, whose nodes `resolutions` and `types` are keyed by (for the editor services). */
  readonly spec: A.Spec;
}

/** The kernel contract a spec is checked and run against. */
export interface Contract {
  readonly major: number;
  readonly minor: number;
  /** `linux 6.1 (target)` or `linux 7.1 (the newest the stdlib knows)`. */
  readonly text: string;
  /** Whether the spec says `target linux …`. */
  readonly targeted: boolean;
}

export interface ConstraintInfo {
  /** The name `expect violation` uses: `no_leak`, or `dmabuf.move_notify_locked` for a stdlib rule. */
  readonly name: string;
  readonly decl: A.ConstraintDecl;
  readonly uri: string;
  readonly doc?: string;
}

export interface ScenarioInfo {
  readonly name: string;
  readonly decl: A.ScenarioDecl;
  readonly expect?: A.ExpectLine;
}

/** An event a pattern can name, with the types of its arguments. */
export interface EventSig {
  /** Canonical name: `dma_buf_move_notify`, `vfio_pci.remove`, `mlx5_ib.er.move_notify`. */
  readonly name: string;
  readonly params: readonly { name: string; type: Type; optional?: boolean }[];
}

/** What a name in an expression denotes. */
export type Symbol =
  | { readonly kind: 'local'; readonly name: string; readonly type: Type; readonly decl: A.Node }
  | { readonly kind: 'field'; readonly name: string; readonly type: Type; readonly driver: string; readonly decl: A.Field }
  | { readonly kind: 'ops'; readonly name: string; readonly driver: string; readonly table: OpsTableInfo }
  | { readonly kind: 'device'; readonly name: string; readonly decl: A.TopoItem }
  | { readonly kind: 'bridge'; readonly name: string; readonly decl: A.TopoItem }
  | { readonly kind: 'provider'; readonly name: string; readonly info: ProviderInfo }
  | { readonly kind: 'fn'; readonly name: string; readonly info: FnInfo }
  | { readonly kind: 'primitive'; readonly name: string; readonly sig: PrimitiveSig }
  | { readonly kind: 'constant'; readonly name: string; readonly type: Type; readonly value?: number }
  | { readonly kind: 'driver'; readonly name: string; readonly info: DriverInfo }
  /** `drv.action` called from a body (v1). */
  | { readonly kind: 'action'; readonly name: string; readonly driver: DriverInfo; readonly info: BodyInfo & { decl: A.ActionDecl } }
  | { readonly kind: 'kind'; readonly name: string }
  /** A pattern argument naming a kind (`create(sg_table)`): the event matches objects of that kind. */
  | { readonly kind: 'kind-filter'; readonly name: string };

export interface Program {
  /** The user's spec. */
  readonly spec: A.Spec;
  /** Stdlib modules loaded (the prelude and every `use`), by name. */
  readonly modules: readonly string[];
  readonly topology: ReadonlyMap<string, TopoNode>;
  readonly providers: ReadonlyMap<string, ProviderInfo>;
  readonly opstypes: ReadonlyMap<string, OpstypeInfo>;
  readonly drivers: ReadonlyMap<string, DriverInfo>;
  readonly fns: ReadonlyMap<string, FnInfo>;
  readonly constraints: ReadonlyMap<string, ConstraintInfo>;
  readonly scenarios: ReadonlyMap<string, ScenarioInfo>;
  /** What each name expression (and each assignment target name) resolved to. */
  readonly resolutions: ReadonlyMap<A.Node, Symbol>;
  /** The static type of each expression the checker typed. */
  readonly types: ReadonlyMap<A.Expr, Type>;
  /** The event each constraint pattern names, resolved (canonical name, argument types). */
  readonly events: ReadonlyMap<A.Pattern, EventSig>;
  /** The kinds, primitives, events and violations the spec was checked against. */
  readonly vocabulary: Vocabulary;
  /** The text of the spec and of every stdlib module loaded, by URI (for positions in traces). */
  readonly sources: ReadonlyMap<string, SourceFile>;
  /** The check's errors: a program with any is for editor features only, and `explore` refuses it. */
  readonly errors: readonly Diagnostic[];
  /** The object kinds the spec declares (also in `vocabulary.kinds`). */
  readonly kinds: ReadonlyMap<string, OwnKindInfo>;
  /** The files `use "…"` brought in, transitively, in load order. */
  readonly files: readonly UsedFile[];
  /** The kernel contract: the spec's `target`, else the newest the stdlib knows. */
  readonly contract: Contract;
  /** Rules the spec turns off with `allow`. */
  readonly allowed: readonly string[];
  /** Kernel-check rules loaded because the spec calls their model's primitives (not by `use`). */
  readonly defaultRules: readonly string[];
}
