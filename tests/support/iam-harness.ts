/**
 * The servers and the wiring the IAM simulation drives every function against: s3rver as the
 * lake bucket, dynalite as the online table, and the Step Functions and SNS stand-ins, with the
 * settings the packaged template gives the functions (names and ARNs resolved for one account),
 * and every SDK call of the wiring's clients recorded per function.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createDynamoDbClient } from '../../adapters/dynamodb-client';
import { type LocalDynamo, startDynalite } from '../../adapters/dynamodb-local-server';
import { ensureFeatureTable } from '../../adapters/dynamodb-table';
import { createS3Client } from '../../adapters/s3-lake';
import { runAsFunction } from '../../adapters/sdk-calls';
import { type Settings, loadSettings } from '../../config';
import type { RunRequest } from '../../domain/pipeline/run-request';
import { runPipelineLocally } from '../../handlers/lib/pipeline-engine';
import { resetWiring, useWiring } from '../../wiring';
import {
  type SecretsManagerStandIn,
  type SnsStandIn,
  type StepFunctionsStandIn,
  startSecretsManagerStandIn,
  startSnsStandIn,
  startStepFunctionsStandIn,
} from './aws-stand-ins';
import { lambdaContext } from './http-events';
import { resolve } from './cfn-resolve';
import { CallLog, awsScope, templateFunctions } from './iam-simulation';
import { S3rver, type S3rverServer } from './s3rver';
import { type CfnTemplate, REPO_ROOT, functionLogicalId, prop, resource } from './template';

const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];

/** A deployed Lambda entry point. */
type Entry = (event: unknown, context: Context) => Promise<unknown>;

/** The running harness. */
export interface IamHarness {
  readonly settings: Settings;
  readonly log: CallLog;
  /** The lake bucket (the template's), on s3rver. */
  readonly bucket: string;
  readonly table: string;
  /** Clients of the test itself (setup and checks): their calls are nobody's. */
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly stepFunctions: StepFunctionsStandIn;
  readonly sns: SnsStandIn;
  /** Holds the database secrets syncSnapshots reads (the test sets them). */
  readonly secretsManager: SecretsManagerStandIn;
  /** The secret ids the template gives syncSnapshots. */
  readonly databaseSecrets: { readonly catalog: string; readonly user: string };
  /** Invokes a function of the template through its real handler, as that function. */
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** The environment the template gives a function, resolved (empty values dropped, as config.ts does). */
function functionEnvironment(template: CfnTemplate, logicalId: string): Record<string, string> {
  const vars =
    prop<{ Variables?: Record<string, unknown> } | undefined>(resource(template, logicalId), 'Environment')
      ?.Variables ?? {};
  return resolve(template, vars) as Record<string, string>;
}

/**
 * Starts the servers and wires the service as the template configures `runsStart` (lake, output,
 * table, topic, state machine) with local endpoints; `extraEnv` sets further settings.
 */
export async function startIamHarness(
  template: CfnTemplate,
  extraEnv: Record<string, string>,
): Promise<IamHarness> {
  const saved = Object.fromEntries(CREDENTIALS.map((name) => [name, process.env[name]]));
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // s3rver and the stand-ins accept any signature; the default chain finds these.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';

  const dir = await mkdtemp(path.join(tmpdir(), 'iam-sim-'));
  const s3rver: S3rverServer = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await s3rver.run();
  const dynalite: LocalDynamo = await startDynalite();
  const env = functionEnvironment(template, functionLogicalId('runsStart'));
  const stateMachineArn = String(env.STATE_MACHINE_ARN);
  const stepFunctions = await startStepFunctionsStandIn({
    stateMachineArns: [stateMachineArn],
    execute: (input) => runPipelineLocally(input as RunRequest),
  });
  const sns = await startSnsStandIn({ topicArns: [String(env.ALERTS_TOPIC_ARN)] });
  const secretsManager = await startSecretsManagerStandIn();
  const syncEnv = functionEnvironment(template, functionLogicalId('syncSnapshots'));
  const settings = loadSettings({
    ...env,
    NODE_OPTIONS: '',
    AWS_REGION: 'us-east-1',
    S3_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    S3_FORCE_PATH_STYLE: 'true',
    DYNAMODB_ENDPOINT_URL: dynalite.endpoint,
    STEP_FUNCTIONS_ENDPOINT_URL: stepFunctions.endpoint,
    SNS_ENDPOINT_URL: sns.endpoint,
    SECRETS_MANAGER_ENDPOINT_URL: secretsManager.endpoint,
    CATALOG_DB_SECRET_ARN: String(syncEnv.CATALOG_DB_SECRET_ARN),
    USER_DB_SECRET_ARN: String(syncEnv.USER_DB_SECRET_ARN),
    // The embedded PostgreSQL of the test speaks no TLS.
    SYNC_DB_SSL: 'disable',
    ...extraEnv,
  });
  const bucket = settings.lakeUri.replace(/^s3:\/\//, '').replace(/\/.*$/, '');
  const s3 = createS3Client(settings.s3);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dynamo = createDynamoDbClient(settings.online);
  await ensureFeatureTable(dynamo, settings.online.table);

  const log = new CallLog(awsScope(template));
  useWiring({ settings, sdkCalls: log.record, emitMetrics: () => undefined });
  const functions = templateFunctions(template);
  const entries = new Map<string, Entry>();
  const entryOf = async (key: string): Promise<Entry> => {
    const found = entries.get(key);
    if (found !== undefined) return found;
    if (!functions.has(key)) throw new Error(`serverless.yml has no function ${key}`);
    // `handlers/runs-start.handler`: the module and its export, as Lambda resolves them.
    const handler = prop<string>(resource(template, functionLogicalId(key)), 'Handler');
    const exportName = handler.slice(handler.lastIndexOf('.') + 1);
    const mod = (await import(path.join(REPO_ROOT, handler.slice(0, handler.lastIndexOf('.'))))) as Record<
      string,
      Entry
    >;
    const entry = mod[exportName];
    if (entry === undefined) throw new Error(`${handler}: no export ${exportName}`);
    entries.set(key, entry);
    return entry;
  };

  return {
    settings,
    log,
    bucket,
    table: settings.online.table,
    s3,
    dynamo,
    stepFunctions,
    sns,
    secretsManager,
    databaseSecrets: {
      catalog: String(syncEnv.CATALOG_DB_SECRET_ARN),
      user: String(syncEnv.USER_DB_SECRET_ARN),
    },
    invoke: async (key, event) => {
      const entry = await entryOf(key);
      log.ran.add(key);
      return runAsFunction(key, () => entry(event, { ...lambdaContext, functionName: key }));
    },
    close: async () => {
      await stepFunctions.idle();
      resetWiring();
      s3.destroy();
      dynamo.destroy();
      await Promise.all([
        stepFunctions.close(),
        sns.close(),
        secretsManager.close(),
        dynalite.close(),
        s3rver.close(),
      ]);
      await rm(dir, { recursive: true, force: true });
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

/** Uploads objects to the lake bucket under `prefix` with the test's own client. */
export async function upload(
  harness: IamHarness,
  objects: Iterable<readonly [string, Uint8Array | string]>,
  prefix = '',
): Promise<void> {
  for (const [key, body] of objects)
    await harness.s3.send(
      new PutObjectCommand({ Bucket: harness.bucket, Key: `${prefix}${key}`, Body: body }),
    );
}
