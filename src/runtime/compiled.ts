/**
 * A compiled program, as the machine, the evaluator and the models read it:
 * the bodies as instructions, drivers and scenarios by index, and the
 * objects every run starts with. Types only; compile.ts builds it.
 */
import type * as A from '../syntax/ast.js';
import type { DriverInfo, Program } from '../semantics/program.js';
import type { CompiledBody } from './bytecode.js';
import type { Value } from './values.js';

/** An object every run starts with (a device of the topology). */
export interface FixedObject {
  readonly kind: string;
  readonly fields: Record<string, Value>;
  /** The name a spec calls it by (the topology's device name), if any. */
  readonly name?: string;
}

export interface OpsRt {
  readonly opstype: string;
  /** Canonical slot name → body id (inline callbacks and `slot = fn`). */
  readonly callbacks: ReadonlyMap<string, number>;
  /** Flag values (`allow_peer2peer = true`), evaluated once. */
  readonly flags: ReadonlyMap<string, Value>;
}

export interface DriverRt {
  readonly index: number;
  readonly name: string;
  readonly device: string;
  readonly info: DriverInfo;
  readonly fieldNames: readonly string[];
  /** Each field's initial value, as an expression body (undefined: the type's default). */
  readonly fieldInits: readonly (number | undefined)[];
  readonly probe?: number;
  readonly remove?: number;
  readonly actions: ReadonlyMap<string, number>;
  readonly ops: ReadonlyMap<string, OpsRt>;
}

export interface ScenarioRt {
  readonly name: string;
  readonly decl: A.ScenarioDecl;
  /** The main thread's body. */
  readonly main: number;
  readonly expect?: A.ExpectLine;
}

/** A constraint condition compiled to a body whose parameters are the rule's pattern variables. */
export interface ConditionRt {
  readonly body: number;
  /** The pattern variables, in parameter order. */
  readonly vars: readonly string[];
}

export interface CompiledProgram {
  readonly program: Program;
  /** The objects every run starts with (the topology's devices), in object order. */
  readonly fixed: readonly FixedObject[];
  readonly bodies: readonly CompiledBody[];
  readonly drivers: readonly DriverRt[];
  readonly driverIndex: ReadonlyMap<string, number>;
  readonly fns: ReadonlyMap<string, number>;
  readonly scenarios: readonly ScenarioRt[];
  /** Static thread labels of scenario branch bodies: body id → `t1`. */
  readonly threadLabels: ReadonlyMap<number, string>;
  /** Device name → its object id (the fixed objects every run starts with). */
  readonly deviceIds: ReadonlyMap<string, number>;
  /** Every `requires`, `always` and `at end` condition, by its expression. */
  readonly conditions: ReadonlyMap<A.Expr, ConditionRt>;
  /** The value of an ops table's flag (`allow_peer2peer`), or none when unset. */
  flagValue(driver: number, table: string, slot: string): Value;
}
