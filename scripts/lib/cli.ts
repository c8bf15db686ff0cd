import { parseArgs } from 'node:util';
import { ConfigError } from '../../config';
import { PipelineError } from '../../domain/errors';

/** Exit codes of every CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A bad flag: reported as one line, exit code 2. */
export class UsageError extends Error {}

/** Thrown by `parseCli` after it printed the help text; `runCli` turns it into exit code 0. */
export class HelpShown extends Error {}

/** One flag of a CLI: its type, what it means, and (for the help text only) its default. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** Shown in the help text only: the code that reads the flag applies the default. */
  readonly default?: string;
  /** The value's name in the help text, `--days <n>`; `value` when absent. */
  readonly placeholder?: string;
}

/** One positional argument of a command, e.g. the `<run-id>` of `runs get <run-id>`. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  /** May be left out (only the last arguments may be). */
  readonly optional?: boolean;
}

/** A CLI's flags, summary and examples: the single source of its parser and its `--help` text. */
export interface CliSpec<F extends Record<string, FlagSpec>> {
  /** How the CLI is invoked, e.g. `npm run pipeline --`. */
  readonly command: string;
  readonly summary: string;
  readonly flags: F;
  /** Positional arguments, in order (required unless `optional`); a CLI without them refuses positionals. */
  readonly arguments?: readonly ArgumentSpec[];
  readonly examples: readonly string[];
}

/** The values `parseCli` returns: a string or a boolean per flag given, by the flag's type. */
export type CliValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * Parses argv against the spec; on --help/-h prints formatHelp(spec) and throws HelpShown (runCli
 * exits 0). Unknown flags and missing values are usage errors naming the flag.
 */
export function parseCli<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  argv: readonly string[],
): CliValues<F> {
  return parseCommand(spec, argv).values;
}

/**
 * `parseCli` for a command with positional arguments (`spec.arguments`): returns the flags and the
 * arguments; a missing or extra argument is a usage error naming it.
 */
export function parseCommand<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  argv: readonly string[],
): { readonly values: CliValues<F>; readonly args: readonly string[] } {
  const expected = spec.arguments ?? [];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, flag] of Object.entries(spec.flags)) options[name] = { type: flag.type };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: expected.length > 0,
    }));
  } catch (error) {
    // Asking for help wins over a bad command line: the help is what the caller needs then.
    if (argv.includes('--help') || argv.includes('-h')) showHelp(spec);
    // parseArgs' messages name the flag; keep their first line (errors are one line).
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
  if (values.help === true) showHelp(spec);
  delete values.help;
  const missing = expected[positionals.length];
  if (missing !== undefined && missing.optional !== true)
    throw new UsageError(`<${missing.name}> is required: ${missing.description}`);
  if (positionals.length > expected.length)
    throw new UsageError(`unexpected argument "${positionals[expected.length]}"`);
  return { values: values as CliValues<F>, args: positionals };
}

function showHelp(spec: CliSpec<Record<string, FlagSpec>>): never {
  process.stdout.write(formatHelp(spec));
  throw new HelpShown('help shown');
}

/** The `--help` text: usage, summary, every flag with its meaning and default, and the examples. */
export function formatHelp(spec: CliSpec<Record<string, FlagSpec>>): string {
  const rows: [string, string][] = Object.entries(spec.flags).map(([name, flag]) => [
    flag.type === 'string' ? `--${name} <${flag.placeholder ?? 'value'}>` : `--${name}`,
    flag.default === undefined ? flag.description : `${flag.description} (default: ${flag.default})`,
  ]);
  rows.push(['-h, --help', 'Print this help and exit']);
  const args = spec.arguments ?? [];
  const width = Math.max(...rows.map(([left]) => left.length), ...args.map((a) => a.name.length + 2));
  const usageArgs = args.map((a) => (a.optional === true ? ` [<${a.name}>]` : ` <${a.name}>`)).join('');
  return [
    `Usage: ${spec.command}${usageArgs} [flags]`,
    '',
    spec.summary,
    '',
    ...(args.length === 0
      ? []
      : ['Arguments:', ...args.map((a) => `  ${`<${a.name}>`.padEnd(width)}  ${a.description}`), '']),
    'Flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    'Examples:',
    ...spec.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}

/**
 * Runs a CLI's main function: known errors print one clear line (no stack trace) and set the exit
 * code; anything else is a bug and keeps its stack. A shown help text exits 0.
 */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? EXIT.ok;
    },
    (error: unknown) => {
      if (error instanceof HelpShown) {
        process.exitCode = EXIT.ok;
      } else if (error instanceof UsageError || error instanceof ConfigError) {
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
