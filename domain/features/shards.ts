/**
 * User shards (architecture.md, "the fold sharded by user"): everything a user's rows and features
 * need belongs to that user alone, so users are split into N shards folded independently. A user's
 * shard is FNV-1a (32-bit) of the UTF-8 bytes of `user_id`, modulo N: stable across runs, machines
 * and languages, so any N gives the same rows.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-8 encoding of `text`, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let hash = FNV_OFFSET;
  const mix = (byte: number): void => {
    hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  };
  for (const char of text) {
    let c = char.codePointAt(0) as number;
    // A lone surrogate encodes as U+FFFD, as TextEncoder (and every UTF-8 writer) does.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) mix(c);
    else if (c < 0x800) {
      mix(0xc0 | (c >> 6));
      mix(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      mix(0xe0 | (c >> 12));
      mix(0x80 | ((c >> 6) & 0x3f));
      mix(0x80 | (c & 0x3f));
    } else {
      mix(0xf0 | (c >> 18));
      mix(0x80 | ((c >> 12) & 0x3f));
      mix(0x80 | ((c >> 6) & 0x3f));
      mix(0x80 | (c & 0x3f));
    }
  }
  return hash >>> 0;
}

/** The shard (0 ... shardCount - 1) of a user. */
export function userShard(userId: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a(userId) % shardCount;
}

/** The shard numbers 0 ... shardCount - 1. */
export function shardNumbers(shardCount: number): number[] {
  return Array.from({ length: shardCount }, (_, i) => i);
}
