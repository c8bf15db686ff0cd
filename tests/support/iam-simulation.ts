/**
 * The IAM simulation: every SDK call a function made (recorded by adapters/sdk-calls.ts) and every
 * call the Lambda service makes with the function's role (logs, event source reads, failure
 * destinations) is evaluated against that function's role in the packaged template by a real IAM
 * policy evaluator (@cloud-copilot/iam-simulate), with the template's intrinsics resolved to
 * concrete ARNs of one account. The result lists each denied call and each grant no call used.
 */
import { type RequestAnalysis, runSimulation } from '@cloud-copilot/iam-simulate';

import type { SdkCall } from '../../adapters/sdk-calls';
import { type AwsScope, type IamRequest, describeCall, iamRequestsOf } from './iam-requests';
import { AWS, arnOf, resolve } from './cfn-resolve';
import { type CfnTemplate, logGroupLogicalId, prop, resource } from './template';

// ---- Functions, their roles and what the Lambda service does with them ----

/** An inline policy of a role, resolved. */
interface Policy {
  readonly name: string;
  readonly document: { readonly Statement: readonly Statement[] };
}

interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: unknown;
}

/** One function of the template: its serverless.yml key, names, role and the role's policies. */
export interface TemplateFunction {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly roleId: string;
  readonly policies: readonly Policy[];
}

/** Every `AWS::Lambda::Function` of the template (serverless.yml's functions), by function key. */
export function templateFunctions(template: CfnTemplate): Map<string, TemplateFunction> {
  const out = new Map<string, TemplateFunction>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function' || !id.endsWith('LambdaFunction')) continue;
    const key = `${id.charAt(0).toLowerCase()}${id.slice(1, -'LambdaFunction'.length)}`;
    const roleId = (prop<{ 'Fn::GetAtt'?: [string, string] }>(r, 'Role')['Fn::GetAtt'] ?? [])[0];
    if (roleId === undefined) throw new Error(`${key} has no role of its own`);
    const policies = (prop<unknown[] | undefined>(resource(template, roleId), 'Policies') ?? []).map((p) => {
      const { PolicyName, PolicyDocument } = resolve(template, p) as {
        PolicyName: string;
        PolicyDocument: Policy['document'];
      };
      return { name: PolicyName, document: PolicyDocument };
    });
    const name = String(resolve(template, r.Properties?.FunctionName));
    out.set(key, { key, name, arn: arnOf('lambda', `function:${name}`), roleId, policies });
  }
  return out;
}

/**
 * The Lambda service's own calls with a function's role, never the code's: the one list of what
 * a role grants that no recorded call can use, each derived from the template.
 * - The runtime writes the function's logs to its log group.
 * - A Kinesis event source mapping reads the stream (describe, list shards, iterators, records).
 * - A failure destination (of an event source mapping, or of asynchronous invocations: an
 *   `AWS::Lambda::EventInvokeConfig`) receives the failed event: sqs:SendMessage or sns:Publish.
 */
export function lambdaServiceRequests(template: CfnTemplate, fn: TemplateFunction): IamRequest[] {
  const logGroup = resolve(template, { Ref: logGroupLogicalId(fn.key) });
  const stream = arnOf(
    'logs',
    `log-group:${String(logGroup)}:log-stream:2024/01/01/[$LATEST]0123456789abcdef`,
  );
  const requests: IamRequest[] = [
    { action: 'logs:CreateLogStream', resource: stream, context: {} },
    { action: 'logs:PutLogEvents', resource: stream, context: {} },
  ];
  const isThisFunction = (ref: unknown) => [fn.name, fn.arn].includes(String(resolve(template, ref)));
  const destination = (arn: unknown): IamRequest => {
    const target = String(resolve(template, arn));
    const service = target.split(':')[2];
    if (service === 'sqs') return { action: 'sqs:SendMessage', resource: target, context: {} };
    if (service === 'sns') return { action: 'sns:Publish', resource: target, context: {} };
    throw new Error(`${fn.key}: no rule for a failure destination on ${target}`);
  };
  for (const r of Object.values(template.Resources)) {
    if (!isThisFunction(r.Properties?.FunctionName)) continue;
    const onFailure = prop<{ OnFailure?: { Destination?: unknown } } | undefined>(
      r,
      'DestinationConfig',
    )?.OnFailure;
    if (onFailure?.Destination !== undefined) requests.push(destination(onFailure.Destination));
    if (r.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const source = String(resolve(template, prop(r, 'EventSourceArn')));
    if (source.split(':')[2] !== 'kinesis')
      throw new Error(`${fn.key}: no rule for the event source ${source}`);
    for (const action of [
      'DescribeStream',
      'DescribeStreamSummary',
      'GetRecords',
      'GetShardIterator',
      'ListShards',
    ])
      requests.push({ action: `kinesis:${action}`, resource: source, context: {} });
  }
  return requests;
}

/** The hash key attribute of each `AWS::DynamoDB::Table`, by table name. */
export function awsScope(template: CfnTemplate): AwsScope {
  const keys = new Map<string, string>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::DynamoDB::Table') continue;
    const hash = prop<{ AttributeName: string; KeyType: string }[]>(r, 'KeySchema').find(
      (k) => k.KeyType === 'HASH',
    );
    if (hash !== undefined) keys.set(String(resolve(template, prop(r, 'TableName'))), hash.AttributeName);
  }
  return { ...AWS, partitionKeyOf: (table) => keys.get(table) };
}

