/**
 * The commands of `npm run client`: each one's flags and help (the single source of its parser and
 * its `--help`), and what it does with the API. `runClient` is the whole CLI minus the process.
 */
import type { Settings } from '../../../config';
import {
  type ArgumentSpec,
  type CliSpec,
  type CliValues,
  EXIT,
  type FlagSpec,
  UsageError,
  parseCommand,
} from '../cli';
import { type RunFlags, runRequestOfFlags } from '../run-options';
import { type ApiClient, ApiError, NoAnswerError, createApiClient } from './api-client';
import { type OnlineFeaturesBody, apiCalls, parseBaseUrl, productIdsOf, signingRegion } from './requests';
import { type CredentialsSource, createRequestSigner } from './signer';
import { type RunStatusView, WaitTimeoutError, waitForRun } from './wait-for-run';

/**
 * Exit codes of `npm run client` (README): 0 done; 1 the run FAILED (`runs wait`, `runs start
 * --wait`); 2 a bad command line; 3 the API answered with an error status; 4 no answer (no
 * connection, a timeout, a reply that is not JSON, no AWS credentials to sign with); 5 `--timeout`
 * passed while the run was still RUNNING.
 */
export const CLIENT_EXIT = {
  ...EXIT,
  runFailed: EXIT.failed,
  apiError: 3,
  noAnswer: 4,
  waitTimeout: 5,
} as const;

const COMMAND = 'npm run client --';

/** The flags every command takes: where the API is, and whether to sign. */
const CONNECTION_FLAGS = {
  'base-url': {
    type: 'string',
    placeholder: 'url',
    description:
      'the API: http://localhost:<port> locally, https://<api-id>.execute-api.<region>.amazonaws.com on AWS',
    default: '$API_BASE_URL or http://localhost:$API_PORT',
  },
  sign: {
    type: 'boolean',
    description:
      'SigV4-sign the requests even though the host is not execute-api (a custom domain name), in $AWS_REGION; ' +
      'execute-api hosts are always signed, in their region, with the standard AWS credential chain',
  },
} as const satisfies Record<string, FlagSpec>;

const WAIT_FLAGS = {
  interval: {
    type: 'string',
    placeholder: 'seconds',
    description: 'seconds between two polls of GET /runs/{run_id}',
    default: '5',
  },
  timeout: {
    type: 'string',
    placeholder: 'seconds',
    description: 'give up (exit 5) when the run is still RUNNING after this many seconds',
    default: '3600',
  },
} as const satisfies Record<string, FlagSpec>;

const RUN_ID_ARGUMENT: ArgumentSpec = { name: 'run-id', description: 'the run id (POST /runs replied it)' };

/** Where a command's output goes. */
export interface ClientIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** What a command runs with. */
interface CommandContext<F extends Record<string, FlagSpec>> {
  readonly flags: CliValues<F>;
  readonly args: readonly string[];
  readonly client: ApiClient;
  readonly io: ClientIo;
}

/** One command: its spec and what it does; resolves with the exit code. */
interface ClientCommand {
  readonly spec: CliSpec<Record<string, FlagSpec>>;
  readonly run: (context: CommandContext<Record<string, FlagSpec>>) => Promise<number>;
}

/** Ties a command's handler to its spec's flag types. */
function command<F extends Record<string, FlagSpec>>(
  spec: CliSpec<F>,
  run: (context: CommandContext<F>) => Promise<number>,
): ClientCommand {
  return { spec, run: run as ClientCommand['run'] };
}

/** Pretty JSON on stdout: the command's result. */
function printJson(io: ClientIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A number of seconds flag (fractions allowed) in ms; a usage error naming the flag otherwise. */
function secondsFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name}: must be a number of seconds, got "${text}"`);
  return n * 1000;
}

/** A positive whole number flag, or undefined when absent. */
function countFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1)
    throw new UsageError(`--${name}: must be a whole number of at least 1, got "${text}"`);
  return Number(text);
}

/** The flag `name`, required. */
function required(name: string, value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required: ${what}`);
  return value;
}

/** The wait's poll interval and time limit from its flags (usage errors before anything is sent). */
function waitLimits(flags: { interval?: string; timeout?: string }): {
  intervalMs: number;
  timeoutMs: number;
} {
  return {
    intervalMs: secondsFlag('interval', flags.interval, 5),
    timeoutMs: secondsFlag('timeout', flags.timeout, 3600),
  };
}

/**
 * Waits for the run and prints its final view; FAILED prints the run's error on stderr and is exit
 * code 1, so a workflow step fails with the reason in its log.
 */
