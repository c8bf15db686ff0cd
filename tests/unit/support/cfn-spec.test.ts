import { checkTemplate, formatProblem } from '../../support/cfn-spec';
import type { CfnTemplate } from '../../support/template';

/** The template checker on small hand-written templates: each problem found, named, and nothing else. */

const lambdaRole = {
  Type: 'AWS::IAM::Role',
  Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
};
/** A function with every required property, its values given through intrinsics where they can be. */
const validFunction = {
  Type: 'AWS::Lambda::Function',
  DependsOn: 'Role',
  Properties: {
    Code: { S3Bucket: { Ref: 'AWS::NoValue' }, S3Key: { 'Fn::Join': ['/', ['a', 'b.zip']] } },
    Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
    Handler: 'handlers/x.handler',
    Runtime: 'nodejs24.x',
    // CloudFormation converts numeric strings and "true"/"false" where numbers and Booleans go.
    Timeout: '29',
    MemorySize: 1024,
    Architectures: ['arm64'],
    Environment: { Variables: { A: 'x', B: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}' }, C: 3 } },
    Tags: [{ Key: 'service', Value: 'x' }],
    Layers: { 'Fn::Split': [',', 'a,b'] },
    ReservedConcurrentExecutions: { 'Fn::If': ['IsProd', 10, { Ref: 'AWS::NoValue' }] },
  },
};
const bucket = { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'b' } };

const check = (resources: Record<string, unknown>): string[] =>
  checkTemplate({ Resources: resources, Conditions: { IsProd: {} } } as unknown as CfnTemplate).map(
    formatProblem,
  );

describe('checkTemplate', () => {
  it('accepts a valid template: intrinsics where values go, converted scalars, lists, maps, nested types', () => {
    expect(check({ Role: lambdaRole, Fn: validFunction, Bucket: bucket })).toEqual([]);
  });

  it('names an unknown property, at any depth', () => {
    const withTypos = {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketNmae: 'b',
        LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 7, Prefixes: 'tmp/' }] },
      },
    };
    expect(check({ Bucket: withTypos })).toEqual([
      'Bucket Properties.BucketNmae: unknown property BucketNmae of AWS::S3::Bucket',
      'Bucket Properties.LifecycleConfiguration.Rules[0].Prefixes: unknown property Prefixes of AWS::S3::Bucket.Rule',
    ]);
  });

  it('names a missing required property, of the resource and of a nested type', () => {
    const table = {
      Type: 'AWS::DynamoDB::Table',
      Properties: { AttributeDefinitions: [{ AttributeName: 'pk' }], BillingMode: 'PAY_PER_REQUEST' },
    };
    expect(check({ Table: table })).toEqual([
      'Table Properties: missing required property KeySchema of AWS::DynamoDB::Table',
      'Table Properties.AttributeDefinitions[0]: missing required property AttributeType of AWS::DynamoDB::Table.AttributeDefinition',
    ]);
  });

  it('names a value of the wrong type: primitive, list, map, object, and what an intrinsic returns', () => {
    const wrong = {
      ...validFunction,
      Properties: {
        ...validFunction.Properties,
        Timeout: 'thirty',
        MemorySize: 1.5,
        Architectures: 'arm64',
        Environment: { Variables: ['A=x'] },
        Code: 's3://bucket/key.zip',
        Layers: { 'Fn::Join': [',', ['a', 'b']] },
        ReservedConcurrentExecutions: { 'Fn::If': ['IsProd', 'many', { Ref: 'AWS::NoValue' }] },
      },
    };
    expect(check({ Role: lambdaRole, Fn: wrong, Bucket: bucket })).toEqual([
      'Fn Properties.Code: expected AWS::Lambda::Function.Code (an object), got string "s3://bucket/key.zip"',
      'Fn Properties.Timeout: expected Integer, got string "thirty"',
      'Fn Properties.MemorySize: expected Integer, got number 1.5',
      'Fn Properties.Architectures: expected a List, got string "arm64"',
      'Fn Properties.Environment.Variables: expected a Map, got a list',
      'Fn Properties.Layers: Fn::Join returns a string, expected a List',
      'Fn Properties.ReservedConcurrentExecutions.Fn::If[1]: expected Integer, got string "many"',
    ]);
  });

  it('names an unknown resource type, a stray resource attribute and a bad DeletionPolicy', () => {
    expect(
      check({
        Thing: { Type: 'AWS::S3::Buckett' },
        Bucket: { ...bucket, DeletionPolicy: 'Keep', Propertes: {} },
      }),
    ).toEqual([
      'Thing Type: unknown resource type AWS::S3::Buckett',
      'Bucket Propertes: is not a resource attribute',
      'Bucket DeletionPolicy: string "Keep" is not one of Delete, Retain, RetainExceptOnCreate, Snapshot',
    ]);
  });

  it('names references to what the template does not hold: Ref, Fn::GetAtt, Fn::Sub, Fn::If, DependsOn', () => {
    const dangling = {
      ...validFunction,
      DependsOn: ['Role', 'Gone'],
      Properties: {
        ...validFunction.Properties,
        Role: { 'Fn::GetAtt': ['Role', 'Name'] },
        Handler: { Ref: 'Handler' },
        Environment: { Variables: { A: { 'Fn::Sub': '${Bucket.Arn}/${!Literal}/${Table}' } } },
        ReservedConcurrentExecutions: { 'Fn::If': ['IsStaging', 1, 2] },
      },
    };
    expect(check({ Role: lambdaRole, Fn: dangling, Bucket: bucket })).toEqual([
      'Fn DependsOn: names no resource of the template: string "Gone"',
      'Fn Properties.Role: Fn::GetAtt: AWS::IAM::Role has no attribute Name (Role)',
      'Fn Properties.Handler: Ref names no resource or parameter of the template: string "Handler"',
      'Fn Properties.Environment.Variables.A: Fn::Sub names no resource or parameter of the template: string "Table"',
      'Fn Properties.ReservedConcurrentExecutions: Fn::If names no condition of the template: string "IsStaging"',
    ]);
  });

  it('takes any properties of a custom resource but its ServiceToken', () => {
    expect(check({ C: { Type: 'Custom::Thing', Properties: { Anything: [1, { a: 2 }] } } })).toEqual([
      'C Properties: missing required property ServiceToken',
    ]);
  });
});
