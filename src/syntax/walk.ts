/**
 * One generic walk over the syntax tree: a node's children are the values of
 * its properties that are nodes (objects with a `span`) or arrays of nodes,
 * in the order the lowering writes them, which is source order. Tools that
 * only look for something (a call in an initialiser, the names an editor can
 * explain) use this instead of a switch over node kinds of their own, so a
 * new form of the language is walked without touching them.
 */
import type { Node } from './ast.js';

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && 'span' in v && typeof (v as Node).span === 'object';
}

/** Calls `visit` on each child node of `node`, in source order. */
export function forEachChild(node: Node, visit: (child: Node) => void): void {
  for (const key in node) {
    if (key === 'span') continue;
    const v = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) visit(x);
    } else if (isNode(v)) visit(v);
  }
}

/**
 * Visits `node` and everything under it, parents before children. `enter`
 * returns false to skip a node's children.
 */
export function walk(node: Node, enter: (node: Node, parent: Node | undefined) => boolean | void, parent?: Node): void {
  if (enter(node, parent) === false) return;
  forEachChild(node, (c) => walk(c, enter, node));
}

/** The first node under `node` (itself included) that `test` accepts, in source order. */
export function find<T extends Node>(node: Node, test: (n: Node) => n is T): T | undefined {
  let found: T | undefined;
  walk(node, (n) => {
    if (found) return false;
    if (test(n)) {
      found = n;
      return false;
    }
    return true;
  });
  return found;
}

/** Every node under `node` (itself included) that `test` accepts, in source order. */
export function findAll<T extends Node>(node: Node, test: (n: Node) => n is T): T[] {
  const out: T[] = [];
  walk(node, (n) => {
    if (test(n)) out.push(n);
  });
  return out;
}

/** The chain of nodes from `root` down to the innermost one whose span holds `offset`. */
export function pathTo(root: Node, offset: number): Node[] {
  const path: Node[] = [];
  let cur: Node | undefined = root;
  while (cur) {
    path.push(cur);
    let next: Node | undefined;
    forEachChild(cur, (c) => {
      if (!next && c.span.start <= offset && offset <= c.span.end) next = c;
    });
    cur = next;
  }
  return path;
}
