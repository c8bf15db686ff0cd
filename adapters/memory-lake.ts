import { createHash } from 'node:crypto';

import { ObjectNotFoundError } from '../domain/errors';
import type { Lake, LakeObject } from '../domain/ports';
import { compareCodePoints } from '../domain/text';

const UTF8 = new TextEncoder();

/** An in-memory `Lake` backed by a `Map`, for fast hermetic pipeline runs in tests. */
export class MemoryLake implements Lake {
  readonly uri: string;
  private readonly objects = new Map<string, Uint8Array>();

  /** A lake named `memory://<name>`, optionally pre-filled with `initial` objects (strings are UTF-8). */
  constructor(name = 'lake', initial: Iterable<readonly [string, Uint8Array | string]> = []) {
    this.uri = `memory://${name}`;
    for (const [key, body] of initial) this.objects.set(key, toBytes(body));
  }

  /** Every object whose key starts with `prefix`, sorted in code-point order; the ETag is the content's MD5 (as S3 gives). */
  async list(prefix: string): Promise<LakeObject[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareCodePoints);
    return keys.map((key) => {
      const bytes = this.objects.get(key) as Uint8Array;
      return { key, size: bytes.byteLength, etag: createHash('md5').update(bytes).digest('hex') };
    });
  }

  /** A copy of the object's bytes; `ObjectNotFoundError` when absent. */
  async read(key: string): Promise<Uint8Array> {
    const bytes = this.objects.get(key);
    if (bytes === undefined) throw new ObjectNotFoundError(this.uriOf(key));
    return bytes.slice();
  }

  /** Stores a copy of the whole object (atomic by construction). */
  async write(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, toBytes(body));
  }

  /** Collects the stream, then stores it whole (a failing stream stores nothing). */
  async writeStream(key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk.slice());
    this.objects.set(key, Buffer.concat(chunks));
  }

  /** Stores the object unless the key exists (atomic: JS runs the check and the set without a pause). */
  async writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, toBytes(body));
    return true;
  }

  /** Removes every object whose key starts with `prefix`. */
  async deletePrefix(prefix: string): Promise<void> {
    for (const key of [...this.objects.keys()]) if (key.startsWith(prefix)) this.objects.delete(key);
  }

  /** `memory://<name>/<key>`. */
  uriOf(key: string): string {
    return `${this.uri}/${key}`;
  }

  /** Every key, sorted in code-point order (test helper, no `Lake` counterpart). */
  keys(): string[] {
    return [...this.objects.keys()].sort(compareCodePoints);
  }

  /** A deep copy of every object, keyed by key (test helper for before/after comparisons). */
  snapshot(): Map<string, Uint8Array> {
    return new Map(this.keys().map((k) => [k, (this.objects.get(k) as Uint8Array).slice()]));
  }
}

/** Copies bytes so later changes by the caller never reach the lake; encodes strings as UTF-8. */
function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? UTF8.encode(body) : body.slice();
}
