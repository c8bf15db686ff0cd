/**
 * A hash table of array indices for grouping a day's records by a key made of several fields,
 * without building a key string or a `Map` entry per record (both cost more than the rest of
 * duplicate detection together). The caller hashes the fields with `hashText` and walks the probe
 * sequence itself, comparing fields of the records it finds.
 */

/** FNV-1a offset basis: the hash of no text. */
export const EMPTY_HASH = 0x811c9dc5;
/** The 32-bit FNV prime: multiplying by it folds in a zero code unit (a separator). */
export const FNV_PRIME = 0x01000193;

/** Folds the UTF-16 code units of `text` into an FNV-1a `hash`. */
export function hashText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * Open addressing with linear probing over a power-of-two table at most half full. Each slot also
 * keeps the hash of its index's key, so that a probe only reads a record when the hashes match
 * (records are spread over the heap: reading one is a cache miss).
 */
export class IndexTable {
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;

  /** A table for up to `capacity` indices. */
  constructor(capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    // Slots hold index + 1, so that 0 marks an empty slot.
    this.slots = new Int32Array(size);
    this.hashes = new Int32Array(size);
    this.mask = size - 1;
  }

  /** The first slot of the probe sequence of `hash`. */
  firstSlot(hash: number): number {
    return (hash ^ (hash >>> 16)) & this.mask;
  }

  /** The slot after `slot` in every probe sequence. */
  nextSlot(slot: number): number {
    return (slot + 1) & this.mask;
  }

  /** The index stored at `slot`, or -1 when it is empty (the end of a probe sequence). */
  indexAt(slot: number): number {
    return (this.slots[slot] as number) - 1;
  }

  /** Whether the index at `slot` was stored with `hash` (else its key differs). */
  hashMatches(slot: number, hash: number): boolean {
    return this.hashes[slot] === (hash | 0);
  }

  /** Stores `index` with the `hash` of its key at `slot`, an empty slot or one whose index it replaces. */
  put(slot: number, index: number, hash: number): void {
    this.slots[slot] = index + 1;
    this.hashes[slot] = hash;
  }
}
