/**
 * What IAM evaluates for one recorded SDK call: its action(s), resource ARN(s) and the condition
 * keys the request carries (`s3:prefix`, `dynamodb:LeadingKeys`). The mapping is by service, with
 * the operation name as the action unless IAM names it otherwise (the tables below), so a call the
 * code starts making is simulated without adding it anywhere.
 */
import type { SdkCall } from '../../adapters/sdk-calls';

/** One request as IAM authorises it. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys and their values (multivalued keys as arrays). */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** Where the requests go: the account and region, and each table's partition key attribute. */
export interface AwsScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /** The hash key attribute of a table (from the template), undefined when unknown. */
  readonly partitionKeyOf: (table: string) => string | undefined;
}

type Input = Readonly<Record<string, unknown>>;
type Item = Readonly<Record<string, { S?: string; N?: string; B?: unknown } | undefined>>;

// ---- S3 ----

/** S3 operations IAM authorises under another action (the rest: `s3:<Operation>`). */
const S3_ACTIONS: Readonly<Record<string, string>> = {
  HeadObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  ListObjects: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  ListParts: 's3:ListMultipartUploadParts',
  DeleteObjects: 's3:DeleteObject',
};

/** Answers of a read of a missing key: S3 gives them only to callers who may list the bucket (else 403). */
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);

function s3Requests(
  operation: string,
  input: Input,
  error: string | undefined,
  scope: AwsScope,
): IamRequest[] {
  const bucket = String(input.Bucket);
  const bucketArn = `arn:${scope.partition}:s3:::${bucket}`;
  const object = (key: unknown): string => `${bucketArn}/${String(key)}`;
  const action = S3_ACTIONS[operation] ?? `s3:${operation}`;
  if (operation === 'CopyObject' || operation === 'UploadPartCopy') {
    // CopySource is `bucket/key` (URL-encoded, optionally with ?versionId=): read there, write here.
    const source = decodeURIComponent(String(input.CopySource).replace(/^\//, '').replace(/\?.*$/, ''));
    return [
      { action: 's3:GetObject', resource: `arn:${scope.partition}:s3:::${source}`, context: {} },
      { action: 's3:PutObject', resource: object(input.Key), context: {} },
    ];
  }
  if (operation === 'DeleteObjects') {
    const objects = (input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? [];
    return objects.map((o) => ({ action, resource: object(o.Key), context: {} }));
  }
  if (action === 's3:ListBucket')
    return [
      {
        action,
        resource: bucketArn,
        context: input.Prefix === undefined ? {} : { 's3:prefix': String(input.Prefix) },
      },
    ];
  const request = { action, resource: input.Key === undefined ? bucketArn : object(input.Key), context: {} };
  // The code relies on "not found" (readJsonOrNull), which takes s3:ListBucket, unconditionally.
  if (error !== undefined && NOT_FOUND.has(error))
    return [request, { action: 's3:ListBucket', resource: bucketArn, context: {} }];
  return [request];
}

// ---- DynamoDB ----

/** What a transaction's item asks for, by its kind. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/** The items one table request touches (keys or whole items), per table. */
function touchedItems(operation: string, input: Input): { table: string; items: Item[]; action: string }[] {
  const own = (items: (Item | undefined)[]) => items.filter((i): i is Item => i !== undefined);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
    return Object.entries(requests).map(([table, request]) => ({
      table,
      action: `dynamodb:${operation}`,
      items:
        operation === 'BatchGetItem'
          ? own((request as { Keys?: Item[] }).Keys ?? [])
          : own(
              (request as { PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }[]).map(
                (w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key,
              ),
            ),
    }));
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return (
      (input.TransactItems ?? []) as Record<string, { TableName: string; Key?: Item; Item?: Item }>[]
    ).map((entry) => {
      const [kind = '', body] = Object.entries(entry)[0] ?? [];
      return {
        table: body?.TableName ?? '',
        action: TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`,
        items: own([body?.Key ?? body?.Item]),
      };
    });
  }
  return [
    {
      table: String(input.TableName),
      action: `dynamodb:${operation}`,
      items: own([(input.Key ?? input.Item) as Item | undefined]),
    },
  ];
}

/** The scalar value of an attribute, as IAM compares it. */
const scalar = (value: { S?: string; N?: string } | undefined): string | undefined => value?.S ?? value?.N;

function dynamoDbRequests(operation: string, input: Input, scope: AwsScope): IamRequest[] {
  return touchedItems(operation, input).map(({ table, items, action }): IamRequest => {
    const hashKey = scope.partitionKeyOf(table);
    const leading = hashKey === undefined ? [] : items.map((i) => scalar(i[hashKey]));
    const keys = [...new Set(leading.filter((k): k is string => k !== undefined))];
    return {
      action,
      resource: `arn:${scope.partition}:dynamodb:${scope.region}:${scope.accountId}:table/${table}`,
      // No key (a table operation, a Query): no LeadingKeys, so a ForAllValues condition would hold.
      context: keys.length === 0 ? {} : { 'dynamodb:LeadingKeys': keys },
    };
  });
}

// ---- Step Functions and SNS: the action is the operation, the resource the ARN the input names ----

function arnRequest(prefix: string, operation: string, arn: unknown): IamRequest[] {
  if (typeof arn !== 'string') throw new Error(`${prefix}:${operation}: the input names no resource ARN`);
  return [{ action: `${prefix}:${operation}`, resource: arn, context: {} }];
}

/** The IAM requests of one SDK call; throws naming the service when it has no mapping yet. */
export function iamRequestsOf(call: SdkCall, scope: AwsScope): IamRequest[] {
  const { service, operation, input } = call;
  if (service === 'S3') return s3Requests(operation, input, call.error, scope);
  if (service === 'DynamoDB') return dynamoDbRequests(operation, input, scope);
  if (service === 'SFN')
    return arnRequest('states', operation, input.executionArn ?? input.stateMachineArn ?? input.mapRunArn);
  if (service === 'SNS') return arnRequest('sns', operation, input.TopicArn ?? input.TargetArn);
  // The secret as the call names it (the function is given ARNs): IAM matches the secret's full ARN.
  if (service === 'SecretsManager') return arnRequest('secretsmanager', operation, input.SecretId);
  throw new Error(
    `no IAM mapping for ${service} ${operation}: add the service to tests/support/iam-requests.ts`,
  );
}

/** A short line naming the call (for reports): service, operation and what it was about. */
export function describeCall(call: SdkCall): string {
  const i = call.input;
  const about =
    i.Bucket !== undefined
      ? `s3://${String(i.Bucket)}/${String(i.Key ?? i.Prefix ?? '')}`
      : String(
          i.TableName ??
            i.SecretId ??
            i.executionArn ??
            i.stateMachineArn ??
            i.TopicArn ??
            Object.keys(i.RequestItems ?? {}).join(','),
        );
  return `${call.service} ${call.operation} ${about}`;
}
