import { defaultConfig } from '../../../domain/config';
import { ITEM_FILE_COLUMNS, TRAINING_ROW_COLUMNS, USER_FILE_COLUMNS } from '../../../domain/features/columns';
import { defaultMonitoringConfig } from '../../../domain/monitoring/config';
import {
  TASK_TIMEOUT_SECONDS,
  type TaskState,
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

const S3_PIPELINE = ['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:DeleteObject'];
const S3_STAGE = ['s3:GetObject', 's3:ListBucket', 's3:PutObject'];
const FEATURE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'];

/** Every function: its handler file and the actions its role grants besides its own logs. */
const FUNCTIONS: Record<string, { readonly handler: string; readonly actions: readonly string[] }> = {
  pipelinePlan: { handler: 'pipeline-plan', actions: S3_PIPELINE },
  pipelineValidateCleanDay: { handler: 'pipeline-validate-clean-day', actions: S3_STAGE },
  pipelineFoldItems: { handler: 'pipeline-fold-items', actions: S3_PIPELINE },
  pipelineFoldUsers: { handler: 'pipeline-fold-users', actions: S3_STAGE },
  pipelineAssembleDays: { handler: 'pipeline-assemble-days', actions: S3_STAGE },
  pipelinePublish: {
    handler: 'pipeline-publish',
    actions: [...S3_PIPELINE, 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
  },
  pipelineMonitor: { handler: 'pipeline-monitor', actions: [...S3_PIPELINE, 'sns:Publish'] },
  // Writes the manifest and deletes the run's staging/ under the output root.
  pipelineCommitRun: { handler: 'pipeline-commit-run', actions: S3_PIPELINE },
  pipelineRecordFailure: { handler: 'pipeline-record-failure', actions: [...S3_PIPELINE, 'sns:Publish'] },
  // Registers the run in processed/runs/ before starting it (RunControl), then reads its view.
  runsStart: {
    handler: 'runs-start',
    actions: [
      'states:StartExecution',
      'states:DescribeExecution',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ],
  },
  runsGet: { handler: 'runs-get', actions: ['states:DescribeExecution', 's3:GetObject', 's3:ListBucket'] },
  runsList: { handler: 'runs-list', actions: ['states:DescribeExecution', 's3:GetObject', 's3:ListBucket'] },
  validationsCreate: {
    handler: 'validations-create',
    actions: ['s3:GetObject', 's3:ListBucket', 's3:PutObject'],
  },
  validationReportsGet: { handler: 'validation-reports-get', actions: ['s3:GetObject', 's3:ListBucket'] },
  datasetsGet: { handler: 'datasets-get', actions: ['s3:GetObject', 's3:ListBucket'] },
  featuresUserGet: { handler: 'features-user-get', actions: FEATURE_READ },
  featuresItemGet: { handler: 'features-item-get', actions: FEATURE_READ },
  featuresOnline: { handler: 'features-online', actions: FEATURE_READ },
  alertsList: { handler: 'alerts-list', actions: ['s3:ListBucket', 's3:GetObject'] },
  health: { handler: 'health', actions: [] },
  ingestStream: {
    handler: 'ingest-stream',
    actions: [
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      's3:PutObject',
      'sqs:SendMessage',
    ],
  },
  onRawInteractions: {
    handler: 'on-raw-interactions',
    actions: ['s3:GetObject', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:TransactWriteItems'],
  },
  freshnessCheck: { handler: 'freshness-check', actions: ['s3:ListBucket', 's3:PutObject', 'sns:Publish'] },
};

/** The pipeline task functions: function key `pipeline<State>` for every Task state of the ASL. */
const TASK_STATES = Object.keys(TASK_TIMEOUT_SECONDS) as TaskState[];
const taskKey = (state: TaskState): string => `pipeline${state}`;

/** Memory (MB) of the stages sized in serverless.yml's `custom.taskMemory`; other tasks keep the default. */
const TASK_MEMORY_MB: Partial<Record<TaskState, number>> = {
  ValidateCleanDay: 2048,
  FoldItems: 3008,
  FoldUsers: 3008,
  AssembleDays: 3008,
};
const DEFAULT_MEMORY_MB = 1024;

/**
 * The lake keys each scoped stage's role may touch, per S3 action: `''` is the bucket itself
 * (ListBucket, unconditional so that a missing key reads as 404), other entries are key patterns.
 */
const STAGE_S3: Record<string, Record<string, readonly string[]>> = {
  pipelineValidateCleanDay: {
    's3:ListBucket': [''],
    's3:GetObject': ['raw/*', 'processed/validation_reports/*', 'processed/runs/*'],
    's3:PutObject': [
      'processed/validation_reports/*',
      'processed/quarantine/*',
      'processed/staging/*',
      'processed/runs/*/stages/*',
    ],
  },
  pipelineFoldItems: {
    's3:ListBucket': [''],
    's3:GetObject': ['processed/runs/*', 'processed/staging/*', 'processed/state/*'],
    's3:PutObject': [
      'processed/staging/*',
      'processed/features/items/*',
      'processed/state/*',
      'processed/runs/*/stages/*',
    ],
    's3:DeleteObject': [
      'processed/datasets/*',
      'processed/features/users/*',
      'processed/features/user_affinity/*',
      'processed/state/*/users/*',
    ],
  },
  pipelineFoldUsers: {
    's3:ListBucket': [''],
    's3:GetObject': ['processed/runs/*', 'processed/staging/*', 'processed/state/*'],
    's3:PutObject': [
      'processed/staging/*',
      'processed/features/users/*',
      'processed/features/user_affinity/*',
      'processed/state/*',
      'processed/runs/*/stages/*',
    ],
  },
  pipelineAssembleDays: {
    's3:ListBucket': [''],
    's3:GetObject': ['processed/runs/*', 'processed/staging/*'],
    's3:PutObject': ['processed/datasets/*', 'processed/runs/*/stages/*'],
  },
};

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
];

/** Actions that cannot be scoped to a resource; none is used today. */
const RESOURCE_STAR_ALLOWED = new Set(['cloudwatch:PutMetricData', 'logs:CreateLogGroup']);

const text = (value: unknown): string => JSON.stringify(value);
/** The lake key pattern an S3 resource names (`''` for the bucket), from its `Fn::Sub` ARN. */
const lakeKeyOf = (r: unknown): string => {
  const arn = (r as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  const m = typeof arn === 'string' ? /^arn:\$\{AWS::Partition\}:s3:::[^/]+(?:\/(.*))?$/.exec(arn) : null;
  if (m === null) throw new Error(`not an S3 ARN of the lake: ${text(r)}`);
  return m[1] ?? '';
};
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
    for (const [key, { handler }] of Object.entries(FUNCTIONS)) {
      expect(prop(fn(key), 'Handler')).toBe(`handlers/${handler}.handler`);
      expect(prop(fn(key), 'Runtime')).toBe('nodejs24.x');
    }
  });

  it('names the pipeline tasks <service>-<stage>-<kebab-name>, each with role Pipeline<State>Role', () => {
    for (const state of TASK_STATES) {
      expect(prop(fn(taskKey(state)), 'FunctionName')).toBe(`${SERVICE}-${STAGE}-${functionSuffix(state)}`);
      expect(prop(fn(taskKey(state)), 'Role')).toEqual({ 'Fn::GetAtt': [`Pipeline${state}Role`, 'Arn'] });
    }
  });

  it('sizes the memory of the stages that hold a day or a shard, and leaves the other tasks at the default', () => {
    for (const state of TASK_STATES) {
      const expected = TASK_MEMORY_MB[state] ?? DEFAULT_MEMORY_MB;
      expect([state, prop(fn(taskKey(state)), 'MemorySize')]).toEqual([state, expected]);
    }
  });

  it("gives every pipeline function the timeout its Task's TimeoutSeconds says, so both engines agree", () => {
    for (const state of TASK_STATES)
      expect([state, prop(fn(taskKey(state)), 'Timeout')]).toEqual([state, TASK_TIMEOUT_SECONDS[state]]);
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

  it('apply the retention policy by prefix', () => {
    const rules = prop<{ Rules: Record<string, unknown>[] }>(
      resource(template, 'S3BucketLake'),
      'LifecycleConfiguration',
    ).Rules;
    const byPrefix = (prefix: string) => rules.find((r) => r.Prefix === prefix && r.Status === 'Enabled');
    expect(byPrefix('raw/interactions/')).toMatchObject({
      Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 90 }],
      ExpirationInDays: 730,
    });
    expect(byPrefix('processed/features/')).toMatchObject({ ExpirationInDays: 365 });
    expect(byPrefix('processed/datasets/')).toMatchObject({ ExpirationInDays: 180 });
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
  it('gives every function a role of its own that grants only what the function needs', () => {
    const roleIds = new Set<string>();
    for (const [key, { actions }] of Object.entries(FUNCTIONS)) {
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
      const granted = statements.filter((s) => !logs.includes(s)).flatMap((s) => s.Action);
      expect([key, sorted(granted)]).toEqual([key, sorted(actions)]);
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
  it('scopes S3 writes to processed/ (and raw/interactions/ for the stream ingester)', () => {
    for (const [key] of Object.entries(FUNCTIONS)) {
      const writes = roleStatements(roleOf(key)).filter((s) =>
        s.Action.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject'),
      );
      for (const s of writes) {
        for (const r of s.Resource) {
          const allowed =
            key === 'ingestStream' ? /:::[^/]+\/raw\/interactions\/\*"/ : /:::[^/]+\/processed\/[^"]+"/;
          expect([key, text(r)]).toEqual([key, expect.stringMatching(allowed)]);
        }
      }
    }
  });

  it("scopes each Map stage's and FoldItems' S3 access to the keys it reads, writes and deletes", () => {
    for (const [key, expected] of Object.entries(STAGE_S3)) {
      const granted: Record<string, string[]> = {};
      for (const s of roleStatements(roleOf(key)).filter((st) =>
        st.Action.some((a) => a.startsWith('s3:')),
      )) {
        // ListBucket must not be narrowed by a prefix condition: S3 then answers 403 for a missing key.
        expect([key, s.Action, s.Condition]).toEqual([key, s.Action, undefined]);
        for (const action of s.Action) (granted[action] ??= []).push(...s.Resource.map(lakeKeyOf));
      }
      const normalised = (grants: Record<string, readonly string[]>) =>
        Object.fromEntries(Object.entries(grants).map(([a, keys]) => [a, sorted(keys)]));
      expect([key, normalised(granted)]).toEqual([key, normalised(expected)]);
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
      sorted(TASK_STATES.map((state) => text({ 'Fn::GetAtt': [functionLogicalId(taskKey(state)), 'Arn'] }))),
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
});