// ---- Recording ----

/** One distinct IAM request of one function, with an example of the call that made it. */
export interface RecordedRequest extends IamRequest {
  readonly functionKey: string;
  readonly call: string;
}

/** Collects the IAM requests of recorded SDK calls, each distinct one once. */
export class CallLog {
  private readonly requests = new Map<string, RecordedRequest>();
  /** Functions that ran (a function that makes no AWS call still runs). */
  readonly ran = new Set<string>();

  constructor(private readonly scope: AwsScope) {}

  /**
   * The recorder to give the wiring (`sdkCalls`). Calls outside any function are the test harness's
   * own (the local engine reading the manifest it returns), not a Lambda's: not IAM's business.
   */
  readonly record = (call: SdkCall): void => {
    if (call.functionKey === undefined) return;
    this.ran.add(call.functionKey);
    for (const request of iamRequestsOf(call, this.scope))
      this.add({ ...request, functionKey: call.functionKey, call: describeCall(call) });
  };

  private add(request: RecordedRequest): void {
    const id = JSON.stringify([request.functionKey, request.action, request.resource, request.context]);
    if (!this.requests.has(id)) this.requests.set(id, request);
  }

  all(): RecordedRequest[] {
    return [...this.requests.values()];
  }
}

// ---- Evaluation ----

/** A call the function's role does not allow. */
export interface Denial {
  readonly functionKey: string;
  readonly call: string;
  readonly action: string;
  readonly resource: string;
  readonly context: IamRequest['context'];
}

/** One action on one resource of one statement of a role. */
export interface Grant {
  readonly role: string;
  readonly statement: string;
  readonly action: string;
  readonly resource: string;
}

/** What the simulation found. */
export interface SimulationResult {
  readonly denied: readonly Denial[];
  readonly unused: readonly Grant[];
  /** Distinct requests evaluated. */
  readonly requests: number;
}

const list = <T>(v: T | readonly T[] | undefined): readonly T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v as T];
const statementName = (policy: string, index: number, s: Statement) => `${policy}#${s.Sid ?? index + 1}`;
const grantId = (g: Grant) => JSON.stringify([g.role, g.statement, g.action, g.resource]);

/** Every Allow grant of a function's role: one per statement, action and resource. */
function grantsOf(fn: TemplateFunction): Grant[] {
  return fn.policies.flatMap((p) =>
    p.document.Statement.flatMap((s, i) =>
      s.Effect !== 'Allow'
        ? []
        : list(s.Action).flatMap((action) =>
            list(s.Resource).map((resource) => ({
              role: fn.roleId,
              statement: statementName(p.name, i, s),
              action,
              resource,
            })),
          ),
    ),
  );
}

/** One identity statement as the evaluator analysed it for a request. */
type StatementAnalysis = NonNullable<RequestAnalysis['identityAnalysis']>['allowStatements'][number];

