import { defaultConfig } from '../../../domain/config';
import { outputKeys, rawKeys } from '../../../domain/lake-layout';
import {
  LAKE_TABLES,
  type Projection,
  type TableFormat,
  partitionLocation,
  projectionParameters,
} from '../../../domain/lake-tables';
import { ITEM_FILE_COLUMNS, TRAINING_ROW_COLUMNS, USER_FILE_COLUMNS } from '../../../domain/features/columns';
import { defaultMonitoringConfig } from '../../../domain/monitoring/config';
import {
  TASK_TIMEOUT_SECONDS,
  type TaskState,
  functionKey,
  functionSuffix,
} from '../../../state-machines/pipeline-definition';
import { METRIC_NAMESPACE, METRIC_NAMES, type MetricName } from '../../../domain/monitoring/emf';
import type { ColumnSpec } from '../../../domain/features/columns';
import type { ColumnType } from '../../../domain/table';
import {
  type CfnResource,
  type CfnTemplate,
  dashboardWidgets,
  functionLogicalId,
  logGroupLogicalId,
  packageTemplate,
  prop,
  resource,
  resourcesOfType,
  roleStatements,
} from '../../support/template';

/**
 * The deployed shape, read from the template `serverless package` builds offline: IAM auth on the
 * API, bucket hardening and retention, the table, least-privilege roles, schedules, alerts, the
 * dashboard, the Glue catalog and the state machine.
 */

const SERVICE = 'recsys-feature-pipeline';
const STAGE = 'dev';
const LAKE_BUCKET = `${SERVICE}-${STAGE}-us-east-1-lake`;

const STATE_MACHINE = `${SERVICE}-${STAGE}-pipeline`;

/** Every function and its handler file. What each role grants is checked by the IAM simulation (iam.test.ts). */
const FUNCTIONS: Record<string, string> = {
  pipelinePlan: 'pipeline-plan',
  pipelineValidateCleanDay: 'pipeline-validate-clean-day',
  pipelineFoldItems: 'pipeline-fold-items',
  pipelineFoldUsers: 'pipeline-fold-users',
  pipelineAssembleDays: 'pipeline-assemble-days',
  pipelinePublish: 'pipeline-publish',
  pipelineMonitor: 'pipeline-monitor',
  pipelineCommitRun: 'pipeline-commit-run',
  pipelineRecordFailure: 'pipeline-record-failure',
  runsStart: 'runs-start',
  runsGet: 'runs-get',
  runsList: 'runs-list',
  validationsCreate: 'validations-create',
  validationReportsGet: 'validation-reports-get',
  datasetsGet: 'datasets-get',
  featuresUserGet: 'features-user-get',
  featuresItemGet: 'features-item-get',
  featuresOnline: 'features-online',
  alertsList: 'alerts-list',
  health: 'health',
  openapi: 'openapi-get',
  ingestStream: 'ingest-stream',
  onRawInteractions: 'on-raw-interactions',
  freshnessCheck: 'freshness-check',
  syncSnapshots: 'sync-snapshots',
};

/** The pipeline task functions: function key `pipeline<State>` for every Task state of the ASL. */
const TASK_STATES = Object.keys(TASK_TIMEOUT_SECONDS) as TaskState[];

/** Memory (MB) of the stages sized in serverless.yml's `custom.taskMemory`; other tasks keep the default. */
const TASK_MEMORY_MB: Partial<Record<TaskState, number>> = {
  ValidateCleanDay: 2048,
  FoldItems: 3008,
  FoldUsers: 3008,
  AssembleDays: 3008,
};
const DEFAULT_MEMORY_MB = 1024;

const ROUTES = [
  'POST /runs',
  'GET /runs/{run_id}',
  'GET /runs',
  'POST /validations',
  'GET /validation-reports/{date}',
  'GET /datasets/{run_id}',
  'GET /features/users/{user_id}',
  'GET /features/items/{product_id}',
  'POST /features/online',
  'GET /alerts',
  'GET /health',
  'GET /openapi.json',
];

/** Actions that cannot be scoped to a resource; none is used today. */
const RESOURCE_STAR_ALLOWED = new Set(['cloudwatch:PutMetricData', 'logs:CreateLogGroup']);

const text = (value: unknown): string => JSON.stringify(value);
const sorted = (values: readonly string[]): string[] => [...values].sort();

let template: CfnTemplate;

beforeAll(() => {
  ({ template } = packageTemplate(Object.keys(FUNCTIONS), { stage: STAGE, region: 'us-east-1' }));
}, 150_000);

