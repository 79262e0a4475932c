/*
 * A persistent hash array mapped trie over string keys: the shared core of StateMap and RoutineStates. `insert`
 * and `remove` copy only the nodes on one path (about log32(n) small arrays), so a write costs about the same at
 * 10 or 10,000 keys, and every earlier version stays valid. Each leaf carries a sequence number its owner uses
 * for ordering (write order, first-insertion order).
 */

const BITS = 5;
const MASK = 31;

/** One key and its value; `seq` orders leaves for their owner. */
export interface Leaf<V> {
  readonly kind: 0;
  readonly hash: number;
  readonly key: string;
  readonly value: V;
  readonly seq: number;
}
interface Branch<V> {
  readonly kind: 1;
  readonly bitmap: number;
  readonly children: readonly TrieNode<V>[];
}
interface Collision<V> {
  readonly kind: 2;
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}
/** A node of the trie: a leaf, a branch indexed by 5 bits of the hash, or leaves whose hashes collide. */
export type TrieNode<V> = Leaf<V> | Branch<V> | Collision<V>;

/** FNV-1a over UTF-16 code units. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** The leaf holding `key`, or undefined. */
export function find<V>(node: TrieNode<V> | undefined, hash: number, key: string): Leaf<V> | undefined {
  let shift = 0;
  while (node) {
    if (node.kind === 0) return node.key === key ? node : undefined;
    if (node.kind === 2) return node.hash === hash ? node.leaves.find((l) => l.key === key) : undefined;
    const bit = 1 << ((hash >>> shift) & MASK);
    if (!(node.bitmap & bit)) return undefined;
    node = node.children[popcount(node.bitmap & (bit - 1))];
    shift += BITS;
  }
  return undefined;
}

function merge<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): TrieNode<V> {
  if (a.hash === b.hash) return { kind: 2, hash: b.hash, leaves: a.kind === 2 ? [...a.leaves, b] : [a, b] };
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return { kind: 1, bitmap: 1 << ia, children: [merge(a, b, shift + BITS)] };
  return { kind: 1, bitmap: (1 << ia) | (1 << ib), children: ia < ib ? [a, b] : [b, a] };
}

/** Returns the new node; `replaced` receives the leaf that was overwritten, if any. */
export function insert<V>(node: TrieNode<V> | undefined, leaf: Leaf<V>, shift: number, replaced: { leaf?: Leaf<V> }): TrieNode<V> {
  if (!node) return leaf;
  if (node.kind === 0) {
    if (node.key === leaf.key) {
      replaced.leaf = node;
      return leaf;
    }
    return merge(node, leaf, shift);
  }
  if (node.kind === 2) {
    if (node.hash !== leaf.hash) return merge(node, leaf, shift);
    const at = node.leaves.findIndex((l) => l.key === leaf.key);
    if (at < 0) return { kind: 2, hash: node.hash, leaves: [...node.leaves, leaf] };
    replaced.leaf = node.leaves[at];
    return { kind: 2, hash: node.hash, leaves: node.leaves.map((l, i) => (i === at ? leaf : l)) };
  }
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const index = popcount(node.bitmap & (bit - 1));
  const children = node.children.slice();
  if (node.bitmap & bit) children[index] = insert(children[index], leaf, shift + BITS, replaced);
  else children.splice(index, 0, leaf);
  return { kind: 1, bitmap: node.bitmap | bit, children };
}

/** Returns the node without `key` (the same node if it has no such key). */
export function remove<V>(node: TrieNode<V> | undefined, hash: number, key: string, shift: number): TrieNode<V> | undefined {
  if (!node) return undefined;
  if (node.kind === 0) return node.key === key ? undefined : node;
  if (node.kind === 2) {
    if (node.hash !== hash) return node;
    const leaves = node.leaves.filter((l) => l.key !== key);
    if (leaves.length === node.leaves.length) return node;
    return leaves.length === 1 ? leaves[0] : { kind: 2, hash, leaves };
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if (!(node.bitmap & bit)) return node;
  const index = popcount(node.bitmap & (bit - 1));
  const child = node.children[index];
  const next = remove(child, hash, key, shift + BITS);
  if (next === child) return node;
  if (next) {
    const children = node.children.slice();
    children[index] = next;
    return { kind: 1, bitmap: node.bitmap, children };
  }
  const bitmap = node.bitmap & ~bit;
  if (!bitmap) return undefined;
  const children = node.children.filter((_, i) => i !== index);
  // A lone leaf does not depend on its depth, so it can move up; a lone branch cannot.
  return children.length === 1 && children[0]!.kind !== 1 ? children[0] : { kind: 1, bitmap, children };
}

/** Every leaf under `node`, in trie order (not write order). */
export function* leavesOf<V>(node: TrieNode<V> | undefined): Generator<Leaf<V>> {
  if (!node) return;
  if (node.kind === 0) yield node;
  else if (node.kind === 2) yield* node.leaves;
  else for (const child of node.children) yield* leavesOf(child);
}
