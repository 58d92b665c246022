/**
 * The typed syntax tree of a Lifespec spec. Every node carries the span of
 * the text it came from. Recovery can leave parts missing: a name that was
 * not written has `name === ''` (and a zero-width span where it belongs), a
 * missing expression is a `Missing` node; later stages skip what is missing
 * instead of reporting it again.
 */
import type { Span } from '../source.js';

export interface Node {
  readonly span: Span;
}

/** A name as written, with its own span. */
export interface Ident extends Node {
  readonly name: string;
}

export interface Spec extends Node {
  readonly uri: string;
  readonly decls: Decl[];
}

export type Decl =
  | UseDecl
  | KindDecl
  | TargetDecl
  | AllowDecl
  | TopologyDecl
  | ProviderDecl
  | OpstypeDecl
  | DriverDecl
  | FnDecl
  | ConstraintDecl
  | ScenarioDecl;

interface Documented {
  /** The `///` comment lines above the declaration, without the slashes. */
  readonly doc?: string;
}

export interface UseDecl extends Node {
  readonly kind: 'use';
  /** `dmabuf.rules` as its parts (empty for `use "file"`). */
  readonly path: Ident[];
  /** `use "path/file.lspec"`: the path as written, unquoted, with the string's span. */
  readonly file?: Ident;
}

/** `kind NAME { field: type … }`: a kernel object of the spec's own (v1). */
export interface KindDecl extends Node, Documented {
  readonly kind: 'kind';
  readonly name: Ident;
  readonly fields: Field[];
}

/** `target linux 6.1`: the kernel whose contract the spec follows (v1). */
export interface TargetDecl extends Node {
  readonly kind: 'target';
  readonly major: number;
  readonly minor: number;
  /** `6.1` as written. */
  readonly text: string;
}

/** `allow dmabuf.map_locked, …`: rules turned off for this file (v1). */
export interface AllowDecl extends Node {
  readonly kind: 'allow';
  readonly rules: Ident[];
}

export interface TopologyDecl extends Node {
  readonly kind: 'topology';
  readonly items: TopoItem[];
}

export type TopoItem = HostBridgeItem | SwitchItem | DeviceItem;

export interface HostBridgeItem extends Node, Documented {
  readonly kind: 'host_bridge';
  readonly name: Ident;
  readonly props: HostBridgeProp[];
}

export type HostBridgeProp =
  | (Node & { readonly kind: 'iommu'; readonly mode: 'translated' | 'passthrough' | 'off' })
  | (Node & { readonly kind: 'p2p'; readonly mode: 'allowed' | 'denied' | 'same_bridge' });

export interface SwitchItem extends Node, Documented {
  readonly kind: 'switch';
  readonly name: Ident;
  readonly parent: Ident;
  readonly props: SwitchProp[];
}

export type SwitchProp = Node & { readonly kind: 'acs'; readonly on: boolean };

export interface DeviceItem extends Node, Documented {
  readonly kind: 'device';
  readonly name: Ident;
  readonly parent: Ident;
  readonly props: DeviceProp[];
}

export type DeviceProp =
  | (Node & { readonly kind: 'bar'; readonly index: IntLit; readonly size: IntLit })
  | (Node & { readonly kind: 'acs'; readonly on: boolean });

export interface IntLit extends Node {
  readonly value: number;
  readonly text: string;
}

export type ProviderLifetime = 'devres' | 'pgmap' | 'manual';

export interface ProviderDecl extends Node, Documented {
  readonly kind: 'provider';
  readonly name: Ident;
  /** The provider kind after `:`; only `p2pdma` exists today. */
  readonly providerKind: Ident;
  readonly props: ProviderProp[];
}

export type ProviderProp =
  | (Node & { readonly kind: 'device'; readonly device: Ident })
  | (Node & { readonly kind: 'bar'; readonly bar: IntLit })
  | (Node & { readonly kind: 'lifetime'; readonly lifetime: ProviderLifetime });

export interface OpstypeDecl extends Node, Documented {
  readonly kind: 'opstype';
  readonly name: Ident;
  readonly slots: OpsSlot[];
}

export type OpsSlot = CallbackSlot | FlagSlot;

export interface CallbackSlot extends Node, Documented {
  readonly kind: 'callback';
  readonly name: Ident;
  readonly required: boolean;
  readonly params: Param[];
  readonly returns?: TypeRef;
}

export interface FlagSlot extends Node, Documented {
  readonly kind: 'flag';
  readonly name: Ident;
}