/** The grants an allowing statement used: its actions × resources that matched the request. */
function grantsUsed(fn: TemplateFunction, allowing: StatementAnalysis): Grant[] {
  const policy = fn.policies.find((p) => p.name === allowing.policyId);
  // The evaluator numbers statements from 1 within their policy.
  const index = allowing.statement.index() - 1;
  const s = policy?.document.Statement[index];
  if (policy === undefined || s === undefined)
    throw new Error(`${fn.roleId}: no statement ${index + 1} in ${allowing.policyId}`);
  const statement = statementName(policy.name, index, s);
  const actions = list(allowing.explain.actions).filter((a) => a.matches);
  const resources = list(allowing.explain.resources).filter((r) => r.matches);
  return actions.flatMap((a) =>
    resources.map((r) => ({ role: fn.roleId, statement, action: a.action, resource: r.resource })),
  );
}

/** Evaluates one request against the function's role; returns the grants that allowed it, or null when denied. */
async function evaluate(fn: TemplateFunction, request: IamRequest): Promise<Grant[] | null> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:${AWS.partition}:iam::${AWS.accountId}:role/${fn.roleId}`,
        action: request.action,
        resource: { resource: request.resource, accountId: AWS.accountId },
        contextVariables: request.context as Record<string, string | string[]>,
      },
      identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error')
    throw new Error(
      `cannot simulate ${request.action} on ${request.resource} for ${fn.key}: ${result.errors.message} ${JSON.stringify(result.errors)}`,
    );
  if (result.overallResult !== 'Allowed') return null;
  const analyses = result.resultType === 'single' ? [result.result] : result.results;
  return analyses.flatMap((a) =>
    (a.analysis.identityAnalysis?.allowStatements ?? []).flatMap((s) => grantsUsed(fn, s)),
  );
}

/** Whether the role of `functionKey` allows `request` (a check of one grant's limits). */
export async function allows(
  template: CfnTemplate,
  functionKey: string,
  request: IamRequest,
): Promise<boolean> {
  const fn = templateFunctions(template).get(functionKey);
  if (fn === undefined) throw new Error(`serverless.yml declares no function ${functionKey}`);
  return (await evaluate(fn, request)) !== null;
}

/**
 * Evaluates every recorded request (plus the Lambda service's own) against its function's role.
 * Denied: requests no statement allows. Unused: grants of the roles of functions that ran that no
 * request used.
 */
export async function simulate(template: CfnTemplate, log: CallLog): Promise<SimulationResult> {
  const functions = templateFunctions(template);
  const requests: RecordedRequest[] = [
    ...log.all(),
    ...[...functions.values()].flatMap((fn) =>
      lambdaServiceRequests(template, fn).map((r) => ({ ...r, functionKey: fn.key, call: 'Lambda service' })),
    ),
  ];
  const denied: Denial[] = [];
  const used = new Set<string>();
  for (const r of requests) {
    const fn = functions.get(r.functionKey);
    if (fn === undefined)
      throw new Error(`calls recorded for ${r.functionKey}, which serverless.yml does not declare`);
    const grants = await evaluate(fn, r);
    if (grants === null)
      denied.push({
        functionKey: r.functionKey,
        call: r.call,
        action: r.action,
        resource: r.resource,
        context: r.context,
      });
    else for (const g of grants) used.add(grantId(g));
  }
  const unused = [...functions.values()].flatMap((fn) => grantsOf(fn)).filter((g) => !used.has(grantId(g)));
  return { denied, unused, requests: requests.length };
}

/** A denied call as one line: function | call | action | resource [condition keys]. */
export function denialLine(d: Denial): string {
  const context = Object.keys(d.context).length === 0 ? '' : ` ${JSON.stringify(d.context)}`;
  return `${d.functionKey} | ${d.call} | ${d.action} | ${d.resource}${context}`;
}

/** An unused grant as one line: role | statement | action | resource. */
export function grantLine(g: Grant): string {
  return `${g.role} | ${g.statement} | ${g.action} | ${g.resource}`;
}

/** The result as text: every denied call and unused grant, one per line. */
export function formatResult(result: SimulationResult): string {
  return [
    `${result.requests} distinct requests evaluated`,
    `denied calls (${result.denied.length}): function | call | action | resource [condition keys]`,
    ...result.denied.map((d) => `  ${denialLine(d)}`),
    `unused grants (${result.unused.length}): role | statement | action | resource`,
    ...result.unused.map((g) => `  ${grantLine(g)}`),
  ].join('\n');
}
