import { parseArgs } from 'node:util';
import { ConfigError } from '../../config';
import { PipelineError } from '../../domain/errors';

/** Exit codes of every CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A bad flag: reported as one line, exit code 2. */
export class UsageError extends Error {}

/** Parses `--flag value` options; unknown flags are usage errors naming the flag. */
export function parseFlags<T extends Record<string, { type: 'string' | 'boolean' }>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Runs a CLI's main function: known errors print one clear line (no stack trace) and set the exit
 * code; anything else is a bug and keeps its stack.
 */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? EXIT.ok;
    },
    (error: unknown) => {
      if (error instanceof UsageError || error instanceof ConfigError) {
        console.error(`error: ${error.message}`);
        process.exitCode = EXIT.usage;
      } else if (error instanceof PipelineError) {
        console.error(`error: ${error.message}`);
        process.exitCode = error.code === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
      } else {
        console.error(error);
        process.exitCode = EXIT.failed;
      }
    },
  );
}

/** Renders rows as an aligned plain-text table. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, String(c).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) =>
          typeof c === 'number' ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A positive integer flag, or `fallback` when absent; a usage error naming the flag otherwise. */
export function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}