export interface DriverDecl extends Node, Documented {
  readonly kind: 'driver';
  readonly name: Ident;
  /** The device it binds to; absent for a component (`driver ib_core { … }`, v1). */
  readonly device?: Ident;
  /** In source order, so tools can print the driver back as written. */
  readonly items: DriverItem[];
}

export type DriverItem = StateBlock | CallbackDecl | OpsTable | ActionDecl | FnDecl;

export interface StateBlock extends Node {
  readonly kind: 'state';
  readonly fields: Field[];
}

export interface Field extends Node, Documented {
  readonly name: Ident;
  readonly type: TypeRef;
  readonly init?: Expr;
}

export interface CallbackDecl extends Node, Documented {
  readonly kind: 'probe' | 'remove';
  /** The `probe`/`remove` keyword. */
  readonly keyword: Ident;
  readonly params: Param[];
  readonly body: Block;
}

export interface OpsTable extends Node, Documented {
  readonly kind: 'ops';
  readonly name: Ident;
  readonly type: Ident;
  readonly entries: OpsEntry[];
}

/** `flag = expr`, `slot = fn_name` (a value that names a `fn`), or an inline callback. */
export type OpsEntry = OpsValueEntry | OpsInlineEntry;

export interface OpsValueEntry extends Node {
  readonly kind: 'value';
  readonly name: Ident;
  readonly value: Expr;
}

export interface OpsInlineEntry extends Node {
  readonly kind: 'inline';
  readonly name: Ident;
  readonly params: Param[];
  readonly body: Block;
}

export interface ActionDecl extends Node, Documented {
  readonly kind: 'action';
  readonly name: Ident;
  readonly params: Param[];
  readonly returns?: TypeRef;
  /** `fails ENOMEM, EIO`: with `faults on`, a call may fail so before the body runs (v1). */
  readonly fails: Ident[];
  readonly body: Block;
}

export interface FnDecl extends Node, Documented {
  readonly kind: 'fn';
  readonly name: Ident;
  readonly params: Param[];
  readonly returns?: TypeRef;
  readonly fails: Ident[];
  readonly body: Block;
}

export interface Param extends Node {
  readonly name: Ident;
  readonly type?: TypeRef;
}

export interface TypeRef extends Node {
  readonly name: Ident;
  readonly arg?: TypeRef;
  readonly optional: boolean;
}

// ---- statements ------------------------------------------------------------

export interface Block extends Node {
  readonly stmts: Stmt[];
}

export type Stmt = LetStmt | AssignStmt | IfStmt | ForStmt | LockStmt | ReturnStmt | FailStmt | AssertStmt | ChooseStmt | ExprStmt;

/** `choose { { … } { … } }` in a body: every branch is explored (v1). */
export interface ChooseStmt extends Node {
  readonly kind: 'choose';
  readonly branches: Block[];
}

export interface LetStmt extends Node {
  readonly kind: 'let';
  readonly name: Ident;
  readonly type?: TypeRef;
  readonly value: Expr;
}

export interface AssignStmt extends Node {
  readonly kind: 'assign';
  /** A `Name` or `Member` expression (the lowering pass rejects anything else). */
  readonly target: NameExpr | MemberExpr;
  readonly value: Expr;
}

export interface IfStmt extends Node {
  readonly kind: 'if';
  readonly cond: Expr;
  readonly then: Block;
  readonly else?: Block | IfStmt;
}

export interface ForStmt extends Node {
  readonly kind: 'for';
  readonly name: Ident;
  readonly iter: Expr;
  readonly body: Block;
}

export interface LockStmt extends Node {
  readonly kind: 'lock';
  readonly mutex: Expr;
  readonly body: Block;
}

export interface ReturnStmt extends Node {
  readonly kind: 'return';
  readonly value?: Expr;
}

export interface FailStmt extends Node {
  readonly kind: 'fail';
  readonly errno: Expr;
}

export interface AssertStmt extends Node {
  readonly kind: 'assert';
  readonly cond: Expr;
  readonly message?: string;
}

export interface ExprStmt extends Node {
  readonly kind: 'expr';
  readonly expr: Expr;
}

// ---- expressions -----------------------------------------------------------

export type Expr =
  | IntExpr
  | SizeExpr
  | BoolExpr
  | NoneExpr
  | StringExpr
  | ErrnoExpr
  | NameExpr
  | MemberExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | TryExpr
  | NewExpr
  | MissingExpr;

/** `new mr { key: 7 }`: an object of an own kind (v1). */
export interface NewExpr extends Node {
  readonly kind: 'new';
  readonly type: Ident;
  readonly fields: (Node & { readonly name: Ident; readonly value: Expr })[];
}