function fn(key: string): CfnResource {
  return resource(template, functionLogicalId(key));
}

function roleOf(key: string): CfnResource {
  const role = prop<{ 'Fn::GetAtt'?: [string, string] }>(fn(key), 'Role');
  const roleId = role['Fn::GetAtt']?.[0];
  if (roleId === undefined) throw new Error(`${key} has no role of its own: ${text(role)}`);
  return resource(template, roleId);
}

describe('functions', () => {
  it('declares exactly the functions of the table, on nodejs24.x, with handlers/<file>.handler', () => {
    const ids = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(sorted(ids)).toEqual(sorted(Object.keys(FUNCTIONS).map(functionLogicalId)));
    for (const [key, handler] of Object.entries(FUNCTIONS)) {
      expect(prop(fn(key), 'Handler')).toBe(`handlers/${handler}.handler`);
      expect(prop(fn(key), 'Runtime')).toBe('nodejs24.x');
    }
  });

  it('names the pipeline tasks <service>-<stage>-<kebab-name>, each with role Pipeline<State>Role', () => {
    for (const state of TASK_STATES) {
      expect(prop(fn(functionKey(state)), 'FunctionName')).toBe(
        `${SERVICE}-${STAGE}-${functionSuffix(state)}`,
      );
      expect(prop(fn(functionKey(state)), 'Role')).toEqual({ 'Fn::GetAtt': [`Pipeline${state}Role`, 'Arn'] });
    }
  });

  it('sizes the memory of the stages that hold a day or a shard, and leaves the other tasks at the default', () => {
    for (const state of TASK_STATES) {
      const expected = TASK_MEMORY_MB[state] ?? DEFAULT_MEMORY_MB;
      expect([state, prop(fn(functionKey(state)), 'MemorySize')]).toEqual([state, expected]);
    }
  });

  it("gives every pipeline function the timeout its Task's TimeoutSeconds says, so both engines agree", () => {
    for (const state of TASK_STATES)
      expect([state, prop(fn(functionKey(state)), 'Timeout')]).toEqual([state, TASK_TIMEOUT_SECONDS[state]]);
  });

  it('passes the Map concurrency and the default user shard count to Plan only', () => {
    const vars = (key: string) =>
      prop<{ Variables: Record<string, unknown> }>(fn(key), 'Environment').Variables;
    expect(vars('pipelinePlan')).toMatchObject({ MAP_MAX_CONCURRENCY: '100', USER_SHARDS: '4' });
    for (const key of Object.keys(FUNCTIONS).filter((k) => k !== 'pipelinePlan')) {
      expect([key, vars(key).MAP_MAX_CONCURRENCY, vars(key).USER_SHARDS]).toEqual([
        key,
        undefined,
        undefined,
      ]);
    }
  });

  it('passes the lake, output, table, topic and source-map settings; runsStart gets the state machine', () => {
    for (const key of Object.keys(FUNCTIONS)) {
      const vars = prop<{ Variables: Record<string, unknown> }>(fn(key), 'Environment').Variables;
      expect(vars).toMatchObject({
        LAKE_URI: `s3://${LAKE_BUCKET}`,
        OUTPUT_URI: `s3://${LAKE_BUCKET}/processed`,
        FEATURE_TABLE: `${SERVICE}-${STAGE}-features`,
        ALERTS_TOPIC_ARN: { Ref: 'AlertsTopic' },
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
    const runsStart = prop<{ Variables: Record<string, unknown> }>(fn('runsStart'), 'Environment').Variables;
    expect(runsStart.STATE_MACHINE_ARN).toEqual({ Ref: 'PipelineStateMachine' });
  });

  it('gives POST /runs and Plan the same MAX_RUN_DAYS, so both refuse the same spans', () => {
    for (const key of ['runsStart', 'pipelinePlan'])
      expect([
        key,
        prop<{ Variables: Record<string, unknown> }>(fn(key), 'Environment').Variables.MAX_RUN_DAYS,
      ]).toEqual([key, '730']);
  });

  it('keeps the inference function logs 90 days', () => {
    expect(prop(resource(template, logGroupLogicalId('featuresOnline')), 'RetentionInDays')).toBe(90);
  });
});

describe('HTTP API', () => {
  it('requires IAM (SigV4) on every route but /health', () => {
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r);
    expect(sorted(routes.map((r) => prop<string>(r, 'RouteKey')))).toEqual(sorted(ROUTES));
    for (const route of routes) {
      const key = prop<string>(route, 'RouteKey');
      const auth = prop<string | undefined>(route, 'AuthorizationType');
      if (key === 'GET /health') expect(auth ?? 'NONE').toBe('NONE');
      else expect([key, auth]).toEqual([key, 'AWS_IAM']);
    }
  });
});

describe('buckets', () => {
  it('block public access, are encrypted and deny requests without TLS', () => {
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
    expect(buckets.map(([id]) => id)).toContain('S3BucketLake');
    const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy').map(([, p]) => p);
    for (const [id, bucket] of buckets) {
      expect([id, prop(bucket, 'PublicAccessBlockConfiguration')]).toEqual([
        id,
        {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      ]);
      const sse = prop<{ ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: unknown }[] }>(
        bucket,
        'BucketEncryption',
      );
      expect(sse.ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault).toMatchObject({
        SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/),
      });
      const policy = policies.find((p) => text(prop(p, 'Bucket')) === text({ Ref: id }));
      expect(policy).toBeDefined();
      const statements = (policy?.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      const denyTls = statements.find(
        (s) => s.Effect === 'Deny' && /"aws:SecureTransport":"?false"?/.test(text(s.Condition)),
      );
      expect([id, denyTls?.Action, denyTls?.Principal]).toEqual([id, 's3:*', '*']);
    }
  });

  it('apply the retention policy by prefix, one rule per class of lake keys, and keep the run records', () => {
    const rules = prop<{ Rules: Record<string, unknown>[] }>(
      resource(template, 'S3BucketLake'),
      'LifecycleConfiguration',
    ).Rules;
    const byPrefix = (prefix: string) => rules.find((r) => r.Prefix === prefix && r.Status === 'Enabled');
    // api.md's retention policy.
    expect(byPrefix('raw/interactions/')).toMatchObject({
      Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
      ExpirationInDays: 730,
    });
    expect(byPrefix('processed/features/')).toMatchObject({ ExpirationInDays: 365 });
    expect(byPrefix('processed/datasets/')).toMatchObject({ ExpirationInDays: 180 });

    // S3 filters by key prefix, so each class must own one: the keys come from the lake layout (the
    // output root is processed/), so a key moved out of its rule's prefix fails here. Quarantine and
    // reports hold raw lines and profile fields (90 days), staging is scratch (7), state is rebuilt
    // weekly by the full run (30); run records, monitoring figures and alerts are kept.
    const processed = (key: string) => `processed/${key}`;
    const keptDays: [string, number | 'kept'][] = [
      [rawKeys.object('interactions', '2024-01-15', 'part-00000.jsonl'), 730],
      [rawKeys.object('products', '2024-01-15', 'part-00000.jsonl.gz'), 730],
      [rawKeys.object('users', '2024-01-15', 'part-00000.jsonl.gz'), 730],
      [processed(outputKeys.userFeatures('2024-01-16', 0)), 365],
      [processed(outputKeys.itemFeatures('2024-01-16')), 365],
      [processed(outputKeys.userAffinity('2024-01-16', 0)), 365],
      [processed(outputKeys.datasetPart('r1', 'train', 0)), 180],
      [processed(outputKeys.quarantine('interactions', '2024-01-15')), 90],
      [processed(outputKeys.quarantine('users', '2024-01-15')), 90],
      [processed(outputKeys.report('2024-01-15')), 90],
      [processed(outputKeys.reportPage('2024-01-15')), 90],
      [processed(outputKeys.runReport('r1')), 90],
      [processed(outputKeys.stagedShardDay('r1', '2024-01-15', 0)), 7],
      [processed(outputKeys.stagedItemFeatures('r1', '2024-01-15')), 7],
      [processed(outputKeys.userState('2024-01-16', 0)), 30],
      [processed(outputKeys.itemState('2024-01-16')), 30],
      [processed(outputKeys.stateMeta('2024-01-16')), 30],
      [processed(outputKeys.manifest('r1')), 'kept'],
      [processed(outputKeys.runRequest('r1')), 'kept'],
      [processed(outputKeys.stageRecord('r1', 'FoldItems')), 'kept'],
      [processed(outputKeys.monitoring('r1')), 'kept'],
      [processed(outputKeys.alert('2024-01-15', 'volume')), 'kept'],
    ];
    const expiring = rules.filter((r) => r.Status === 'Enabled' && r.ExpirationInDays !== undefined);
    for (const [key, days] of keptDays) {
      const covering = expiring.filter((r) => key.startsWith(String(r.Prefix ?? '')));
      expect([key, covering.map((r) => r.ExpirationInDays)]).toEqual([key, days === 'kept' ? [] : [days]]);
    }
    // Every expiring rule governs some class of keys above (none is left over from an old layout).
    for (const rule of expiring) {
      expect([rule.Id, keptDays.some(([key]) => key.startsWith(String(rule.Prefix)))]).toEqual([
        rule.Id,
        true,
      ]);
    }
  });

  it('notify onRawInteractions of objects created under raw/interactions/', () => {
    const lake = resource(template, 'S3BucketLake');
    expect(prop(lake, 'BucketName')).toBe(LAKE_BUCKET);
    expect(prop(lake, 'NotificationConfiguration')).toEqual({
      LambdaConfigurations: [
        {
          Event: 's3:ObjectCreated:*',
          Function: { 'Fn::GetAtt': [functionLogicalId('onRawInteractions'), 'Arn'] },
          Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'raw/interactions/' }] } },
        },
      ],
    });
  });
});

