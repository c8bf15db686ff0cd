/**
 * The pipeline's one error hierarchy. Every failure the pipeline reports is a `PipelineError`
 * subclass carrying a stable `code` and the context needed to act on it; messages are one line
 * naming the bad value or key. HTTP mapping happens in one middleware, not here.
 */

/** Stable machine-readable error codes, one per subclass. */
export const ERROR_CODES = {
  pipeline: 'PIPELINE_ERROR',
  objectNotFound: 'OBJECT_NOT_FOUND',
  corruptObject: 'CORRUPT_OBJECT',
  missingInput: 'MISSING_INPUT',
  validationFailed: 'VALIDATION_FAILED',
  invalidArgument: 'INVALID_ARGUMENT',
  storage: 'STORAGE_ERROR',
} as const;

/** One of the codes in `ERROR_CODES`. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Optional context attached to any pipeline error. */
export interface ErrorContext {
  /** Pipeline stage that failed, e.g. `validate`, `clean`, `features`. */
  readonly stage?: string;
  /** The day (YYYY-MM-DD) being processed. */
  readonly date?: string;
  /** The lake key or URI involved. */
  readonly key?: string;
  /** The input field or argument at fault. */
  readonly field?: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/** Base class of every error the pipeline raises on purpose. */
export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly stage?: string;
  readonly date?: string;
  readonly key?: string;
  readonly field?: string;

  constructor(message: string, context: ErrorContext = {}, code: ErrorCode = ERROR_CODES.pipeline) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    if (context.stage !== undefined) this.stage = context.stage;
    if (context.date !== undefined) this.date = context.date;
    if (context.key !== undefined) this.key = context.key;
    if (context.field !== undefined) this.field = context.field;
  }
}

/** A lake object that was expected to exist does not. */
export class ObjectNotFoundError extends PipelineError {
  declare readonly key: string;

  constructor(key: string, context: Omit<ErrorContext, 'key'> = {}) {
    super(`object not found: ${key}`, { ...context, key }, ERROR_CODES.objectNotFound);
  }
}

/** A lake object exists but cannot be decoded (e.g. a truncated gzip). */
export class CorruptObjectError extends PipelineError {
  declare readonly key: string;

  constructor(key: string, reason: string, context: Omit<ErrorContext, 'key'> = {}) {
    super(`corrupt object ${key}: ${reason}`, { ...context, key }, ERROR_CODES.corruptObject);
  }
}

/** A required input is absent, e.g. no product snapshot on or before the day. */
export class MissingInputError extends PipelineError {
  readonly dataset: string;
  declare readonly date: string;

  constructor(dataset: string, date: string, detail?: string, context: Omit<ErrorContext, 'date'> = {}) {
    const suffix = detail === undefined ? '' : `: ${detail}`;
    super(
      `missing input: no ${dataset} on or before ${date}${suffix}`,
      { ...context, date },
      ERROR_CODES.missingInput,
    );
    this.dataset = dataset;
  }
}

/** A day's validation report breached one or more thresholds. */
export class ValidationFailedError extends PipelineError {
  declare readonly date: string;
  /** The thresholds that failed, e.g. `reject_rate 0.12 > 0.05`. */
  readonly failed: readonly string[];

  constructor(date: string, failed: readonly string[], context: Omit<ErrorContext, 'date'> = {}) {
    super(
      `validation failed for ${date}: ${failed.join('; ')}`,
      { stage: 'validate', ...context, date },
      ERROR_CODES.validationFailed,
    );
    this.failed = [...failed];
  }
}

/** A caller passed a bad argument (CLI flag, API parameter, URI). */
export class InvalidArgumentError extends PipelineError {
  declare readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, reason: string, context: Omit<ErrorContext, 'field'> = {}) {
    super(
      `invalid ${field} ${describeValue(value)}: ${reason}`,
      { ...context, field },
      ERROR_CODES.invalidArgument,
    );
    this.value = value;
  }
}

/** The storage backend (disk or S3) failed for a reason other than a missing object. */
export class StorageError extends PipelineError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, ERROR_CODES.storage);
  }
}

/** Renders a bad value for a one-line message: strings quoted, long values cut. */
function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
