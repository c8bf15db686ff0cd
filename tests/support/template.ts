import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One CloudFormation resource, as `serverless package` writes it. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly DeletionPolicy?: string;
}

/** The parts of a CloudFormation template the deploy tests read. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
  readonly Conditions?: Record<string, unknown>;
}

/** What {@link packageTemplate} produced and how long `serverless package` took. */
export interface PackagedTemplate {
  readonly template: CfnTemplate;
  readonly durationMs: number;
}

/** The repository root (where `serverless.yml` lives). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

// An empty zip archive (just the end-of-central-directory record): stands in for a bundle.
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

/** The stage, region and time limit of a `serverless package` run. */
export interface PackageOptions {
  readonly stage?: string;
  readonly region?: string;
  readonly timeoutMs?: number;
}

/**
 * Runs `serverless package` (osls) offline into `outDir` and returns how long it took (ms). With
 * `bundle: false` serverless-esbuild's `skipBuild` is on (`SLS_SKIP_ESBUILD=true`): it packages the
 * prebuilt `<function>.zip` files it finds in `outDir` instead of bundling. Each run bundles into
 * its own esbuild work folder, removed afterwards, so it never wipes a running local stack's one.
 * No AWS call is made: the credentials are dummies.
 */
export function runServerlessPackage(
  outDir: string,
  options: PackageOptions & { readonly bundle: boolean },
): number {
  const workFolder = path.join('.esbuild', `package-test-${process.pid}-${Date.now()}`);
  try {
    const cli = require.resolve('osls/bin/serverless.js');
    const args = [
      cli,
      'package',
      '--stage',
      options.stage ?? 'dev',
      '--region',
      options.region ?? 'us-east-1',
      '--package',
      outDir,
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLS_SKIP_ESBUILD: options.bundle ? 'false' : 'true',
      SLS_ESBUILD_WORK_FOLDER: workFolder,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEDUMMY',
      AWS_SECRET_ACCESS_KEY: 'dummy-secret-for-offline-packaging',
      SLS_TELEMETRY_DISABLED: '1',
    };
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
    const started = Date.now();
    const result = spawnSync(process.execPath, args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 120_000,
      env,
    });
    const durationMs = Date.now() - started;
    if (result.error !== undefined || result.status !== 0) {
      const reason = result.error?.message ?? `exit code ${String(result.status)}`;
      throw new Error(`serverless package failed (${reason}):\n${result.stdout}\n${result.stderr}`);
    }
    return durationMs;
  } finally {
    rmSync(path.join(REPO_ROOT, workFolder), { recursive: true, force: true });
    removeIfEmpty(path.join(REPO_ROOT, '.esbuild'));
  }
}

/** The update-stack template a `serverless package` run wrote into `outDir`. */
export function readPackagedTemplate(outDir: string): CfnTemplate {
  const file = path.join(outDir, 'cloudformation-template-update-stack.json');
  return JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate;
}

/**
 * Packages the service without bundling ({@link runServerlessPackage} with `bundle: false`) into a
 * temporary folder and returns the update-stack template, so the template does not depend on every
 * handler compiling; the given function keys get empty zips.
 */