describe('online table', () => {
  it('has pk, on-demand billing, point-in-time recovery and TTL on ttl', () => {
    const table = resource(template, 'FeatureTable');
    expect(table.Properties).toMatchObject({
      TableName: `${SERVICE}-${STAGE}-features`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });
});

describe('IAM', () => {
  it('gives every function a role of its own, writing its own log group', () => {
    const roleIds = new Set<string>();
    for (const key of Object.keys(FUNCTIONS)) {
      const role = roleOf(key);
      roleIds.add(text(prop(fn(key), 'Role')));
      const statements = roleStatements(role);
      const logs = statements.filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect([key, logs]).toEqual([
        key,
        [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [{ 'Fn::GetAtt': [logGroupLogicalId(key), 'Arn'] }],
          },
        ],
      ]);
    }
    expect(roleIds.size).toBe(Object.keys(FUNCTIONS).length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('uses no wildcard actions and no Resource "*" in any role', () => {
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const s of roleStatements(role)) {
        for (const action of s.Action) expect([id, action]).toEqual([id, expect.not.stringContaining('*')]);
        if (s.Resource.includes('*')) {
          expect([id, s.Action.filter((a) => !RESOURCE_STAR_ALLOWED.has(a))]).toEqual([id, []]);
        }
      }
    }
  });

  // A prefix (`…/*`) or one named key (runsStart's request.json).
  it('scopes S3 writes to processed/ (raw/interactions/ for the stream ingester, the snapshots for the sync)', () => {
    for (const key of Object.keys(FUNCTIONS)) {
      const writes = roleStatements(roleOf(key)).filter((s) =>
        s.Action.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject'),
      );
      for (const s of writes) {
        for (const r of s.Resource) {
          const allowed =
            key === 'ingestStream'
              ? /:::[^/]+\/raw\/interactions\/\*"/
              : key === 'syncSnapshots'
                ? /:::[^/]+\/raw\/(products|users)\/\*"/
                : /:::[^/]+\/processed\/[^"]+"/;
          expect([key, text(r)]).toEqual([key, expect.stringMatching(allowed)]);
        }
      }
    }
  });

  it('lets the state machine invoke exactly the pipeline tasks and run its Distributed Maps', () => {
    const sm = resource(template, 'PipelineStateMachine');
    expect(prop(sm, 'RoleArn')).toEqual({ 'Fn::GetAtt': ['PipelineStateMachineRole', 'Arn'] });
    const statements = roleStatements(resource(template, 'PipelineStateMachineRole'));
    const grantedTo = (action: string) =>
      sorted(statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource.map(text)));
    expect(sorted(statements.flatMap((s) => s.Action))).toEqual(
      sorted([
        'lambda:InvokeFunction',
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
      ]),
    );
    expect(grantedTo('lambda:InvokeFunction')).toEqual(
      sorted(
        TASK_STATES.map((state) => text({ 'Fn::GetAtt': [functionLogicalId(functionKey(state)), 'Arn'] })),
      ),
    );
    // Child executions are started on the state machine itself, by name (a Ref would be circular).
    const states = 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}';
    expect(grantedTo('states:StartExecution')).toEqual([
      text({ 'Fn::Sub': `${states}:stateMachine:${STATE_MACHINE}` }),
    ]);
    const executions = sorted([
      text({ 'Fn::Sub': `${states}:execution:${STATE_MACHINE}:*` }),
      text({ 'Fn::Sub': `${states}:execution:${STATE_MACHINE}/*` }),
    ]);
    expect(grantedTo('states:DescribeExecution')).toEqual(executions);
    expect(grantedTo('states:StopExecution')).toEqual(executions);
    // No reference to the state machine resource itself, which would make a dependency cycle.
    expect(text(resource(template, 'PipelineStateMachineRole'))).not.toContain('"PipelineStateMachine"');
  });
});

interface AslState {
  readonly Type: string;
  readonly Parameters?: { FunctionName?: string };
  readonly TimeoutSeconds?: number;
  readonly Retry?: unknown[];
  readonly Catch?: { Next: string }[];
  readonly ItemProcessor?: {
    readonly ProcessorConfig?: Record<string, unknown>;
    readonly States: Record<string, AslState>;
  };
  readonly Iterator?: { States: Record<string, AslState> };
}

function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, s]) => {
    const inner = s.ItemProcessor ?? s.Iterator;
    return [[name, s] as [string, AslState], ...(inner ? allStates(inner.States) : [])];
  });
}

