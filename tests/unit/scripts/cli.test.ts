import { loadSettings } from '../../../config';
import { PIPELINE_CLI, runRequestFromFlags } from '../../../scripts/lib/run-options';
import {
  type CliSpec,
  type FlagSpec,
  formatHelp,
  HelpShown,
  parseCli,
  parseCliArgs,
  UsageError,
} from '../../../scripts/lib/cli';

const SPEC = {
  command: 'npm run demo --',
  summary: 'Does the demo thing.',
  flags: {
    days: { type: 'string', description: 'Days to cover', default: '30', placeholder: 'n' },
    out: { type: 'string', description: 'Where to write' },
    clean: { type: 'boolean', description: 'No faults' },
  },
  examples: ['npm run demo -- --days 3', 'npm run demo -- --clean'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

describe('formatHelp', () => {
  const help = formatHelp(SPEC);

  it('starts with the usage line and the summary', () => {
    expect(help.split('\n').slice(0, 3)).toEqual([
      'Usage: npm run demo -- [flags]',
      '',
      'Does the demo thing.',
    ]);
  });

  it('lists every flag with its placeholder, meaning and default, and --help', () => {
    expect(help).toMatch(/^ {2}--days <n> +Days to cover \(default: 30\)$/m);
    expect(help).toMatch(/^ {2}--out <value> +Where to write$/m);
    expect(help).toMatch(/^ {2}--clean +No faults$/m);
    expect(help).toMatch(/^ {2}-h, --help +Print this help and exit$/m);
  });

  it('lists every example', () => {
    for (const example of SPEC.examples) expect(help).toContain(`\n  ${example}\n`);
  });
});

describe('parseCli', () => {
  it('returns the given flags by type and leaves the others undefined', () => {
    expect(parseCli(SPEC, ['--days', '3', '--clean'])).toEqual({ days: '3', clean: true });
  });

  it.each([[['--help']], [['-h']], [['--bogus', '--help']]])(
    '%j prints the help to stdout and throws HelpShown',
    (argv) => {
      const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(() => parseCli(SPEC, argv)).toThrow(HelpShown);
        expect(write).toHaveBeenCalledWith(formatHelp(SPEC));
      } finally {
        write.mockRestore();
      }
    },
  );

  it('rejects an unknown flag with a one-line UsageError naming it', () => {
    expect(() => parseCli(SPEC, ['--bogus-flag', 'x'])).toThrow(UsageError);
    expect(() => parseCli(SPEC, ['--bogus-flag', 'x'])).toThrow(/--bogus-flag/);
    expect(() => parseCli(SPEC, ['--bogus-flag'])).toThrow(/^[^\n]+$/);
  });

  it('rejects a string flag without a value, naming it', () => {
    expect(() => parseCli(SPEC, ['--days'])).toThrow(/--days/);
  });
});

describe('parseCliArgs', () => {
  const WITH_QUERY = { ...SPEC, positional: '"query"' } as const;

  it('returns the one positional of a spec that names it, and shows it in the usage line', () => {
    expect(parseCliArgs(WITH_QUERY, ['--days', '3', 'select 1'])).toEqual({
      flags: { days: '3' },
      positionals: ['select 1'],
    });
    expect(formatHelp(WITH_QUERY).split('\n')[0]).toBe('Usage: npm run demo -- [flags] ["query"]');
  });

  it('refuses a second positional, and any positional where the spec names none', () => {
    expect(() => parseCliArgs(WITH_QUERY, ['select', '1'])).toThrow(
      /at most one "query", got 2 \(quote it\)/,
    );
    expect(() => parseCli(SPEC, ['select 1'])).toThrow(UsageError);
  });
});

describe('npm run pipeline flags', () => {
  const settings = loadSettings({ LAKE_URI: '/tmp/lake' });
  const parse = (argv: string[]) => runRequestFromFlags(parseCli(PIPELINE_CLI, argv), settings);

  it('passes --shards to the run request as a number', () => {
    expect(parse(['--shards', '16']).shards).toBe(16);
    expect(parse([]).shards).toBeUndefined();
  });

  it('refuses a --shards that is not a whole number in 1..1000, naming the flag', () => {
    expect(() => parse(['--shards', 'x'])).toThrow(/^--shards: must be a whole number/);
    expect(() => parse(['--shards', '0'])).toThrow(/^--shards: /);
    expect(() => parse(['--shards', '1001'])).toThrow(/^--shards: .*1000/);
  });
});
