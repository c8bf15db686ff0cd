import { checkTemplate, formatProblem } from '../../support/cfn-spec';
import { serverlessFunctionKeys } from '../../support/serverless-functions';
import { type CfnTemplate, packageTemplate } from '../../support/template';

/**
 * The packaged template against the CloudFormation resource specification (`@aws-cdk/cfnspec`):
 * every resource type exists, every property is one its type has, every required property is set
 * and every value has the type its place takes, so a typo or a missing property fails here rather
 * than half-way through a deployment.
 */

let template: CfnTemplate;

beforeAll(() => {
  ({ template } = packageTemplate(serverlessFunctionKeys(), { stage: 'dev', region: 'us-east-1' }));
}, 150_000);

describe('the packaged template', () => {
  it('holds every function of serverless.yml, so the check below covers them all', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(serverlessFunctionKeys().length);
  });

  it('matches the CloudFormation resource specification: types, properties, required ones, value types', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    expect(checkTemplate(template).map(formatProblem)).toEqual([]);
  });
});