describe('state machine', () => {
  let states: Record<string, AslState>;
  beforeAll(() => {
    const definition = prop<string>(resource(template, 'PipelineStateMachine'), 'DefinitionString');
    states = (JSON.parse(definition) as { States: Record<string, AslState> }).States;
  });
  const tasks = (): [string, AslState][] => allStates(states).filter(([, s]) => s.Type === 'Task');

  it('is named per stage', () => {
    expect(prop(resource(template, 'PipelineStateMachine'), 'StateMachineName')).toBe(STATE_MACHINE);
  });

  it('deploys its Maps as Distributed Maps of standard child executions', () => {
    const maps = allStates(states).filter(([, s]) => s.Type === 'Map');
    expect(sorted(maps.map(([name]) => name))).toEqual(
      sorted(['ValidateCleanDays', 'FoldUserShards', 'AssembleTrainingDays']),
    );
    for (const [name, s] of maps) {
      expect([name, s.ItemProcessor?.ProcessorConfig]).toEqual([
        name,
        { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
      ]);
    }
  });

  it('retries every task and catches failures into RecordFailure', () => {
    for (const [name, s] of tasks()) expect([name, (s.Retry ?? []).length > 0]).toEqual([name, true]);
    const caught = Object.entries(states).filter(([, s]) =>
      (s.Catch ?? []).some((c) => c.Next === 'RecordFailure'),
    );
    expect(caught.length).toBeGreaterThanOrEqual(4);
    expect(states.RecordFailure?.Type).toBe('Task');
  });

  it('invokes every pipeline task function and no other, by their resolved names', () => {
    const names = TASK_STATES.map((state) => `${SERVICE}-${STAGE}-${functionSuffix(state)}`);
    const invoked = tasks()
      .map(([, s]) => s.Parameters?.FunctionName)
      .filter((n): n is string => n !== undefined);
    expect(invoked.length).toBeGreaterThanOrEqual(names.length);
    expect(sorted([...new Set(invoked)])).toEqual(sorted(names));
  });

  it("runs each Task as a function of the template, with the Task's role, timing out with the function", () => {
    const byName = new Map(
      resourcesOfType(template, 'AWS::Lambda::Function').map(([id, f]) => [
        prop<string>(f, 'FunctionName'),
        id,
      ]),
    );
    for (const [name, s] of tasks()) {
      const id = byName.get(s.Parameters?.FunctionName ?? '');
      expect([name, id]).toEqual([name, functionLogicalId(`pipeline${name}`)]);
      const f = resource(template, id ?? '');
      expect([name, prop(f, 'Role')]).toEqual([name, { 'Fn::GetAtt': [`Pipeline${name}Role`, 'Arn'] }]);
      expect(resource(template, `Pipeline${name}Role`).Type).toBe('AWS::IAM::Role');
      expect([name, s.TimeoutSeconds]).toEqual([name, prop(f, 'Timeout')]);
    }
  });
});

describe('schedules and events', () => {
  const rules = (): CfnResource[] => resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) => r);
  const ruleFor = (expression: string) => rules().find((r) => prop(r, 'ScheduleExpression') === expression);

  it('starts a daily incremental run at 02:00 UTC and a weekly full run on Sunday 03:00 UTC', () => {
    const daily = ruleFor('cron(0 2 * * ? *)');
    const weekly = ruleFor('cron(0 3 ? * SUN *)');
    for (const [rule, input] of [
      [daily, { mode: 'incremental', schedule: 'daily' }],
      [weekly, { mode: 'full', schedule: 'weekly' }],
    ] as const) {
      const target = prop<{ Arn: unknown; Input: string }[]>(rule ?? { Type: '' }, 'Targets')[0];
      expect(target?.Arn).toEqual({ Ref: 'PipelineStateMachine' });
      expect(JSON.parse(target?.Input ?? 'null')).toEqual(input);
    }
  });

  it('checks freshness every hour', () => {
    const hourly = rules().find((r) =>
      ['rate(1 hour)', 'cron(0 * * * ? *)'].includes(prop(r, 'ScheduleExpression')),
    );
    const target = prop<{ Arn: unknown }[]>(hourly ?? { Type: '' }, 'Targets')[0];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [functionLogicalId('freshnessCheck'), 'Arn'] });
  });

  it('syncs the snapshots daily at 01:00 UTC, before the run, failures to the alerts topic, in no VPC by default', () => {
    const target = prop<{ Arn: unknown }[]>(ruleFor('cron(0 1 * * ? *)') ?? { Type: '' }, 'Targets')[0];
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [functionLogicalId('syncSnapshots'), 'Arn'] });
    const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => text(prop(c, 'FunctionName')) === text({ Ref: functionLogicalId('syncSnapshots') }),
    );
    expect(prop(config?.[1] ?? { Type: '' }, 'DestinationConfig')).toEqual({
      OnFailure: { Destination: { Ref: 'AlertsTopic' } },
    });
    // The VPC (and the role's ENI policy) only when subnets are given: empty by default.
    expect(template.Conditions?.SyncSnapshotsInVpc).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(prop(fn('syncSnapshots'), 'VpcConfig')).toMatchObject({
      'Fn::If': ['SyncSnapshotsInVpc', expect.anything(), { Ref: 'AWS::NoValue' }],
    });
    expect(prop(roleOf('syncSnapshots'), 'ManagedPolicyArns')).toMatchObject({
      'Fn::If': ['SyncSnapshotsInVpc', expect.anything(), { Ref: 'AWS::NoValue' }],
    });
  });

  it('reads the Kinesis stream with partial batch failures and bisection', () => {
    const [mapping] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m);
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['IngestStream', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': [functionLogicalId('ingestStream'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      BatchSize: expect.any(Number),
    });
    expect(resource(template, 'IngestStream').Type).toBe('AWS::Kinesis::Stream');
  });
});

