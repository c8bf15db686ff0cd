/**
 * Confines caller-supplied lake locations to the configured roots: `POST /runs`, `POST /validations`,
 * the Plan task (which the local Lambda port and hand-started executions reach directly) and the
 * CLIs all go through here, so no entry point can read outside the lake or write outside the
 * output root, and nothing can ever write into the lake's `raw/`.
 */
import * as path from 'node:path';
import { localLakeDir } from '../../adapters/local-lake';
import { RAW_PREFIX } from '../../domain/lake-layout';
import { joinLakeUri } from '../../domain/lake-uri';
import type { RunRoots } from '../../domain/pipeline/run-request';

/** A relative sub-path of a lake: plain segments, no `.`/`..`, no backslashes, `%` or control characters. */
const LAKE_SUB_PATH = /^[A-Za-z0-9_=-][A-Za-z0-9_.=-]*(\/[A-Za-z0-9_=-][A-Za-z0-9_.=-]*)*\/?$/;

/** A URI scheme such as `s3://` or `file://`. */
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//;

/** The absolute local directory a plain path or `file://` URI names, or null for other schemes / bad URLs. */
function localDir(uri: string): string | null {
  if (SCHEME.test(uri) && !uri.startsWith('file://')) return null;
  try {
    return localLakeDir(uri);
  } catch {
    // A malformed file:// URL names no directory.
    return null;
  }
}

/**
 * Whether `uri` is `root` or below it: by resolved directory for local lakes, by key prefix on a
 * `/` boundary for every other scheme (`s3://`, the tests' `memory://`). Different kinds never nest.
 */
export function isUnder(uri: string, root: string): boolean {
  const rootDir = localDir(root);
  if (rootDir === null) {
    const r = root.replace(/\/+$/, '');
    const u = uri.replace(/\/+$/, '');
    return u === r || u.startsWith(`${r}/`);
  }
  const dir = localDir(uri);
  if (dir === null) return false;
  const rel = path.relative(rootDir, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Confines a caller-supplied lake location: a relative sub-path (joined onto `roots[0]`) or a URI
 * at or under one of `roots`. Anything with a `..` segment, `%`, a backslash or a control
 * character is refused outright, so no encoding trick can escape the configured lakes.
 * Returns the URI to use, or null when the value is not allowed.
 */
export function confineLakeUri(value: string, roots: readonly string[]): string | null {
  // A configured root itself, spelled as configured (the CLIs pass `./lake` as both the root and
  // the run's path), is allowed as it is.
  if (roots.includes(value)) return value;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f%\\]/.test(value)) return null;
  const withoutScheme = value.replace(SCHEME, '');
  if (withoutScheme.split('/').some((s) => s === '..' || s === '.')) return null;
  const absolute = value.startsWith('/') || SCHEME.test(value);
  if (!absolute) {
    const base = roots[0];
    return base !== undefined && LAKE_SUB_PATH.test(value) ? joinLakeUri(base, value) : null;
  }
  return roots.some((root) => isUnder(value, root)) ? value.replace(/\/+$/, '') : null;
}

/** The folder every raw dataset lives in (`raw/` of `RAW_PREFIX`). */
const RAW_FOLDER = RAW_PREFIX.interactions.slice(0, RAW_PREFIX.interactions.indexOf('/'));

/** Where a lake keeps its raw data (`<lake>/raw`), for any scheme a lake or a test lake may have. */
function rawRootOf(lakeUri: string): string {
  const dir = localDir(lakeUri);
  return dir === null ? `${lakeUri.replace(/\/+$/, '')}/${RAW_FOLDER}` : path.join(dir, RAW_FOLDER);
}

/**
 * The lake whose `raw/` an output root would be at, under or above (above: the output tree would
 * hold the raw data), or null when it keeps clear of every lake's `raw/`.
 */
export function rawLakeOverlapping(outputUri: string, lakeUris: readonly string[]): string | null {
  for (const lake of lakeUris) {
    const raw = rawRootOf(lake);
    if (isUnder(outputUri, raw) || isUnder(raw, outputUri)) return raw;
  }
  return null;
}

/** The message of an output root that would mix with raw data. */
export function rawOverlapMessage(raw: string): string {
  return `must not be at, under or above the lake's raw data ${raw}: outputs go under the output root only`;
}

/** The fields of a run request that name lake locations. */
export type RunPathField = 'input_path' | 'output_path';

/** One refused location. */
export interface RunPathProblem {
  readonly field: RunPathField;
  readonly message: string;
}

/** A run's locations after confinement: the URIs to use and what was refused. */
export interface ConfinedRunPaths {
  readonly paths: { input_path?: string; output_path?: string };
  readonly problems: readonly RunPathProblem[];
}

/**
 * Confines a run request's `input_path` and `output_path` to the configured roots: the input at
 * or under the lake or the output root; the output at or under the output root, and clear of the
 * lake's `raw/` and of the run's input's `raw/`. Relative values of either are paths in the lake
 * (`processed/experiments/a`). Fields left out stay out (the Plan task's defaults apply).
 */
export function confineRunPaths(
  request: { readonly input_path?: string | undefined; readonly output_path?: string | undefined },
  roots: RunRoots,
): ConfinedRunPaths {
  const paths: { input_path?: string; output_path?: string } = {};
  const problems: RunPathProblem[] = [];
  let inputUri = roots.inputUri;
  if (request.input_path !== undefined) {
    const uri = confineLakeUri(request.input_path, [roots.inputUri, roots.outputUri]);
    if (uri === null)
      problems.push({
        field: 'input_path',
        message: `must be a sub-path of the lake ${roots.inputUri} without "..", or a URI under it or under the output root ${roots.outputUri}`,
      });
    else paths.input_path = inputUri = uri;
  }
  // A relative output is a path in the lake, like a relative input; either way it must land
  // under the output root.
  const output = request.output_path ?? roots.outputUri;
  const candidate = confineLakeUri(output, [roots.inputUri, roots.outputUri]);
  const outputUri = candidate !== null && isUnder(candidate, roots.outputUri) ? candidate : null;
  // Under the output root is not enough when that root is itself at or above a lake's raw/.
  const raw = outputUri === null ? null : rawLakeOverlapping(outputUri, [roots.inputUri, inputUri]);
  if (outputUri === null)
    problems.push({
      field: 'output_path',
      message: `must be under the output root ${roots.outputUri}: a path in the lake without ".." or a URI, below that root`,
    });
  else if (raw !== null) problems.push({ field: 'output_path', message: rawOverlapMessage(raw) });
  else if (request.output_path !== undefined) paths.output_path = outputUri;
  return { paths, problems };
}