export interface IntExpr extends Node {
  readonly kind: 'int';
  readonly value: number;
  readonly text: string;
}

export interface SizeExpr extends Node {
  readonly kind: 'size';
  readonly value: number;
  readonly text: string;
}

export interface BoolExpr extends Node {
  readonly kind: 'bool';
  readonly value: boolean;
}

export interface NoneExpr extends Node {
  readonly kind: 'none';
}

export interface StringExpr extends Node {
  readonly kind: 'string';
  readonly value: string;
}

export interface ErrnoExpr extends Node {
  readonly kind: 'errno';
  readonly name: string;
}

export interface NameExpr extends Node {
  readonly kind: 'name';
  readonly name: string;
}

export interface MemberExpr extends Node {
  readonly kind: 'member';
  readonly object: Expr;
  readonly member: Ident;
}

export interface CallExpr extends Node {
  readonly kind: 'call';
  readonly callee: Expr;
  readonly args: Expr[];
}

export type UnaryOp = '!' | '-';

export interface UnaryExpr extends Node {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-';

/** Binding strength of the binary operators, loosest first (LANGUAGE.md §4); all are left-associative. */
export const precedence: Readonly<Record<BinaryOp, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
};

export interface BinaryExpr extends Node {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface TryExpr extends Node {
  readonly kind: 'try';
  readonly expr: Expr;
}

/** Where recovery found no expression; already reported by the parser. */
export interface MissingExpr extends Node {
  readonly kind: 'missing';
}

// ---- constraints -----------------------------------------------------------

export interface ConstraintDecl extends Node, Documented {
  readonly kind: 'constraint';
  readonly name: Ident;
  readonly rules: Rule[];
}

export type Rule = LifetimeRule | BeforeRule | NeverRule | RequiresRule | AlwaysRule | AtEndRule | LeadsToRule;

/** `A leads_to B`: every A is answered, later in the run, by a matching B (v1). */
export interface LeadsToRule extends Node {
  readonly kind: 'leads_to';
  readonly left: Pattern;
  readonly right: Pattern;
}

export interface LifetimeRule extends Node {
  readonly kind: 'lifetime';
  readonly objectKind: Ident;
  readonly field: Ident;
}

export interface BeforeRule extends Node {
  readonly kind: 'before';
  readonly left: Pattern;
  readonly right: Pattern;
}

export interface NeverRule extends Node {
  readonly kind: 'never';
  readonly pattern: Pattern;
  readonly after?: Pattern;
}

export interface RequiresRule extends Node {
  readonly kind: 'requires';
  readonly pattern: Pattern;
  readonly cond: Expr;
}

export interface AlwaysRule extends Node {
  readonly kind: 'always';
  readonly expr: Expr;
}

export interface AtEndRule extends Node {
  readonly kind: 'at_end';
  readonly expr: Expr;
}

export interface Pattern extends Node {
  /** `vfio_pci.remove` as its parts. */
  readonly event: Ident[];
  /** Variable names, or `_` for "any". */
  readonly args: Ident[];
  readonly outcome?: 'ok' | 'fails';
}

// ---- scenarios -------------------------------------------------------------

export interface ScenarioDecl extends Node, Documented {
  readonly kind: 'scenario';
  readonly name: Ident;
  readonly lines: ScenarioLine[];
}

export type ScenarioLine = LifecycleLine | ActionLine | BranchesLine | FaultsLine | ExpectLine;

export interface LifecycleLine extends Node {
  readonly kind: 'bind' | 'unbind' | 'unplug';
  readonly target: Ident;
}

export interface ActionLine extends Node {
  readonly kind: 'action';
  readonly binds?: Ident;
  readonly driver: Ident;
  readonly action: Ident;
  readonly args: Expr[];
  /** Written `name(…)` without a driver: not an action call, which the checker reports. */
  readonly bare?: boolean;
}

export interface BranchesLine extends Node {
  readonly kind: 'parallel' | 'choose';
  readonly branches: Branch[];
}

export interface Branch extends Node {
  readonly lines: ScenarioLine[];
}

export interface FaultsLine extends Node {
  readonly kind: 'faults';
  readonly on: boolean;
}

export interface ExpectLine extends Node {
  readonly kind: 'expect';
  readonly outcome: 'ok' | 'violation' | 'deadlock';
  /** Rule names as written (`dmabuf.move_notify_locked`), each with its span. */
  readonly rules: Ident[];
}