describe('onRawInteractions failure destination', () => {
  const QUEUE = 'OnRawInteractionsFailuresQueue';

  it('sends events still failing after the async retries to a queue like the ingest failures queue', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, r]) => text(prop(r, 'FunctionName')) === text({ Ref: functionLogicalId('onRawInteractions') }),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]?.[1].Properties).toEqual({
      FunctionName: { Ref: functionLogicalId('onRawInteractions') },
      Qualifier: '$LATEST',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [QUEUE, 'Arn'] } } },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
    });
    const queue = resource(template, QUEUE);
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(prop(queue, 'MessageRetentionPeriod')).toBe(14 * 86_400);
    expect(prop(queue, 'SqsManagedSseEnabled')).toBe(true);
    const ingest = resource(template, 'IngestFailuresQueue');
    for (const name of ['MessageRetentionPeriod', 'SqsManagedSseEnabled', 'KmsMasterKeyId'])
      expect([name, prop(queue, name)]).toEqual([name, prop(ingest, name)]);
  });

  it('lets only onRawInteractions send to it', () => {
    const arn = text({ 'Fn::GetAtt': [QUEUE, 'Arn'] });
    const naming = (role: CfnResource) =>
      roleStatements(role).filter((s) => s.Resource.some((r) => text(r) === arn));
    const senders = resourcesOfType(template, 'AWS::IAM::Role').filter(([, role]) => naming(role).length > 0);
    expect(senders.map(([, role]) => role)).toEqual([roleOf('onRawInteractions')]);
    expect(naming(roleOf('onRawInteractions'))).toEqual([
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [{ 'Fn::GetAtt': [QUEUE, 'Arn'] }] },
    ]);
  });
});

