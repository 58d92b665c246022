/**
 * The instructions bodies and scenarios compile to. A thread's position is a
 * program counter into one of these arrays, so a thread's whole state is
 * plain data the explorer can copy, hash and compare — which a JavaScript
 * call stack or generator would not allow.
 *
 * "Visible" instructions (a primitive call, `lock`, an action call, a
 * scenario line) are the scheduling points: a step runs one visible
 * instruction and every invisible one after it, up to the next visible one.
 */
import type { BinaryOp } from '../syntax/ast.js';
import type { Value } from './values.js';

/** Every instruction records the source offset it came from, for traces. */
interface At {
  readonly at: number;
}

export type Instr = At &
  (
    | { readonly op: 'const'; readonly v: Value }
    | { readonly op: 'load'; readonly slot: number }
    | { readonly op: 'store'; readonly slot: number }
    /** A state field of driver `d`. */
    | { readonly op: 'loadf'; readonly d: number; readonly f: number }
    | { readonly op: 'storef'; readonly d: number; readonly f: number }
    /** The current object of a provider declaration (none before its device binds). */
    | { readonly op: 'provider'; readonly name: string }
    | { readonly op: 'member'; readonly name: string }
    /** `table.slot` of an ops table: the flag's value, or whether the table fills the callback slot. */
    | { readonly op: 'slot'; readonly name: string }
    | { readonly op: 'bin'; readonly o: BinaryOp }
    | { readonly op: 'not' }
    | { readonly op: 'neg' }
    | { readonly op: 'dup' }
    | { readonly op: 'pop' }
    | { readonly op: 'jmp'; readonly t: number }
    | { readonly op: 'jf'; readonly t: number }
    | { readonly op: 'jt'; readonly t: number }
    /** Calls a primitive (visible). `tr`: the call is under `try`, so a failure becomes a value. */
    | { readonly op: 'prim'; readonly name: string; readonly argc: number; readonly tr: boolean }
    /** Queries that are not steps: `held`, `is_err`, `count`. */
    | { readonly op: 'query'; readonly name: string; readonly argc: number; readonly kind?: string }
    | { readonly op: 'fn'; readonly body: number; readonly argc: number; readonly tr: boolean }
    | { readonly op: 'set'; readonly m: 'add' | 'remove' | 'has' | 'size' }
    /** Takes the mutex on the stack (visible; blocks while another thread holds it). */
    | { readonly op: 'lock' }
    | { readonly op: 'unlock' }
    | { readonly op: 'ret'; readonly value: boolean }
    | { readonly op: 'fail' }
    | { readonly op: 'assert'; readonly msg: string }
    /** Loop step over the set in `set`: next element into `v`, or jump to `t` when done. */
    | { readonly op: 'iter'; readonly set: number; readonly idx: number; readonly v: number; readonly t: number }
    // Scenario lines (all visible).
    | { readonly op: 'bind'; readonly d: number }
    | { readonly op: 'unbind'; readonly d: number }
    | { readonly op: 'unplug'; readonly dev: string }
    /**
     * Calls a driver action, from a scenario line or (v1) from a body; its result
     * (or errno) is left on the stack. `tr` false: a failure propagates (a body's call).
     */
    | { readonly op: 'action'; readonly d: number; readonly body: number; readonly argc: number; readonly tr?: boolean }
    // v1: objects of own kinds, krefs, choices in bodies.
    /** Creates an object of own kind `kind` from the top `fields.length` values (in field order). */
    | { readonly op: 'new'; readonly kind: string; readonly fields: readonly string[] }
    /** Ends the object on the stack (kfree()). */
    | { readonly op: 'free' }
    /** Writes a field of an own kind's object: stack `value, object`. */
    | { readonly op: 'storem'; readonly name: string }
    /** kref_get / kref_put / kref_get_unless_zero (visible) on field `field` of the object on the stack, or of driver `d`'s state field `f`. */
    | { readonly op: 'kref'; readonly fn: 'get' | 'put' | 'get_unless_zero' | 'init'; readonly field: string; readonly d?: number; readonly f?: number }
    /** kref_read (a query, not a step). */
    | { readonly op: 'krefread'; readonly field: string; readonly d?: number; readonly f?: number }
    /** `choose` in a body: one of `targets`, every one explored; not a step of its own. */
    | { readonly op: 'pick'; readonly targets: readonly number[] }
    | { readonly op: 'spawn'; readonly threads: readonly number[] }
    | { readonly op: 'join'; readonly threads: readonly number[] }
    | { readonly op: 'choose'; readonly targets: readonly number[] }
    | { readonly op: 'faults'; readonly on: boolean }
    | { readonly op: 'end' }
  );

export type Op = Instr['op'];

/** Instructions that start a step. */
export const visibleOps: ReadonlySet<Op> = new Set<Op>(['prim', 'lock', 'bind', 'unbind', 'unplug', 'action', 'choose', 'join', 'kref']);

/** A compiled body: a callback, action, `fn`, a scenario thread, or an expression (a constraint's condition, a field's initial value, a flag). */
export interface CompiledBody {
  readonly id: number;
  /** How traces name it: `vfio_pci.remove`, `mlx5_ib.importer.move_notify`, `fn checked_map`. */
  readonly name: string;
  /** The driver whose state it sees, or -1. */
  readonly driver: number;
  readonly params: number;
  readonly locals: number;
  readonly code: readonly Instr[];
  /** The URI its offsets point into. */
  readonly uri: string;
  /** Where the body is declared, for callback-entry steps. */
  readonly at: number;
  /** A callback, action, probe or remove: its entry and its end (ok/fails) are events. */
  readonly event: boolean;
  /** `fails E, …` (v1): errnos a call may fail with under `faults on`, before the body runs. */
  readonly fails?: readonly string[];
}
