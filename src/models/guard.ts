/**
 * A model's code is not ours: an exception from it (a bug, a stack overflow)
 * must cost one scenario its verdict, not the whole search its results, and
 * say whose code threw. The registry wraps every function a model hands it
 * so that what escapes is a ModelError naming the model and the place.
 */
import type { HardwareImpl, KindImpl, LockProtocol, PrimitiveImpl, SignalImpl, ThreadGate } from '../runtime/natives.js';
import type { Model } from './model.js';

/** An exception thrown by a model's code, with the model and the function it came from. */
export class ModelError extends Error {
  constructor(
    /** The model's name. */
    readonly model: string,
    /** Where in it: `primitive \`fence_wait\` (start)`, `kind \`fence\` (show)`. */
    readonly where: string,
    /** What was thrown. */
    readonly thrown: unknown,
  ) {
    super(`model \`${model}\`, ${where}, threw: ${describe(thrown)}`);
    this.name = 'ModelError';
  }
}

function describe(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'RangeError: maximum call stack size exceeded (unbounded recursion?)';
  // States share their objects and driver states, frozen (world.ts): a model that writes an object it did not get
  // from cx.obj, or any driver state, lands here.
  if (e instanceof TypeError && /read only property|not extensible/.test(e.message)) return `${e.name}: ${e.message} (write objects only through cx.obj, which gives the step its own copy; a driver state is written only by the spec's code)`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return String(e);
  } catch {
    return 'a value that cannot be shown';
  }
}

type Fn = (...args: never[]) => unknown;

function guard<F extends Fn>(model: string, where: string, f: F): F {
  return function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    try {
      return f.apply(this, args) as ReturnType<F>;
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(model, where, e);
    }
  } as F;
}

/** The same object with each of the named methods guarded (those it has). */
function guarded<T extends object>(model: string, what: string, o: T, methods: readonly (keyof T & string)[]): T {
  const out = { ...o };
  for (const m of methods) {
    const f = o[m];
    if (typeof f === 'function') (out as Record<string, unknown>)[m] = guard(model, `${what} (${m})`, (f as Fn).bind(o));
  }
  return out;
}

const primitiveMethods = ['start', 'resume', 'ready', 'waitsFor'] as const;
const kindMethods = ['show', 'stateObject'] as const;
const lockMethods = ['holders', 'holds', 'free', 'take', 'release'] as const;

/** A copy of `model` whose every function turns what it throws into a ModelError. */
export function guardModel(model: Model): Model {
  const name = model.name;
  const kinds = model.kinds?.map((k): KindImpl => {
    const g = guarded<KindImpl>(name, `kind \`${k.name}\``, k, kindMethods);
    return k.lock ? { ...g, lock: guarded<LockProtocol>(name, `kind \`${k.name}\`'s lock`, k.lock, lockMethods) } : g;
  });
  return {
    ...model,
    primitives: model.primitives.map((p) => guarded<PrimitiveImpl>(name, `primitive \`${p.sig.name}\``, p, primitiveMethods)),
    ...(kinds ? { kinds } : {}),
    ...(model.hardware ? { hardware: guarded<HardwareImpl>(name, 'hardware', model.hardware, ['enabled', 'run']) } : {}),
    ...(model.signals ? { signals: guarded<SignalImpl>(name, 'signals', model.signals, ['pending', 'fire']) } : {}),
    ...(model.threadGate ? { threadGate: guarded<ThreadGate>(name, 'thread gate', model.threadGate, ['blocked']) } : {}),
    ...(model.fixedObjects ? { fixedObjects: guard(name, 'fixedObjects', model.fixedObjects.bind(model)) } : {}),
  };
}