async function waitAndReport(
  client: ApiClient,
  io: ClientIo,
  runId: string,
  limits: { intervalMs: number; timeoutMs: number },
): Promise<number> {
  const view: RunStatusView = await waitForRun(client, runId, {
    ...limits,
    log: (line) => io.stderr(`${line}\n`),
  });
  printJson(io, view);
  if (view.status === 'FAILED') {
    io.stderr(`error: run ${runId} FAILED: ${view.error ?? 'no error recorded'}\n`);
    return CLIENT_EXIT.runFailed;
  }
  io.stderr(`run ${runId}: ${view.status}\n`);
  return CLIENT_EXIT.ok;
}

const runsStart = command(
  {
    command: `${COMMAND} runs start`,
    summary:
      'Starts a pipeline run (POST /runs).\n' +
      'Prints the reply, {run_id, status, existing, links}; a repeated --run-id returns the existing run.\n' +
      'With --wait, polls the run to its end and prints it instead: exit 1 when it FAILED, 5 when --timeout\n' +
      'passed first.',
    flags: {
      mode: { type: 'string', placeholder: 'full|incremental', description: 'run mode', default: 'full' },
      'start-date': {
        type: 'string',
        placeholder: 'YYYY-MM-DD',
        description: 'first day of a full run',
        default: 'the service’s: the training window before the end date',
      },
      'end-date': {
        type: 'string',
        placeholder: 'YYYY-MM-DD',
        description: 'last day of a full run',
        default: 'the service’s: the lake’s last day',
      },
      date: {
        type: 'string',
        placeholder: 'YYYY-MM-DD',
        description: 'the day of an incremental run',
        default: 'yesterday',
      },
      'run-id': {
        type: 'string',
        placeholder: 'id',
        description: 'run id',
        default: 'generated by the service',
      },
      'output-path': {
        type: 'string',
        placeholder: 'uri',
        description: 'output root, under the service’s processed root',
        default: 'the service’s output root',
      },
      'input-path': {
        type: 'string',
        placeholder: 'uri',
        description: 'the lake to read, under the service’s lake',
        default: 'the service’s lake',
      },
      shards: {
        type: 'string',
        placeholder: 'n',
        description: 'user shards N, 1 to 1000',
        default: 'the service’s USER_SHARDS',
      },
      now: {
        type: 'string',
        placeholder: 'timestamp',
        description: 'reference time of the run',
        default: 'the service’s clock',
      },
      wait: { type: 'boolean', description: 'poll the run until it ends (as `runs wait`)' },
      ...WAIT_FLAGS,
      ...CONNECTION_FLAGS,
    },
    examples: [
      `${COMMAND} runs start --mode full --start-date 2024-01-01 --end-date 2024-01-30 --wait`,
      `${COMMAND} runs start --mode incremental --date 2024-01-31 --run-id daily-2024-01-31`,
      `${COMMAND} runs start --mode full --wait --base-url https://abc123.execute-api.eu-west-1.amazonaws.com`,
    ],
  },
  async ({ flags, client, io }) => {
    const request = runRequestOfFlags(flags as RunFlags);
    const limits = waitLimits(flags);
    const reply = (await client.send(apiCalls.startRun(request))) as {
      run_id: string;
      status: string;
      existing?: boolean;
    };
    if (flags.wait !== true) {
      printJson(io, reply);
      return CLIENT_EXIT.ok;
    }
    io.stderr(`run ${reply.run_id}: ${reply.existing === true ? 'exists' : 'started'}, ${reply.status}\n`);
    return waitAndReport(client, io, reply.run_id, limits);
  },
);

const runsGet = command(
  {
    command: `${COMMAND} runs get`,
    summary: 'Prints a run (GET /runs/{run_id}): status, per-stage counts and timings, outputs, error.',
    arguments: [RUN_ID_ARGUMENT],
    flags: { ...CONNECTION_FLAGS },
    examples: [`${COMMAND} runs get full-20240201T020000Z-1a2b3c`],
  },
  async ({ args, client, io }) => {
    printJson(io, await client.send(apiCalls.getRun(args[0] as string)));
    return CLIENT_EXIT.ok;
  },
);

const runsList = command(
  {
    command: `${COMMAND} runs list`,
    summary: 'Prints the recent runs, newest first (GET /runs).',
    flags: {
      limit: { type: 'string', placeholder: 'n', description: 'how many runs, 1 to 100', default: '20' },
      ...CONNECTION_FLAGS,
    },
    examples: [`${COMMAND} runs list --limit 5`],
  },
  async ({ flags, client, io }) => {
    printJson(io, await client.send(apiCalls.listRuns(countFlag('limit', flags.limit))));
    return CLIENT_EXIT.ok;
  },
);

