/**
 * A packaged CloudFormation template's intrinsic functions (`Ref`, `Fn::GetAtt` of `Arn`,
 * `Fn::Sub`, `Fn::Join`) resolved to the concrete names and ARNs they take in one account and
 * region, as CloudFormation would resolve them there (the IAM simulation evaluates those ARNs).
 */
import { type CfnTemplate, resource } from './template';

/** The account the template is resolved in. */
export const AWS = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' } as const;

/** The `Ref` value of a resource, by type: a name or an ARN, as CloudFormation returns it. */
const REF: Readonly<Record<string, (name: string, arn: string) => string>> = {
  'AWS::SNS::Topic': (_n, arn) => arn,
  'AWS::StepFunctions::StateMachine': (_n, arn) => arn,
  'AWS::S3::Bucket': (name) => name,
  'AWS::DynamoDB::Table': (name) => name,
  'AWS::Lambda::Function': (name) => name,
  'AWS::Kinesis::Stream': (name) => name,
  'AWS::Logs::LogGroup': (name) => name,
  'AWS::IAM::Role': (name) => name,
  'AWS::SQS::Queue': (name) => `https://sqs.${AWS.region}.amazonaws.com/${AWS.accountId}/${name}`,
};

/** Each type's name property and ARN (what `Fn::GetAtt [id, Arn]` returns). */
const NAMED: Readonly<
  Record<string, { readonly nameProperty: string; readonly arn: (name: string) => string }>
> = {
  'AWS::SNS::Topic': { nameProperty: 'TopicName', arn: (n) => arnOf('sns', n) },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    arn: (n) => arnOf('states', `stateMachine:${n}`),
  },
  'AWS::S3::Bucket': { nameProperty: 'BucketName', arn: (n) => `arn:${AWS.partition}:s3:::${n}` },
  'AWS::DynamoDB::Table': { nameProperty: 'TableName', arn: (n) => arnOf('dynamodb', `table/${n}`) },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', arn: (n) => arnOf('lambda', `function:${n}`) },
  'AWS::Kinesis::Stream': { nameProperty: 'Name', arn: (n) => arnOf('kinesis', `stream/${n}`) },
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', arn: (n) => arnOf('logs', `log-group:${n}:*`) },
  'AWS::SQS::Queue': { nameProperty: 'QueueName', arn: (n) => arnOf('sqs', n) },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    arn: (n) => `arn:${AWS.partition}:iam::${AWS.accountId}:role/${n}`,
  },
};

export function arnOf(service: string, rest: string): string {
  return `arn:${AWS.partition}:${service}:${AWS.region}:${AWS.accountId}:${rest}`;
}

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Partition': AWS.partition,
  'AWS::Region': AWS.region,
  'AWS::AccountId': AWS.accountId,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves `Ref`, `Fn::GetAtt` (Arn), `Fn::Sub` and `Fn::Join` to concrete values; throws naming what it cannot. */
export function resolve(template: CfnTemplate, value: unknown): unknown {
  const named = (id: string) => {
    const r = resource(template, id);
    const kind = NAMED[r.Type];
    if (kind === undefined) throw new Error(`cannot resolve ${id}: no name rule for ${r.Type}`);
    // A resource without its name property gets a generated name; the logical id stands for it.
    const name =
      r.Properties?.[kind.nameProperty] === undefined
        ? id
        : String(resolve(template, r.Properties[kind.nameProperty]));
    return { type: r.Type, name, arn: kind.arn(name) };
  };
  const ref = (id: string): string => {
    const pseudo = PSEUDO[id];
    if (pseudo !== undefined) return pseudo;
    const { type, name, arn } = named(id);
    const refOf = REF[type];
    if (refOf === undefined) throw new Error(`cannot resolve Ref ${id}: no Ref rule for ${type}`);
    return refOf(name, arn);
  };
  const getAtt = (id: string, attribute: string): string => {
    if (attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
    return named(id).arn;
  };
  const sub = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (name in vars) return String(resolve(template, vars[name]));
      const [id = '', attribute] = name.split('.');
      return attribute === undefined ? ref(id) : getAtt(id, attribute);
    });

  if (Array.isArray(value)) return value.map((v) => resolve(template, v));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if ('Ref' in o) return ref(String(o.Ref));
  if ('Fn::GetAtt' in o) {
    const att = o['Fn::GetAtt'];
    const [id, attribute] = Array.isArray(att) ? att : String(att).split('.');
    return getAtt(String(id), String(attribute));
  }
  if ('Fn::Sub' in o) {
    const s = o['Fn::Sub'];
    return Array.isArray(s) ? sub(String(s[0]), s[1] as Record<string, unknown>) : sub(String(s), {});
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return (resolve(template, parts) as unknown[]).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(template, v)]));
}
