import { InvalidArgumentError } from './errors';

/** Lake URIs (data-contract.md §1): `s3://bucket/prefix`, `file://...` or a local path. */

/** A URI scheme such as `http://`, `gs://` (but not a Windows drive letter like `C:\\`). */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//;

/** Joins a sub-path onto a lake URI, e.g. the default output root `<input>/processed`. */
export function joinLakeUri(base: string, sub: string): string {
  lakeKind(base);
  const head = base.replace(/\/+$/, '');
  const tail = sub.replace(/^\/+|\/+$/g, '');
  // Roots (`/`, `file:///`) keep their slashes; everything else gets exactly one separator.
  const root = head === '' ? '/' : head.endsWith(':') ? `${head}///` : `${head}/`;
  if (tail === '') return head === '' || head.endsWith(':') ? root : head;
  return `${root}${tail}`;
}

/** Validates a lake URI and says which adapter serves it. */
export function lakeKind(uri: string): 's3' | 'local' {
  if (uri.trim() === '') throw new InvalidArgumentError('lake URI', uri, 'must not be empty');
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'local';
  if (scheme === 's3') {
    if (!/^s3:\/\/[^/]+/.test(uri))
      throw new InvalidArgumentError('lake URI', uri, 'expected s3://bucket/prefix');
    return 's3';
  }
  throw new InvalidArgumentError(
    'lake URI',
    uri,
    `unsupported scheme ${scheme}:// (use s3://, file:// or a path)`,
  );
}