describe('alerts and dashboard', () => {
  it('sends state machine failures to the SNS alerts topic', () => {
    expect(resource(template, 'AlertsTopic').Type).toBe('AWS::SNS::Topic');
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    const failed = alarms.find((a) => a.Namespace === 'AWS/States' && a.MetricName === 'ExecutionsFailed');
    expect(failed).toMatchObject({
      AlarmActions: [{ Ref: 'AlertsTopic' }],
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'PipelineStateMachine' } }],
    });
  });

  it('has a dashboard with ingestion, latency, validation and drift widgets', () => {
    expect(dashboardWidgets(template).map((w) => w.title)).toEqual([
      expect.stringMatching(/ingestion rate/i),
      expect.stringMatching(/latency/i),
      expect.stringMatching(/validation failure rate/i),
      expect.stringMatching(/feature distribution/i),
    ]);
  });

  it('plots only metrics the code emits (domain/monitoring/emf.ts) or an AWS service publishes', () => {
    const plotted = dashboardWidgets(template).flatMap((w) => w.metrics);
    const emitted: readonly string[] = Object.values(METRIC_NAMES);
    for (const { namespace, name } of plotted) {
      if (namespace === METRIC_NAMESPACE) expect([name, emitted.includes(name)]).toEqual([name, true]);
      else expect([name, namespace]).toEqual([name, expect.stringMatching(/^AWS\//)]);
    }
    const ours = plotted.filter((m) => m.namespace === METRIC_NAMESPACE).map((m) => m.name);
    expect(sorted([...new Set(ours)])).toEqual(
      sorted([METRIC_NAMES.rawRecords, METRIC_NAMES.rejectedShare, METRIC_NAMES.featurePsi]),
    );
  });

  it('plots end-to-end latency from API Gateway, from the request to the response', () => {
    const latency = dashboardWidgets(template).find((w) => /latency/i.test(w.title));
    expect(latency?.metrics).toContainEqual({ namespace: 'AWS/ApiGateway', name: 'Latency' });
  });

  it("draws each alerted metric's threshold line at the code's default, and no other line", () => {
    const thresholds: Partial<Record<MetricName, number>> = {
      [METRIC_NAMES.rejectedShare]: defaultConfig().maxRejectedShare,
      [METRIC_NAMES.featurePsi]: defaultMonitoringConfig().psiAlert,
    };
    const widgets = dashboardWidgets(template);
    for (const w of widgets) {
      const expected = w.metrics
        .filter((m) => m.namespace === METRIC_NAMESPACE)
        .flatMap((m) => thresholds[m.name as MetricName] ?? []);
      expect([w.title, w.thresholds]).toEqual([w.title, expected]);
    }
    expect(widgets.filter((w) => w.thresholds.length > 0)).toHaveLength(Object.keys(thresholds).length);
  });
});

describe('Glue Data Catalog', () => {
  const GLUE_TYPES: Record<ColumnType, string> = {
    STRING: 'string',
    DOUBLE: 'double',
    INT64: 'bigint',
    INT32: 'int',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
  };
  const expectedColumns = (specs: readonly ColumnSpec[]) =>
    specs.map((s) => ({ Name: s.name, Type: GLUE_TYPES[s.type] }));

  const tableInput = (name: string): Record<string, unknown> => {
    const found = resourcesOfType(template, 'AWS::Glue::Table')
      .map(([, t]) => prop<Record<string, unknown>>(t, 'TableInput'))
      .find((t) => t.Name === name);
    if (found === undefined) throw new Error(`no Glue table ${name}`);
    return found;
  };

  it.each([
    ['user_features', 'processed/features/users/', ['as_of'], USER_FILE_COLUMNS],
    ['item_features', 'processed/features/items/', ['as_of'], ITEM_FILE_COLUMNS],
    ['training_rows', 'processed/datasets/', ['run_id', 'split'], TRAINING_ROW_COLUMNS],
  ] as const)(
    '%s: Parquet over %s, partitioned by %j, with the columns of the output files',
    (name, prefix, keys, cols) => {
      expect(resourcesOfType(template, 'AWS::Glue::Database')).toHaveLength(1);
      const input = tableInput(name);
      expect((input.PartitionKeys as { Name: string }[]).map((k) => k.Name)).toEqual(keys);
      expect(input.StorageDescriptor).toMatchObject({
        Location: `s3://${LAKE_BUCKET}/${prefix}`,
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        Columns: expectedColumns(cols),
      });
    },
  );

  const PROCESSED = `s3://${LAKE_BUCKET}/processed/`;

  /** The reader of each file format: Parquet, JSON lines (OpenX), documents spanning lines (Ion). */
  const STORAGE: Record<TableFormat, Record<string, unknown>> = {
    parquet: {
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
    jsonl: {
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    },
    json: {
      InputFormat: 'com.amazon.ionhiveserde.formats.IonInputFormat',
      SerdeInfo: { SerializationLibrary: 'com.amazon.ionhiveserde.IonHiveSerDe' },
    },
  };

  /** One partition of each table and a key lake-layout.ts spells inside it. */
  const SAMPLE_PARTITION: Record<string, { values: Record<string, string>; key: string }> = {
    user_features: { values: { as_of: '2024-01-15' }, key: outputKeys.userFeatures('2024-01-15', 3) },
    item_features: { values: { as_of: '2024-01-15' }, key: outputKeys.itemFeatures('2024-01-15') },
    training_rows: {
      values: { run_id: 'full-20240101-20240130-abc', split: 'validation' },
      key: outputKeys.datasetPart('full-20240101-20240130-abc', 'validation', 2),
    },
    validation_reports: {
      values: { year: '2024', month: '01', day: '05' },
      key: outputKeys.report('2024-01-05'),
    },
    quarantine: {
      values: { dataset: 'products', year: '2024', month: '11', day: '30' },
      key: outputKeys.quarantine('products', '2024-11-30'),
    },
    alerts: { values: { date: '2024-01-15' }, key: outputKeys.alert('2024-01-15', 'drift') },
  };

  /** Whether a value is one the projection enumerates. */
  function projects(p: Projection, value: string): boolean {
    if (p.type === 'injected') return value !== '';
    if (p.type === 'enum') return p.values.includes(value);
    if (p.type === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(value);
    const [low = NaN, high = NaN] = p.range.split(',').map(Number);
    return value.length === p.digits && Number(value) >= low && Number(value) <= high;
  }

  it('holds exactly the tables of domain/lake-tables.ts (the views of npm run sql)', () => {
    const names = resourcesOfType(template, 'AWS::Glue::Table').map(
      ([, t]) => prop<{ Name: string }>(t, 'TableInput').Name,
    );
    expect([...names].sort()).toEqual(LAKE_TABLES.map((t) => t.name).sort());
  });

  it.each(LAKE_TABLES.map((t) => [t.name, t] as const))(
    '%s: the location, reader, columns and partition keys of lake-tables.ts',
    (name, table) => {
      const input = tableInput(name);
      expect(input.PartitionKeys).toEqual(table.partitionKeys.map((k) => ({ Name: k.name, Type: 'string' })));
      expect(input.StorageDescriptor).toMatchObject({
        Location: `${PROCESSED}${table.prefix}`,
        ...STORAGE[table.format],
        Columns: table.columns.map((c) => ({ Name: c.name, Type: c.type })),
      });
    },
  );

  it.each(LAKE_TABLES.filter((t) => t.partitionKeys.length > 0).map((t) => [t.name, t] as const))(
    '%s: partition projection on, one projection per partition key, a location template of the lake layout',
    (name, table) => {
      const params = tableInput(name).Parameters as Record<string, string>;
      expect(params['projection.enabled']).toBe('true');
      // A projection for every partition key and for nothing else.
      const projected = Object.keys(params)
        .filter((k) => /^projection\.[^.]+\.type$/.test(k))
        .map((k) => k.split('.')[1]);
      expect(projected).toEqual(table.partitionKeys.map((k) => k.name));
      const expected = projectionParameters(table, PROCESSED);
      expect(Object.fromEntries(Object.keys(expected).map((k) => [k, params[k]]))).toEqual(expected);
      // The template names each key once, and a partition's folder holds the keys lake-layout.ts writes.
      const template = params['storage.location.template'] ?? '';
      for (const key of table.partitionKeys) expect(template.split(`\${${key.name}}`)).toHaveLength(2);
      const sample = SAMPLE_PARTITION[name];
      if (sample === undefined) throw new Error(`no sample partition of ${name}`);
      for (const key of table.partitionKeys)
        expect([key.name, projects(key.projection, sample.values[key.name] ?? '')]).toEqual([key.name, true]);
      const folder = template.replace(/\$\{([a-z_]+)\}/g, (_, key: string) => sample.values[key] ?? '?');
      expect(folder).toBe(`${PROCESSED}${partitionLocation(table, sample.values)}`);
      const file = `${PROCESSED}${sample.key}`;
      expect(file.startsWith(folder)).toBe(true);
      expect(file.slice(folder.length)).toMatch(new RegExp(`^[^/]+${table.extension.replace('.', '\\.')}$`));
    },
  );
});
