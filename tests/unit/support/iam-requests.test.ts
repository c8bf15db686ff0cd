/** The IAM requests of SDK calls: the action each operation is authorised under, its ARN(s) and condition keys. */
import type { SdkCall } from '../../../adapters/sdk-calls';
import { type AwsScope, iamRequestsOf } from '../../support/iam-requests';

const SCOPE: AwsScope = {
  partition: 'aws',
  region: 'us-east-1',
  accountId: '123456789012',
  partitionKeyOf: (table) => (table === 't' ? 'pk' : undefined),
};
const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/t';

const call = (
  service: string,
  operation: string,
  input: Record<string, unknown>,
  error?: string,
): SdkCall => ({
  functionKey: 'f',
  service,
  operation,
  input,
  error,
});
const requests = (c: SdkCall) => iamRequestsOf(c, SCOPE).map((r) => [r.action, r.resource, r.context]);

describe('iamRequestsOf', () => {
  it('authorises S3 reads, lists, multipart parts and deletes under the actions IAM names', () => {
    expect(requests(call('S3', 'HeadObject', { Bucket: 'b', Key: 'k/1' }))).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::b/k/1', {}],
    ]);
    expect(requests(call('S3', 'ListObjectsV2', { Bucket: 'b', Prefix: 'raw/' }))).toEqual([
      ['s3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': 'raw/' }],
    ]);
    expect(requests(call('S3', 'UploadPart', { Bucket: 'b', Key: 'k', PartNumber: 2 }))).toEqual([
      ['s3:PutObject', 'arn:aws:s3:::b/k', {}],
    ]);
    expect(
      requests(
        call('S3', 'DeleteObjects', { Bucket: 'b', Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }] } }),
      ),
    ).toEqual([
      ['s3:DeleteObject', 'arn:aws:s3:::b/x', {}],
      ['s3:DeleteObject', 'arn:aws:s3:::b/y', {}],
    ]);
  });

  it('reads the source and writes the target of a copy', () => {
    expect(
      requests(call('S3', 'CopyObject', { Bucket: 'b', Key: 'to', CopySource: 'src/a%3D1/f?versionId=3' })),
    ).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::src/a=1/f', {}],
      ['s3:PutObject', 'arn:aws:s3:::b/to', {}],
    ]);
  });

  it('adds an unconditional ListBucket to a read that found nothing (S3 says 404 only to listers)', () => {
    expect(requests(call('S3', 'GetObject', { Bucket: 'b', Key: 'gone' }, 'NoSuchKey'))).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::b/gone', {}],
      ['s3:ListBucket', 'arn:aws:s3:::b', {}],
    ]);
    expect(requests(call('S3', 'GetObject', { Bucket: 'b', Key: 'k' }, 'AccessDenied'))).toHaveLength(1);
  });

  it('gives DynamoDB requests the partition keys of every item they touch as dynamodb:LeadingKeys', () => {
    expect(
      requests(call('DynamoDB', 'PutItem', { TableName: 't', Item: { pk: { S: 'USER#1' }, v: { N: '1' } } })),
    ).toEqual([['dynamodb:PutItem', TABLE, { 'dynamodb:LeadingKeys': ['USER#1'] }]]);
    const batch = {
      RequestItems: { t: { Keys: [{ pk: { S: 'A' } }, { pk: { S: 'B' } }, { pk: { S: 'A' } }] } },
    };
    expect(requests(call('DynamoDB', 'BatchGetItem', batch))).toEqual([
      ['dynamodb:BatchGetItem', TABLE, { 'dynamodb:LeadingKeys': ['A', 'B'] }],
    ]);
    const writes = {
      RequestItems: {
        t: [{ PutRequest: { Item: { pk: { S: 'A' } } } }, { DeleteRequest: { Key: { pk: { S: 'C' } } } }],
      },
    };
    expect(requests(call('DynamoDB', 'BatchWriteItem', writes))).toEqual([
      ['dynamodb:BatchWriteItem', TABLE, { 'dynamodb:LeadingKeys': ['A', 'C'] }],
    ]);
    const transaction = {
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: { S: 'A' } } } },
        { Update: { TableName: 't', Key: { pk: { S: 'B' } } } },
      ],
    };
    expect(requests(call('DynamoDB', 'TransactWriteItems', transaction))).toEqual([
      ['dynamodb:PutItem', TABLE, { 'dynamodb:LeadingKeys': ['A'] }],
      ['dynamodb:UpdateItem', TABLE, { 'dynamodb:LeadingKeys': ['B'] }],
    ]);
    expect(requests(call('DynamoDB', 'DescribeTable', { TableName: 't' }))).toEqual([
      ['dynamodb:DescribeTable', TABLE, {}],
    ]);
  });

  it('names Step Functions and SNS requests by the ARN of their input', () => {
    const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';
    expect(requests(call('SFN', 'StartExecution', { stateMachineArn: machine, name: 'r' }))).toEqual([
      ['states:StartExecution', machine, {}],
    ]);
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:m:r';
    expect(requests(call('SFN', 'DescribeExecution', { executionArn: execution }))).toEqual([
      ['states:DescribeExecution', execution, {}],
    ]);
    const topic = 'arn:aws:sns:us-east-1:123456789012:alerts';
    expect(requests(call('SNS', 'Publish', { TopicArn: topic, Message: 'm' }))).toEqual([
      ['sns:Publish', topic, {}],
    ]);
  });

  it('refuses a service it has no mapping for, naming it', () => {
    expect(() => iamRequestsOf(call('SQS', 'SendMessage', {}), SCOPE)).toThrow(
      /no IAM mapping for SQS SendMessage/,
    );
  });
});
