/** `npm run client` as a process (tsx on the Node that runs jest), for the tests of the API client. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const PROJECT = resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');

/** What a client process did. */
export interface ClientRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The settings config.ts reads that would otherwise leak from the test's environment into the client. */
const CLIENT_VARIABLES = [
  'API_BASE_URL',
  'API_PORT',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/**
 * Runs `scripts/client.ts` with `args` and `env` on top of the test's environment minus the
 * client's own variables (asynchronously: the API the test serves in-process must keep answering).
 */
export function runClientCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 120_000,
): Promise<ClientRun> {
  const base = { ...process.env };
  for (const name of CLIENT_VARIABLES) delete base[name];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX_CLI, 'scripts/client.ts', ...args], {
      cwd: PROJECT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', fail);
    child.once('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}
