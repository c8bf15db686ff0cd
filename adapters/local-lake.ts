import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, ObjectNotFoundError, StorageError } from '../domain/errors';
import type { Lake, LakeObject } from '../domain/ports';

/** Temp files written by `write` before their atomic rename: `.<name>.tmp-<pid>-<random>`. */
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]+$/;

/** A `Lake` over a local directory (a path or a `file://` URI); keys map to relative paths. */
/** The absolute directory a local lake URI names: a plain path or a `file://` URL (which must be valid). */
export function localLakeDir(uri: string): string {
  return path.resolve(uri.startsWith('file://') ? fileURLToPath(uri) : uri);
}

export class LocalLake implements Lake {
  readonly uri: string;
  /** Absolute directory of the lake root. */
  readonly root: string;

  constructor(uri: string) {
    if (uri.trim() === '') throw new InvalidArgumentError('lake URI', uri, 'must not be empty');
    this.root = localLakeDir(uri);
    this.uri = stripTrailingSlash(uri);
  }

  /** Every file under the root whose key starts with `prefix`, sorted in code-point order. */
  async list(prefix: string): Promise<LakeObject[]> {
    // Walk only the deepest directory the prefix fully names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash);
    const found: LakeObject[] = [];
    await this.walk(dirKey, prefix, found);
    found.sort((a, b) => compareKeys(a.key, b.key));
    return found;
  }

  /** The file's bytes; `ObjectNotFoundError` when absent. */
  async read(key: string): Promise<Uint8Array> {
    const file = this.pathOf(key);
    try {
      const buf = await readFile(file);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR') || isErrno(err, 'ENOTDIR')) {
        throw new ObjectNotFoundError(this.uriOf(key));
      }
      throw new StorageError(`cannot read ${this.uriOf(key)}: ${errMessage(err)}`, { key, cause: err });
    }
  }

  /** Writes to a temp file in the same directory, then renames it over the target (atomic). */
  async write(key: string, body: Uint8Array | string): Promise<void> {
    const file = this.pathOf(key);
    const tmp = tempPathOf(file);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(tmp, body);
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new StorageError(`cannot write ${this.uriOf(key)}: ${errMessage(err)}`, { key, cause: err });
    }
  }

  /** Streams to a temp file in the same directory, then renames it over the target (atomic). */
  async writeStream(key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const file = this.pathOf(key);
    const tmp = tempPathOf(file);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(body, createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new StorageError(`cannot write ${this.uriOf(key)}: ${errMessage(err)}`, { key, cause: err });
    }
  }

  /**
   * Writes the whole body to a temp file, then hard-links it to the target: `link` fails with
   * EEXIST when the target exists, so exactly one of concurrent callers creates it, and since the
   * linked file is already complete no reader ever sees part of it.
   */
  async writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const file = this.pathOf(key);
    const tmp = tempPathOf(file);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(tmp, body);
      await link(tmp, file);
      return true;
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return false;
      throw new StorageError(`cannot create ${this.uriOf(key)}: ${errMessage(err)}`, { key, cause: err });
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Removes every file whose key starts with `prefix` (and directories left empty by it). */
  async deletePrefix(prefix: string): Promise<void> {
    try {
      if (prefix === '' || prefix.endsWith('/')) {
        // A whole directory: remove it in one go.
        await rm(this.pathOf(prefix === '' ? '.' : prefix.slice(0, -1)), { recursive: true, force: true });
        return;
      }
      const objects = await this.list(prefix);
      for (const obj of objects) await rm(this.pathOf(obj.key), { force: true });
      // A prefix naming a directory exactly (`a/b`) also covers its files as `a/b/...`.
      const target = this.pathOf(prefix);
      const st = await stat(target).catch(() => undefined);
      if (st?.isDirectory()) await rm(target, { recursive: true, force: true });
    } catch (err) {
      throw new StorageError(`cannot delete ${this.uriOf(prefix)}: ${errMessage(err)}`, {
        key: prefix,
        cause: err,
      });
    }
  }

  /** The file path of a key. */
  uriOf(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  private pathOf(key: string): string {
    const file = path.resolve(this.root, ...key.split('/'));
    if (file !== this.root && !file.startsWith(this.root + path.sep)) {
      throw new InvalidArgumentError('key', key, 'escapes the lake root');
    }
    return file;
  }

  private async walk(dirKey: string, prefix: string, out: LakeObject[]): Promise<void> {
    const dir = dirKey === '' ? this.root : this.pathOf(dirKey);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw new StorageError(`cannot list ${this.uriOf(dirKey)}: ${errMessage(err)}`, {
        key: dirKey,
        cause: err,
      });
    }
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where keys below can still match the prefix.
        const sub = `${key}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix) && !TEMP_FILE.test(entry.name)) {
        const st = await stat(path.join(dir, entry.name)).catch(() => undefined);
        if (st)
          out.push({
            key,
            size: st.size,
            etag: `${st.size}-${st.mtimeMs}`,
            lastModified: Math.floor(st.mtimeMs),
          });
      }
    }
  }
}

/** A fresh temp file beside `file`, named so that `list` never shows it (`TEMP_FILE`). */
function tempPathOf(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
}

/**
 * Compares two keys in Unicode code-point order (the order of their UTF-8 bytes, as S3 lists),
 * which differs from JS's UTF-16 `<` only when a surrogate pair meets a char in U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code-point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Strips trailing slashes from a root URI (keeping `s3://` and `/` intact). */
export function stripTrailingSlash(uri: string): string {
  let end = uri.length;
  while (end > 1 && uri[end - 1] === '/' && !uri.slice(0, end).endsWith('://')) end--;
  return uri.slice(0, end);
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
