import { loadSettings } from '../../../config';
import { PIPELINE_CLI, runRequestFromFlags } from '../../../scripts/lib/run-options';
import {
  type CliSpec,
  type FlagSpec,
  formatHelp,
  HelpShown,
  parseCli,
  parseCommand,
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

describe('parseCommand (positional arguments)', () => {
  const GET = {
    command: 'npm run demo -- get',
    summary: 'Gets one thing.',
    arguments: [{ name: 'id', description: 'the thing' }],
    flags: { verbose: { type: 'boolean', description: 'Say more' } },
    examples: ['npm run demo -- get t1'],
  } as const satisfies CliSpec<Record<string, FlagSpec>>;

  it('returns the arguments beside the flags, wherever the flags are', () => {
    expect(parseCommand(GET, ['--verbose', 't1'])).toEqual({ values: { verbose: true }, args: ['t1'] });
    expect(parseCommand(GET, ['t1'])).toEqual({ values: {}, args: ['t1'] });
  });

  it('names a missing argument and an extra one', () => {
    expect(() => parseCommand(GET, ['--verbose'])).toThrow('<id> is required: the thing');
    expect(() => parseCommand(GET, ['t1', 't2'])).toThrow('unexpected argument "t2"');
  });

  it('lets an optional argument be left out, and marks it so in the usage line', () => {
    const QUERY = {
      ...SPEC,
      arguments: [{ name: 'query', description: 'the SQL', optional: true }],
    } as const satisfies CliSpec<Record<string, FlagSpec>>;
    expect(parseCommand(QUERY, ['--days', '3', 'select 1'])).toEqual({
      values: { days: '3' },
      args: ['select 1'],
    });
    expect(parseCommand(QUERY, [])).toEqual({ values: {}, args: [] });
    expect(() => parseCommand(QUERY, ['select', '1'])).toThrow('unexpected argument "1"');
    expect(formatHelp(QUERY).split('\n')[0]).toBe('Usage: npm run demo -- [<query>] [flags]');
  });

  it('refuses positionals for a command that declares none', () => {
    expect(() => parseCli(SPEC, ['stray'])).toThrow(UsageError);
  });

  it('shows the arguments in the usage line and their own section of the help', () => {
    const help = formatHelp(GET);
    expect(help.split('\n')[0]).toBe('Usage: npm run demo -- get <id> [flags]');
    expect(help).toMatch(/^Arguments:\n {2}<id> +the thing$/m);
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

  it('holds the dates to the reference day and MAX_RUN_DAYS, naming the flag', () => {
    const clock = Date.parse('2024-02-01T02:00:00Z');
    const at = (argv: string[], env: Record<string, string> = {}) =>
      runRequestFromFlags(
        parseCli(PIPELINE_CLI, argv),
        loadSettings({ LAKE_URI: '/tmp/lake', ...env }),
        clock,
      );
    expect(() => at(['--end-date', '2024-02-02'])).toThrow(
      /^--end-date: 2024-02-02 is after the reference day 2024-02-01/,
    );
    expect(() => at(['--mode', 'incremental', '--date', '2024-02-02'])).toThrow(/^--date: /);
    expect(() => at(['--now', '2024-02-01T02:00:01Z'])).toThrow(/^--now: must not be after the current time/);
    expect(() =>
      at(['--start-date', '2024-01-01', '--end-date', '2024-01-11'], {
        MAX_RUN_DAYS: '10',
        TRAINING_WINDOW_DAYS: '10',
      }),
    ).toThrow(
      /^--start-date: 2024-01-01\.\.2024-01-11 is 11 days; one run covers at most 10 \(MAX_RUN_DAYS\)/,
    );
    expect(
      at(['--start-date', '2024-01-01', '--end-date', '2024-01-10'], {
        MAX_RUN_DAYS: '10',
        TRAINING_WINDOW_DAYS: '10',
      }).end_date,
    ).toBe('2024-01-10');
    // The reference day itself may end a run: its features are as of the next midnight.
    expect(at(['--end-date', '2024-02-01', '--now', '2024-02-01T01:00:00Z']).end_date).toBe('2024-02-01');
  });

  it('refuses an --output-path at, under or above the input lake’s raw/', () => {
    for (const out of [
      '/tmp/lake/raw',
      '/tmp/lake/raw/users',
      'file:///tmp/lake/raw/interactions/year=2024',
      '/tmp/lake',
      '/tmp',
    ])
      expect(() => parse(['--output-path', out])).toThrow(
        /^--output-path: must not be at, under or above the lake's raw data/,
      );
    expect(() => parse(['--input-path', '/data/other', '--output-path', '/data/other/raw/x'])).toThrow(
      /^--output-path: /,
    );
    expect(parse(['--output-path', '/tmp/out']).output_path).toBe('/tmp/out');
    expect(parse(['--output-path', '/tmp/lake/processed-2']).output_path).toBe('/tmp/lake/processed-2');
  });
});

describe('MAX_RUN_DAYS', () => {
  it('defaults to 730 (the raw interactions’ retention) and must hold the training window', () => {
    expect(loadSettings({}).maxRunDays).toBe(730);
    expect(loadSettings({ MAX_RUN_DAYS: '120' }).maxRunDays).toBe(120);
    expect(() => loadSettings({ MAX_RUN_DAYS: '60' })).toThrow(
      'invalid environment: TRAINING_WINDOW_DAYS (90) must not exceed MAX_RUN_DAYS (60)',
    );
    expect(() => loadSettings({ MAX_RUN_DAYS: '0' })).toThrow(/MAX_RUN_DAYS/);
  });
});
