/** How values read in traces and messages: `sg_table#7`, `gpu`, `dma_buf#6.resv`, `ENODEV`. */
import type { Natives } from './natives.js';
import { refId, type Value } from './values.js';
import type { World } from './world.js';

/** A value as traces and messages show it; an object as its kind names it (`KIND#ID` unless the kind says otherwise). */
export function showValue(w: World, natives: Natives, v: Value): string {
  if (v === null) return 'none';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `{${v.map((x) => showValue(w, natives, x)).join(', ')}}`;
  const s = v as string;
  switch (s[0]) {
    case '#': {
      const id = refId(s);
      const o = w.objects[id];
      if (!o) return s;
      const show = natives.kind(o.kind)?.show;
      return show ? show(o, id, (x) => showValue(w, natives, x)) : `${o.kind}#${id}`;
    }
    case '!':
    case '@':
    case '&':
      return s.slice(1);
    case '"':
      return JSON.stringify(s.slice(1));
    default:
      return s;
  }
}

/** A scenario step's arguments (`@bind`'s driver index) as values a trace shows (the driver's name); a primitive's as they are. */
export function lineArgs(program: { readonly drivers: readonly { readonly name: string }[] }, name: string, args: readonly Value[]): readonly Value[] {
  return name.startsWith('@') ? args.map((a) => (typeof a === 'number' ? `&${program.drivers[a]?.name ?? a}` : a)) : args;
}

/** A call of a body (an action, a callback's entry, a primitive) as traces show it: `name(args)`. */
export function bodyLine(name: string, args: readonly Value[], show: (v: Value) => string): string {
  let s = `${name}(`;
  for (let i = 0; i < args.length; i++) s += i === 0 ? show(args[i]!) : `, ${show(args[i]!)}`;
  return `${s})`;
}

/** A primitive call as traces show it; scenario steps (`@bind`) as their scenario line: `bind vfio_pci`. */
export function callLine(program: { readonly drivers: readonly { readonly name: string }[] }, name: string, args: readonly Value[], show: (v: Value) => string): string {
  if (!name.startsWith('@')) return bodyLine(name, args, show);
  return `${name.slice(1)} ${args.map((a) => (typeof a === 'number' ? program.drivers[a]?.name : show(a))).join(' ')}`;
}

/** A primitive's call as `StepInfo.call` records it (for replays under `detail`). */
export function callRecord(program: { readonly drivers: readonly { readonly name: string }[] }, name: string, args: readonly Value[]): { name: string; args: readonly Value[] } {
  return { name: name.replace(/^@/, ''), args: lineArgs(program, name, args) };
}
