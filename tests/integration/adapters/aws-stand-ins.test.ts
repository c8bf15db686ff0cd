/**
 * The SNS alert publisher and the Step Functions engine over the real SDK clients, against local
 * stand-ins of the two APIs (tests/support/aws-stand-ins.ts): what goes over the wire, and an
 * error from the API surfacing as one clear line.
 */
import { createSnsClient, SnsAlertPublisher } from '../../../adapters/sns-alerts';
import { StepFunctionsEngine, createSfnClient } from '../../../adapters/step-functions';
import type { Alert } from '../../../domain/monitoring/alerts';
import type { RunRequest } from '../../../domain/pipeline/run-request';
import {
  type SnsStandIn,
  type StepFunctionsStandIn,
  startSnsStandIn,
  startStepFunctionsStandIn,
} from '../../support/aws-stand-ins';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:recsys-alerts';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:recsys-pipeline';
const ALERT: Alert = {
  check: 'volume',
  date: '2024-01-15',
  raised_at: '2024-01-16T02:00:00.000Z',
  severity: 'critical',
  message: 'raw volume dropped 60% below the 7-day mean',
  observed: 40,
  threshold: 80,
};
const REQUEST: RunRequest = { mode: 'incremental', date: '2024-01-15' };

const CREDENTIALS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;
const saved = Object.fromEntries(CREDENTIALS.map((name) => [name, process.env[name]]));

beforeAll(() => {
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_ACCESS_KEY_ID = 'LOCAL';
  process.env.AWS_SECRET_ACCESS_KEY = 'LOCAL';
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('SnsAlertPublisher against the SNS stand-in', () => {
  let sns: SnsStandIn;
  beforeAll(async () => {
    sns = await startSnsStandIn({ topicArns: [TOPIC] });
  });
  afterAll(() => sns.close());

  it('publishes the alert as JSON to the topic, with a subject naming severity, check and day', async () => {
    await new SnsAlertPublisher(createSnsClient('us-east-1', sns.endpoint), TOPIC).publish(ALERT);
    expect(sns.published.at(-1)).toEqual({
      topicArn: TOPIC,
      subject: '[recsys] critical volume alert for 2024-01-15',
      message: JSON.stringify(ALERT, null, 2),
    });
  });

  it('fails naming the alert, the topic and SNS error when the topic does not exist', async () => {
    const other = 'arn:aws:sns:us-east-1:123456789012:gone';
    const publisher = new SnsAlertPublisher(createSnsClient('us-east-1', sns.endpoint), other);
    await expect(publisher.publish(ALERT)).rejects.toThrow(
      `cannot publish the volume alert for 2024-01-15 to ${other}: NotFoundException: Topic does not exist`,
    );
  });

  it('fails naming the SNS error when publishing is refused', async () => {
    sns.failNext('Publish', {
      code: 'AuthorizationError',
      message: 'not authorized to publish',
      status: 403,
    });
    const publisher = new SnsAlertPublisher(createSnsClient('us-east-1', sns.endpoint), TOPIC);
    await expect(publisher.publish(ALERT)).rejects.toThrow(
      `cannot publish the volume alert for 2024-01-15 to ${TOPIC}: AuthorizationErrorException: not authorized to publish`,
    );
  });
});

describe('StepFunctionsEngine against the Step Functions stand-in', () => {
  let sfn: StepFunctionsStandIn;
  let outcome: (input: unknown) => Promise<unknown>;
  let engine: StepFunctionsEngine;
  beforeAll(async () => {
    sfn = await startStepFunctionsStandIn({
      stateMachineArns: [MACHINE],
      execute: (input) => outcome(input),
    });
    engine = new StepFunctionsEngine(createSfnClient('us-east-1', sfn.endpoint), MACHINE);
  });
  afterAll(() => sfn.close());

  it('starts an execution named after the run with the request as input, then reads its status', async () => {
    let finish: (value: unknown) => void = () => undefined;
    outcome = () => new Promise((resolve) => (finish = resolve));
    await engine.start('run-1', REQUEST);
    const execution = sfn.executions.get(`${MACHINE.replace(':stateMachine:', ':execution:')}:run-1`);
    expect(execution).toMatchObject({ name: 'run-1', input: JSON.stringify(REQUEST), status: 'RUNNING' });
    expect(await engine.status('run-1')).toEqual({ status: 'RUNNING', error: null });
    finish({ manifest_key: 'runs/run-1/manifest.json' });
    await sfn.idle();
    expect(await engine.status('run-1')).toEqual({ status: 'SUCCEEDED', error: null });
  });

  it('takes a start of an execution that already exists as started (a retried POST /runs)', async () => {
    outcome = async () => ({});
    await engine.start('run-2', REQUEST);
    await sfn.idle();
    await expect(engine.start('run-2', { ...REQUEST, date: '2024-01-16' })).resolves.toBeUndefined();
  });

  it("reports a failed execution with Step Functions' cause", async () => {
    outcome = async () => {
      throw new Error('validation failed for 2024-01-15: rejected_share 0.4 > 0.2');
    };
    await engine.start('run-3', REQUEST);
    await sfn.idle();
    expect(await engine.status('run-3')).toEqual({
      status: 'FAILED',
      error: 'validation failed for 2024-01-15: rejected_share 0.4 > 0.2',
    });
  });

  it('fails naming the run, the state machine and the API error when the start is refused', async () => {
    sfn.failNext('StartExecution', {
      code: 'ExecutionLimitExceeded',
      message: 'too many running executions',
    });
    await expect(engine.start('run-4', REQUEST)).rejects.toThrow(
      `cannot start run run-4 on ${MACHINE}: ExecutionLimitExceeded: too many running executions`,
    );
    const unknown = `${MACHINE}-gone`;
    await expect(
      new StepFunctionsEngine(createSfnClient('us-east-1', sfn.endpoint), unknown).start('run-5', REQUEST),
    ).rejects.toThrow(
      `cannot start run run-5 on ${unknown}: StateMachineDoesNotExist: State Machine Does Not Exist`,
    );
  });

  it('answers null for an execution that was never started (the caller marks its record)', async () => {
    await expect(engine.status('never-started')).resolves.toBeNull();
  });

  it('fails naming the run and its execution when its status cannot be read', async () => {
    await engine.start('run-6', REQUEST);
    await sfn.idle();
    sfn.failNext('DescribeExecution', { code: 'AccessDeniedException', message: 'not authorized' });
    await expect(engine.status('run-6')).rejects.toThrow(
      `cannot read the status of run run-6 (${MACHINE.replace(':stateMachine:', ':execution:')}:run-6): AccessDeniedException: not authorized`,
    );
  });
});
