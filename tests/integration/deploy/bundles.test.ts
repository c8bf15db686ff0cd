import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import JSZip from 'jszip';

import {
  type CfnResource,
  REPO_ROOT,
  prop,
  readPackagedTemplate,
  resourcesOfType,
  runServerlessPackage,
} from '../../support/template';

/**
 * The bundles AWS would run: a real `serverless package` with esbuild bundling, then each
 * function's zip unpacked and its handler loaded the way the Lambda runtime loads it (a fresh Node
 * process in the unpacked folder, with only the AWS SDK provided from outside, as the nodejs
 * runtime provides it). A handler path that is not in its zip, a bundle that cannot be loaded
 * (a module left out) or one over Lambda's size limit fails here, not on the first invocation.
 */

/** Lambda's limit on a function's unzipped code (and layers): 250 MB. */
const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;
/** The extensions the nodejs runtime tries for a handler's module, in its order. */
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** One function's bundle, unpacked. */
interface Bundle {
  readonly logicalId: string;
  /** `handlers/runs-start.handler`. */
  readonly handler: string;
  readonly zipBytes: number;
  readonly unzippedBytes: number;
  readonly files: ReadonlySet<string>;
  /** Where the zip was unpacked (the function's /var/task). */
  readonly dir: string;
}

let workDir: string;
let bundles: Bundle[];
let packageMs: number;

/** Unpacks a zip into `dir`, returning its file names and the bytes they hold. */
async function unpack(zipFile: string, dir: string): Promise<{ files: Set<string>; bytes: number }> {
  const zip = await JSZip.loadAsync(readFileSync(zipFile));
  const files = new Set<string>();
  let bytes = 0;
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    const content = await entry.async('nodebuffer');
    const target = path.join(dir, entry.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    files.add(entry.name);
    bytes += content.length;
  }
  return { files, bytes };
}

/** The zip a function's `Code.S3Key` names, as a file of the package folder. */
function zipOf(fn: CfnResource, packageDir: string): string {
  const key = prop<{ S3Key?: unknown }>(fn, 'Code').S3Key;
  if (typeof key !== 'string') throw new Error(`function code has no S3Key: ${JSON.stringify(key)}`);
  return path.join(packageDir, path.basename(key));
}

/** `handlers/x.handler` -> the module path `handlers/x` and the export `handler`. */
function splitHandler(handler: string): { module: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

/** The handler's module file in the bundle, with the extension the runtime would pick, else undefined. */
function handlerFile(bundle: Bundle): string | undefined {
  const { module } = splitHandler(bundle.handler);
  return HANDLER_EXTENSIONS.map((ext) => `${module}${ext}`).find((f) => bundle.files.has(f));
}

const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'recsys-bundles-'));
  const packageDir = path.join(workDir, 'package');
  mkdirSync(packageDir);
  packageMs = runServerlessPackage(packageDir, { bundle: true, timeoutMs: 300_000 });
  const template = readPackagedTemplate(packageDir);
  bundles = [];
  for (const [logicalId, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const zipFile = zipOf(fn, packageDir);
    const dir = path.join(workDir, 'task', logicalId);
    const { files, bytes } = await unpack(zipFile, dir);
    const zipBytes = readFileSync(zipFile).length;
    bundles.push({
      logicalId,
      handler: prop<string>(fn, 'Handler'),
      zipBytes,
      unzippedBytes: bytes,
      files,
      dir,
    });
  }
  // The sizes, for whoever watches them grow.
  const lines = bundles.map(
    (b) =>
      `${b.logicalId.padEnd(40)} ${mb(b.zipBytes).padStart(9)} zipped ${mb(b.unzippedBytes).padStart(9)} unzipped`,
  );
  console.log(`serverless package with bundling: ${(packageMs / 1000).toFixed(1)} s\n${lines.join('\n')}`);
}, 400_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('function bundles', () => {
  it('are built for every function', () => {
    expect(bundles.length).toBeGreaterThan(0);
    for (const b of bundles) expect([b.logicalId, b.files.size > 0]).toEqual([b.logicalId, true]);
  });

  it("are each under Lambda's 250 MB unzipped limit", () => {
    for (const b of bundles) {
      expect([b.logicalId, b.unzippedBytes <= LAMBDA_UNZIPPED_LIMIT_BYTES]).toEqual([b.logicalId, true]);
    }
  });

  it('hold the module their Handler names', () => {
    for (const b of bundles) {
      expect([b.logicalId, b.handler, handlerFile(b) !== undefined]).toEqual([b.logicalId, b.handler, true]);
    }
  });

  it('load in a fresh Node process with only the AWS SDK provided, exporting the named function', () => {
    // The nodejs runtime provides AWS SDK v3 (serverless.yml keeps it out of the bundles): a folder
    // holding only @aws-sdk stands in for the runtime's own node_modules.
    const runtimeModules = path.join(workDir, 'runtime', 'node_modules');
    mkdirSync(runtimeModules, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules', '@aws-sdk'), path.join(runtimeModules, '@aws-sdk'));
    const probe = [
      'const [file, name] = process.argv.slice(1);',
      'const exported = require(file)[name];',
      'if (typeof exported !== "function") {',
      '  console.error(`${file} exports ${name} as ${typeof exported}, not a function`);',
      '  process.exit(1);',
      '}',
    ].join('\n');
    for (const b of bundles) {
      const file = handlerFile(b);
      if (file === undefined)
        throw new Error(`${b.logicalId}: no module for handler ${b.handler} in its zip`);
      const result = spawnSync(
        process.execPath,
        ['-e', probe, path.join(b.dir, file), splitHandler(b.handler).exportName],
        {
          cwd: b.dir,
          encoding: 'utf8',
          timeout: 60_000,
          env: { NODE_PATH: runtimeModules, AWS_REGION: 'us-east-1', PATH: process.env.PATH ?? '' },
        },
      );
      const outcome =
        result.status === 0 ? 'loaded' : `failed: ${result.error?.message ?? result.stderr.trim()}`;
      expect([b.logicalId, outcome]).toEqual([b.logicalId, 'loaded']);
    }
  });
});
