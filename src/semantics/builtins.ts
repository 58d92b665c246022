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
  ['kref_read', { name: 'kref_read', params: [{ name: 'r', type: T.kref }], returns: T.int, doc: 'The count of a kref (kref_read()); not a step.' }],
]);

/**
 * The language's own steps on its own objects (v1): the kref primitives and
 * `free`. They take a place (a kref field), not a value, so the compiler
 * gives them instructions of their own rather than a model's primitive call.
 */
export const krefPrimitives: ReadonlyMap<string, PrimitiveSig> = new Map<string, PrimitiveSig>([
  ['kref_get', { name: 'kref_get', params: [{ name: 'r', type: T.kref }], returns: T.void, doc: 'Adds a reference (kref_get()). At zero it is `model.refcount_inc_on_zero` and the count saturates, as refcount_t does: the object is never released.' }],
  ['kref_put', { name: 'kref_put', params: [{ name: 'r', type: T.kref }], returns: T.bool, doc: 'Drops a reference (kref_put()); true when it reached zero, so the caller releases: `if kref_put(m.refs) { free(m) }`. At zero it is `model.refcount_underflow`, stays 0 and is false.' }],
  ['kref_get_unless_zero', { name: 'kref_get_unless_zero', params: [{ name: 'r', type: T.kref }], returns: T.bool, doc: 'Adds a reference unless the count is zero (kref_get_unless_zero()); whether it did.' }],
  ['kref_init', { name: 'kref_init', params: [{ name: 'r', type: T.kref }], returns: T.void, doc: 'Sets the count to 1 (kref_init()), as code that re-arms an object for reuse does; the kernel does not check what the count was.' }],
]);

/** `free(x)`: ends an object of an own kind (kfree()). */
export const freeSig: PrimitiveSig = { name: 'free', params: [{ name: 'x', type: T.unknown }], returns: T.void, doc: "Ends an object of the spec's own kind (kfree()): the event `destroy(x)`. A second free is `model.double_free`; reading it afterwards `model.use_after_free`." };

/** The lifecycle events every object has; a kind name as the argument filters by kind (`create(sg_table)`). */
export const objectEvents: ReadonlyMap<string, EventSpec> = new Map<string, EventSpec>([
  ['create', { params: [{ name: 'object', type: T.unknown }], doc: 'An object is created; `create(sg_table)` matches one kind.' }],
  ['destroy', { params: [{ name: 'object', type: T.unknown }], doc: 'An object ends.' }],
  ['kref_get', { params: [{ name: 'owner', type: T.unknown }], doc: 'A kref_get() on a kref of `owner` (an object of an own kind, or none for a driver state field).' }],
  ['kref_put', { params: [{ name: 'owner', type: T.unknown }], doc: 'A kref_put() on a kref of `owner`; `kref_put(m) ok` is a call that returned.' }],
  ['kref_get_unless_zero', { params: [{ name: 'owner', type: T.unknown }], doc: 'A kref_get_unless_zero() on a kref of `owner`.' }],
  ['kref_init', { params: [{ name: 'owner', type: T.unknown }], doc: 'A kref_init() on a kref of `owner`.' }],
]);

/** Violations the language reports whatever the models: a `none` used as an object, an ended object used, a failed `assert`. */
export const languageViolations: ReadonlyMap<string, string> = new Map([
  ['model.use_after_free', 'An object was used after it ended (a detached attachment, a put of a freed buffer, a destroyed provider).'],
  ['model.null_deref', 'A `none` was used where an object is needed.'],
  ['model.assert', 'An `assert` failed.'],
  ['model.int_overflow', 'An integer result left the exact range ±(2^53 - 1); the run stops there (in a condition, the rule is not judged).'],
  ['model.double_free', 'An object of an own kind was freed a second time (kfree() of freed memory); the run stops.'],
  ['model.refcount_underflow', 'A kref_put() of a kref at zero: refcount_t\'s "underflow; use-after-free" warning. The count stays 0.'],
  ['model.refcount_inc_on_zero', 'A kref_get() of a kref at zero: refcount_t\'s "addition on 0; use-after-free" warning. The count saturates.'],
]);
