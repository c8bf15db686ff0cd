import { ObjectNotFoundError } from './errors';
import type { Lake } from './ports';

/** JSON objects in a lake: the one place their bytes are encoded and decoded. */

const decoder = new TextDecoder();

/** The JSON value stored at `key`; rejects with `ObjectNotFoundError` when there is none. */
export async function readJson<T>(lake: Lake, key: string): Promise<T> {
  return JSON.parse(decoder.decode(await lake.read(key))) as T;
}

/** The JSON value stored at `key`, or null when the object does not exist. */
export async function readJsonOrNull<T>(lake: Lake, key: string): Promise<T | null> {
  try {
    return await readJson<T>(lake, key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
}

/**
 * Writes `value` as JSON (atomically, as every lake write). `pretty` objects are indented for
 * people reading them (reports, manifests); compact ones are for the machine (staging, state).
 */
export async function writeJson(lake: Lake, key: string, value: unknown, pretty = true): Promise<void> {
  await lake.write(key, (pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)) + '\n');
}
