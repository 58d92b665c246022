/** Small helpers for writing primitive signatures next to their step functions. */
import { T, type Type } from '../semantics/types.js';
import type { ParamSig } from '../semantics/vocabulary.js';

/** A parameter of a primitive. */
export const param = (name: string, type: Type, optional = false): ParamSig => ({ name, type, ...(optional ? { optional } : {}) });

/** The object types the built-in models' signatures use. */
export const K = {
  dev: T.object('pci_dev'),
  binding: T.object('binding'),
  provider: T.object('p2pdma_provider'),
  buf: T.object('dma_buf'),
  att: T.object('attachment'),
  sgt: T.object('sg_table'),
  iova: T.object('iova'),
  mutex: T.object('mutex'),
  completion: T.object('completion'),
};