const runsWait = command(
  {
    command: `${COMMAND} runs wait`,
    summary:
      'Polls a run (GET /runs/{run_id}) until it ends, then prints it.\n' +
      'Exit 0 when it SUCCEEDED, 1 when it FAILED (its error on stderr), 5 when --timeout passed first.\n' +
      'Brief network or 429/5xx failures are asked again, up to 5 in a row.',
    arguments: [RUN_ID_ARGUMENT],
    flags: { ...WAIT_FLAGS, ...CONNECTION_FLAGS },
    examples: [`${COMMAND} runs wait full-20240201T020000Z-1a2b3c --interval 10 --timeout 7200`],
  },
  async ({ flags, args, client, io }) => waitAndReport(client, io, args[0] as string, waitLimits(flags)),
);

const featuresOnline = command(
  {
    command: `${COMMAND} features online`,
    summary:
      'Features for inference (POST /features/online).\n' +
      'One row per candidate product, in the order given, with user, item and interaction features for --at.',
    flags: {
      'user-id': { type: 'string', placeholder: 'id', description: 'the user (required)' },
      'product-ids': {
        type: 'string',
        placeholder: 'a,b,c',
        description: 'the candidates, comma-separated, 1 to 100 (required)',
      },
      at: {
        type: 'string',
        placeholder: 'timestamp',
        description: 'when the features are for',
        default: 'now',
      },
      'session-id': { type: 'string', placeholder: 'id', description: 'the session, for its position' },
      'session-position': {
        type: 'string',
        placeholder: 'n',
        description: 'the session position, when the caller knows it',
      },
      ...CONNECTION_FLAGS,
    },
    examples: [
      `${COMMAND} features online --user-id u00042 --product-ids p0001,p0002 --at 2024-02-01T10:00:00Z`,
    ],
  },
  async ({ flags, client, io }) => {
    const position = countFlag('session-position', flags['session-position']);
    const body: OnlineFeaturesBody = {
      user_id: required('user-id', flags['user-id'], 'the user the features are for'),
      product_ids: productIdsOf(
        required('product-ids', flags['product-ids'], 'a,b,c: the candidate products'),
      ),
      ...(flags.at === undefined ? {} : { at: flags.at }),
      ...(flags['session-id'] === undefined ? {} : { session_id: flags['session-id'] }),
      ...(position === undefined ? {} : { session_position: position }),
    };
    printJson(io, await client.send(apiCalls.onlineFeatures(body)));
    return CLIENT_EXIT.ok;
  },
);

const featuresUser = command(
  {
    command: `${COMMAND} features user`,
    summary:
      "Prints a user's latest published features with as_of and real-time counters (GET /features/users/{id}).",
    arguments: [{ name: 'user-id', description: 'the user' }],
    flags: { ...CONNECTION_FLAGS },
    examples: [`${COMMAND} features user u00042`],
  },
  async ({ args, client, io }) => {
    printJson(io, await client.send(apiCalls.userFeatures(args[0] as string)));
    return CLIENT_EXIT.ok;
  },
);

const featuresItem = command(
  {
    command: `${COMMAND} features item`,
    summary: "Prints a product's latest published features with as_of (GET /features/items/{id}).",
    arguments: [{ name: 'product-id', description: 'the product' }],
    flags: { ...CONNECTION_FLAGS },
    examples: [`${COMMAND} features item p0001`],
  },
  async ({ args, client, io }) => {
    printJson(io, await client.send(apiCalls.itemFeatures(args[0] as string)));
    return CLIENT_EXIT.ok;
  },
);

const datasetsGet = command(
  {
    command: `${COMMAND} datasets get`,
    summary:
      "Prints a succeeded full run's dataset (GET /datasets/{run_id}): split URIs, counts, boundaries, lineage.",
    arguments: [RUN_ID_ARGUMENT],
    flags: { ...CONNECTION_FLAGS },
    examples: [`${COMMAND} datasets get full-20240201T020000Z-1a2b3c`],
  },
  async ({ args, client, io }) => {
    printJson(io, await client.send(apiCalls.getDataset(args[0] as string)));
    return CLIENT_EXIT.ok;
  },
);

const validationsCreate = command(
  {
    command: `${COMMAND} validations create`,
    summary:
      'Validates one day (POST /validations).\n' +
      "Writes the day's report and quarantine and prints the report (exit 0 whatever its status: read it).",
    flags: {
      date: { type: 'string', placeholder: 'YYYY-MM-DD', description: 'the day to validate (required)' },
      'input-path': {
        type: 'string',
        placeholder: 'uri',
        description: 'the lake to read, under the service’s lake',
        default: 'the service’s lake',
      },
      ...CONNECTION_FLAGS,
    },
    examples: [`${COMMAND} validations create --date 2024-01-15`],
  },
  async ({ flags, client, io }) => {
    const date = required('date', flags.date, 'the day to validate, YYYY-MM-DD');
    const body = { date, ...(flags['input-path'] === undefined ? {} : { input_path: flags['input-path'] }) };
    printJson(io, await client.send(apiCalls.createValidation(body)));
    return CLIENT_EXIT.ok;
  },
);

