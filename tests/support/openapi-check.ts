/**
 * Checks HTTP replies against an OpenAPI 3.1 document with a JSON Schema 2020-12 validator (ajv):
 * each reply's body against the schema the document gives its route, status and media type.
 */
import Ajv2020 from 'ajv/dist/2020';

/** One reply as a client saw it. */
export interface Reply {
  readonly method: string;
  /** The request path, with its query string. */
  readonly path: string;
  readonly status: number;
  /** The Content-Type header. */
  readonly type: string;
  readonly body: string;
}

/** What `checkAgainstDocument` found. */
export interface DocumentCheck {
  /** Replies whose body breaks the schema, with ajv's errors. */
  readonly mismatches: string[];
  /** Replies the document has no route, status or media type for. */
  readonly unmatched: string[];
  /** `METHOD /template` of the operations some reply was checked against, and of all of them. */
  readonly operationsMet: string[];
  readonly operations: string[];
}

type Json = Record<string, unknown>;

/** A JSON pointer token (RFC 6901). */
const pointer = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The document's path template matching a concrete path (`/runs/{run_id}` for `/runs/r1`). */
function templateOf(paths: readonly string[], path: string): string | undefined {
  return paths.find((t) =>
    new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
  );
}

/** Checks every reply; see `DocumentCheck`. */
export function checkAgainstDocument(document: Json, replies: readonly Reply[]): DocumentCheck {
  // strict off: the document holds OpenAPI keywords beside the schemas; formats are not asserted.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document, 'openapi.json');
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const operations = Object.entries(paths).flatMap(([t, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${t}`),
  );
  const met = new Set<string>();
  const mismatches: string[] = [];
  const unmatched: string[] = [];
  for (const r of replies) {
    const where = `${r.method} ${r.path} ${r.status} ${r.type}`;
    const template = templateOf(Object.keys(paths), r.path.split('?')[0] ?? '');
    const method = r.method.toLowerCase();
    const responses = (template === undefined ? undefined : paths[template]?.[method]?.responses) as
      Record<string, Json> | undefined;
    const statusKey = [String(r.status), `${String(r.status)[0]}XX`].find(
      (k) => responses?.[k] !== undefined,
    );
    const mediaType = r.type.split(';')[0]?.trim() ?? '';
    const content =
      statusKey === undefined ? undefined : (responses?.[statusKey]?.content as Json | undefined);
    if (template === undefined || statusKey === undefined || content?.[mediaType] === undefined) {
      unmatched.push(where);
      continue;
    }
    met.add(`${r.method} ${template}`);
    const ref = `openapi.json#/paths/${pointer(template)}/${method}/responses/${statusKey}/content/${pointer(mediaType)}/schema`;
    const body: unknown = mediaType.endsWith('json') ? JSON.parse(r.body) : r.body;
    if (!ajv.validate({ $ref: ref }, body))
      mismatches.push(`${where}: ${ajv.errorsText(ajv.errors, { separator: '; ' })}`);
  }
  return { mismatches, unmatched, operationsMet: [...met], operations };
}
