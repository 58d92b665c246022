/** How types and symbols are named in the checker's messages. */
import type { Symbol } from './program.js';
import { typeToString, type Type } from './types.js';

export function describe(t: Type): string {
  switch (t.k) {
    case 'unknown':
      return 'an unknown value';
    case 'void':
      return 'nothing';
    case 'none':
      return '`none`';
    case 'ops':
      return `an ops table of type \`${t.opstype}\``;
    case 'driver':
      return `driver \`${t.name}\``;
    case 'int':
    case 'errno':
      return `an \`${t.k}\``;
    default:
      return `a \`${typeToString(t)}\``;
  }
}

export function symbolWhat(sym: Symbol): string {
  switch (sym.kind) {
    case 'local':
      return `a local of type \`${typeToString(sym.type)}\``;
    case 'field':
      return `a state field of type \`${typeToString(sym.type)}\``;
    case 'ops':
      return 'an ops table';
    case 'device':
      return 'a device of the topology';
    case 'bridge':
      return 'a bridge of the topology';
    case 'provider':
      return 'a provider';
    case 'fn':
      return 'a function';
    case 'primitive':
      return 'a primitive';
    case 'constant':
      return 'a constant';
    case 'driver':
      return 'a driver';
    case 'action':
      return 'an action';
    case 'kind':
    case 'kind-filter':
      return 'an object kind';
  }
}
