/**
 * `npm run client -- <group> <command> [arguments] [flags]`: the pipeline's HTTP API from the
 * command line, SigV4-signed for an execute-api host (README, "API client"). `--help` at every level.
 */
import { loadSettings } from '../config';
import { runCli } from './lib/cli';
import { runClient } from './lib/client/commands';

runCli(() =>
  runClient(process.argv.slice(2), {
    settings: loadSettings(),
    io: { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
  }),
);
