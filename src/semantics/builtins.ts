/**
 * What the language itself provides, whatever models are registered: the
 * queries (`held`, `is_err`, `count`), which read the state without taking a
 * step, and the object lifecycle events `create` and `destroy`. Primitives,
 * kinds, constants and the other events come from the models through the
 * registry (vocabulary.ts).
 */
import { T } from './types.js';
import type { EventSpec, PrimitiveSig } from './vocabulary.js';

/** Built-ins that read the state without taking a step: never events, never steps. */
export const queries: ReadonlyMap<string, PrimitiveSig> = new Map<string, PrimitiveSig>([
  ['held', { name: 'held', params: [{ name: 'm', type: T.unknown }], returns: T.bool, doc: 'Whether the current thread holds the lock (a mutex such as a buffer\'s `resv`).' }],
  ['is_err', { name: 'is_err', params: [{ name: 'x', type: T.unknown }], returns: T.bool, doc: 'Whether a value is an errno (from `try`).' }],
  ['count', { name: 'count', params: [{ name: 'kind', type: T.unknown }], returns: T.int, doc: 'The number of live objects of a kind: `count(sg_table)`.' }],
]);

/** The lifecycle events every object has; a kind name as the argument filters by kind (`create(sg_table)`). */
export const objectEvents: ReadonlyMap<string, EventSpec> = new Map<string, EventSpec>([
  ['create', { params: [{ name: 'object', type: T.unknown }], doc: 'An object is created; `create(sg_table)` matches one kind.' }],
  ['destroy', { params: [{ name: 'object', type: T.unknown }], doc: 'An object ends.' }],
]);

/** Violations the language reports whatever the models: a `none` used as an object, an ended object used, a failed `assert`. */
export const languageViolations: ReadonlyMap<string, string> = new Map([
  ['model.use_after_free', 'An object was used after it ended (a detached attachment, a put of a freed buffer, a destroyed provider).'],
  ['model.null_deref', 'A `none` was used where an object is needed.'],
  ['model.assert', 'An `assert` failed.'],
  ['model.int_overflow', 'An integer result left the exact range ±(2^53 - 1); the run stops there (in a condition, the rule is not judged).'],
]);