/** Every command, by group and name: `npm run client -- <group> <name>`. */
export const CLIENT_COMMANDS: Readonly<Record<string, Readonly<Record<string, ClientCommand>>>> = {
  runs: { start: runsStart, get: runsGet, list: runsList, wait: runsWait },
  features: { online: featuresOnline, user: featuresUser, item: featuresItem },
  datasets: { get: datasetsGet },
  validations: { create: validationsCreate },
};

/** The help of `npm run client -- --help` (every command) or of one group. */
export function clientHelp(group?: string): string {
  const groups = group === undefined ? Object.keys(CLIENT_COMMANDS) : [group];
  const rows = groups.flatMap((g) =>
    Object.entries(CLIENT_COMMANDS[g] ?? {}).map(([name, c]) => {
      const args = (c.spec.arguments ?? []).map((a) => ` <${a.name}>`).join('');
      return [`${g} ${name}${args}`, c.spec.summary.split('\n')[0] as string] as const;
    }),
  );
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${COMMAND} ${group ?? '<group>'} <command> [arguments] [flags]`,
    '',
    'Calls the pipeline’s HTTP API; requests to an execute-api host are SigV4-signed with the standard AWS',
    'credential chain. Prints JSON on stdout; errors on stderr.',
    '',
    'Commands:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    `Each command answers --help. Exit codes: 0 done, 1 the run FAILED, 2 bad command line, 3 the API`,
    'answered an error status, 4 no answer (connection, timeout, not JSON, no credentials), 5 wait timed out.',
    '',
  ].join('\n');
}

/** What the client runs with besides its argv. */
export interface ClientEnvironment {
  readonly settings: Settings;
  readonly io: ClientIo;
  /** Credentials for signing; default: the standard AWS chain. */
  readonly credentials?: CredentialsSource;
}

/** The stderr text of an API error: status, title and detail, then each bad field. */
export function formatApiError(error: ApiError): string {
  const fields = error.errors.map((e) => `  ${e.path}: ${e.message}\n`).join('');
  return `error: ${error.message}\n${fields}`;
}

/** The command `argv` names; a usage error listing the choices otherwise. */
function findCommand(argv: readonly string[], io: ClientIo): ClientCommand | null {
  const [group, name] = argv;
  const isHelp = (word: string | undefined) => word === undefined || word === '--help' || word === '-h';
  if (isHelp(group)) {
    io.stdout(clientHelp());
    return null;
  }
  const commands = CLIENT_COMMANDS[group as string];
  if (commands === undefined)
    throw new UsageError(`unknown command "${group}": one of ${Object.keys(CLIENT_COMMANDS).join(', ')}`);
  if (isHelp(name)) {
    io.stdout(clientHelp(group));
    return null;
  }
  const found = commands[name as string];
  if (found === undefined)
    throw new UsageError(`unknown command "${group} ${name}": one of ${Object.keys(commands).join(', ')}`);
  return found;
}

/**
 * Runs one client command line (without the `node script` part) and resolves with its exit code.
 * A usage error and a shown help throw (runCli reports them); every API outcome is an exit code.
 */
export async function runClient(argv: readonly string[], env: ClientEnvironment): Promise<number> {
  const found = findCommand(argv, env.io);
  if (found === null) return CLIENT_EXIT.ok;
  const { values, args } = parseCommand(found.spec, argv.slice(2));
  const flags = values as CliValues<typeof CONNECTION_FLAGS>;
  const baseUrl = parseBaseUrl(flags['base-url'] ?? env.settings.apiBaseUrl);
  // AWS_REGION (read by config.ts) is the region of a signed host that does not spell one.
  const region = signingRegion(baseUrl, {
    force: flags.sign === true,
    fallbackRegion: env.settings.s3.region,
  });
  const signer = region === null ? null : createRequestSigner(region, env.credentials);
  const client = createApiClient({ baseUrl, signer });
  try {
    return await found.run({ flags: values, args, client, io: env.io });
  } catch (error) {
    if (error instanceof ApiError) {
      env.io.stderr(formatApiError(error));
      return CLIENT_EXIT.apiError;
    }
    if (error instanceof NoAnswerError) {
      env.io.stderr(`error: ${error.message}\n`);
      return CLIENT_EXIT.noAnswer;
    }
    if (error instanceof WaitTimeoutError) {
      env.io.stderr(`error: ${error.message}\n`);
      return CLIENT_EXIT.waitTimeout;
    }
    throw error;
  }
}