export function packageTemplate(
  functionKeys: readonly string[],
  options: PackageOptions = {},
): PackagedTemplate {
  const outDir = mkdtempSync(path.join(tmpdir(), 'recsys-sls-package-'));
  try {
    for (const key of functionKeys) writeFileSync(path.join(outDir, `${key}.zip`), EMPTY_ZIP);
    const durationMs = runServerlessPackage(outDir, { ...options, bundle: false });
    return { template: readPackagedTemplate(outDir), durationMs };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (a local stack's bundles live there) or already gone: leave it.
  }
}

/** The function keys of serverless.yml, in order (the two-space-indented keys of its `functions:` block). */
export function serverlessFunctionKeys(): string[] {
  const text = readFileSync(path.join(REPO_ROOT, 'serverless.yml'), 'utf8');
  const start = text.indexOf('\nfunctions:\n');
  if (start < 0) throw new Error('serverless.yml has no functions: block');
  const rest = text.slice(start + '\nfunctions:\n'.length);
  const end = rest.search(/^\S/m);
  const block = end < 0 ? rest : rest.slice(0, end);
  return [...block.matchAll(/^ {2}([A-Za-z0-9]+):\s*$/gm)].map((m) => m[1] as string);
}

/** The resources of one CloudFormation type, as `[logicalId, resource]` pairs. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The resource with this logical id; throws naming it when absent. */
export function resource(template: CfnTemplate, logicalId: string): CfnResource {
  const found = template.Resources[logicalId];
  if (found === undefined) throw new Error(`template has no resource ${logicalId}`);
  return found;
}

/** A resource's property (`Properties[name]`), typed by the caller. */
export function prop<T = unknown>(r: CfnResource, name: string): T {
  return (r.Properties ?? {})[name] as T;
}

/** The logical id serverless gives a function key (`runsStart` -> `RunsStartLambdaFunction`). */
export function functionLogicalId(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`;
}

/** The logical id serverless gives a function's log group (`runsStart` -> `RunsStartLogGroup`). */
export function logGroupLogicalId(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}LogGroup`;
}

/** One IAM policy statement, with `Action` and `Resource` normalised to arrays. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: unknown;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Every statement of an `AWS::IAM::Role`'s inline policies. */
export function roleStatements(role: CfnResource): Statement[] {
  const policies = prop<{ PolicyDocument: { Statement: unknown } }[] | undefined>(role, 'Policies') ?? [];
  return policies.flatMap((p) =>
    asArray(p.PolicyDocument.Statement).map((raw) => {
      const s = raw as { Effect: string; Action: unknown; Resource: unknown; Condition?: unknown };
      return { ...s, Action: asArray(s.Action) as string[], Resource: asArray(s.Resource) };
    }),
  );
}

/** One metric a dashboard widget plots: its CloudWatch namespace and metric name. */
export interface PlottedMetric {
  readonly namespace: string;
  readonly name: string;
}

/** A dashboard widget as the deploy tests read it: its title, what it plots, its threshold lines. */
export interface DashboardWidget {
  readonly title: string;
  readonly metrics: readonly PlottedMetric[];
  /** The values of its horizontal annotations. */
  readonly thresholds: readonly number[];
}

interface RawWidget {
  readonly properties: {
    readonly title: string;
    readonly metrics?: readonly (readonly unknown[])[];
    readonly annotations?: { readonly horizontal?: readonly { readonly value: number }[] };
  };
}

const text = (value: unknown): string => JSON.stringify(value);

// A metric search names its metric by `Namespace="…"` and `MetricName="…"`.
const SEARCH = /SEARCH\('([^']*)'/g;
const SEARCH_TERM = (term: string) => new RegExp(`${term}="([^"]+)"`);

/** The metrics of one row of a widget's `metrics`: `[namespace, name, dims…, options?]` or `[{ expression }]`. */
function rowMetrics(row: readonly unknown[]): PlottedMetric[] {
  const [first, second] = row;
  if (typeof first === 'string') {
    // CloudWatch's "..." shorthand repeats the row above: not used, so not parsed.
    if (first === '...' || typeof second !== 'string') throw new Error(`unsupported metric row ${text(row)}`);
    return [{ namespace: first, name: second }];
  }
  const expression = (first as { expression?: string }).expression ?? '';
  return [...expression.matchAll(SEARCH)].map(([, query = '']) => {
    const namespace = SEARCH_TERM('Namespace').exec(query)?.[1];
    const name = SEARCH_TERM('MetricName').exec(query)?.[1];
    if (namespace === undefined || name === undefined) throw new Error(`search names no metric: ${query}`);
    return { namespace, name };
  });
}

/**
 * The widgets of the template's one `AWS::CloudWatch::Dashboard`, parsed from its `DashboardBody`
 * (`Fn::Sub` of a JSON text; the substitutions sit inside JSON strings, so it parses once they are
 * replaced).
 */
export function dashboardWidgets(template: CfnTemplate): DashboardWidget[] {
  const dashboards = resourcesOfType(template, 'AWS::CloudWatch::Dashboard');
  const [only] = dashboards;
  if (only === undefined || dashboards.length > 1) {
    throw new Error(`expected one dashboard, found ${dashboards.length}`);
  }
  const sub = prop<{ 'Fn::Sub': string | [string, unknown] }>(only[1], 'DashboardBody')['Fn::Sub'];
  const body = typeof sub === 'string' ? sub : sub[0];
  const parsed = JSON.parse(body.replace(/\$\{[^}]+\}/g, 'x')) as { widgets: RawWidget[] };
  return parsed.widgets.map(({ properties: p }) => ({
    title: p.title,
    metrics: (p.metrics ?? []).flatMap(rowMetrics),
    thresholds: (p.annotations?.horizontal ?? []).map((a) => a.value),
  }));
}
