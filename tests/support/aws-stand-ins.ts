/**
 * Small local stand-ins for the AWS APIs that have no embedded engine here, speaking their
 * wire protocols so the real SDK clients talk to them: Step Functions (JSON 1.0: StartExecution,
 * DescribeExecution), SNS (query protocol: Publish) and Secrets Manager (JSON 1.1: GetSecretValue). Each can be told to fail the next call of
 * an operation with an AWS error, to test how the code surfaces it.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An error the stand-in answers with, as AWS would: its code, message and HTTP status. */
export interface AwsError {
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

/** What every stand-in offers: its endpoint, injected failures and shutdown. */
export interface StandIn {
  readonly endpoint: string;
  /** The next call of `operation` answers `error` (once). */
  failNext(operation: string, error: AwsError): void;
  close(): Promise<void>;
}

class Failure extends Error {
  constructor(readonly error: AwsError) {
    super(error.message);
  }
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves `handle(operation, body)` on 127.0.0.1 (`operationOf` names the operation of a request),
 * answering an injected failure or a thrown `Failure` with `replyError`, anything else with 500.
 */
async function serve(
  operationOf: (req: IncomingMessage, body: string) => string,
  handle: (operation: string, body: string) => Promise<{ type: string; body: string }>,
  replyError: (res: ServerResponse, error: AwsError) => void,
): Promise<StandIn> {
  const injected = new Map<string, AwsError>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const operation = operationOf(req, body);
      try {
        const failure = injected.get(operation);
        if (failure !== undefined) {
          injected.delete(operation);
          throw new Failure(failure);
        }
        const out = await handle(operation, body);
        res.writeHead(200, { 'content-type': out.type }).end(out.body);
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        replyError(res, error.error);
      }
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext: (operation, error) => injected.set(operation, error),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

// ---- Step Functions (JSON 1.0) ----

/** One execution as the stand-in keeps it. */
export interface StandInExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
}

/** The Step Functions stand-in: its executions, and a way to wait for them. */
export interface StepFunctionsStandIn extends StandIn {
  readonly executions: ReadonlyMap<string, StandInExecution>;
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
}

const JSON_1_0 = 'application/x-amz-json-1.0';

/**
 * Starts the Step Functions stand-in over `stateMachineArns`; each started execution runs
 * `execute(input)` in this process, in the background, and ends SUCCEEDED with its result or
 * FAILED with the error's name and message (AWS's `error` and `cause`).
 */
export async function startStepFunctionsStandIn(options: {
  readonly stateMachineArns: readonly string[];
  readonly execute: (input: unknown) => Promise<unknown>;
}): Promise<StepFunctionsStandIn> {
  const executions = new Map<string, StandInExecution>();
  const running = new Set<Promise<unknown>>();
  const fail = (code: string, message: string): never => {
    throw new Failure({ code, message, status: 400 });
  };
  const reply = (value: unknown) => ({ type: JSON_1_0, body: JSON.stringify(value) });

  const startExecution = (req: { stateMachineArn?: string; name?: string; input?: string }) => {
    const machine = req.stateMachineArn ?? '';
    if (!options.stateMachineArns.includes(machine))
      fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machine}'`);
    const name = req.name ?? randomUUID();
    const input = req.input ?? '{}';
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    // AWS: a running execution of the same name and input is returned again; anything else conflicts.
    if (existing !== undefined) {
      if (existing.status === 'RUNNING' && existing.input === input)
        return reply({ executionArn, startDate: existing.startDate });
      fail('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: StandInExecution = {
      executionArn,
      stateMachineArn: machine,
      name,
      input,
      startDate: Date.now() / 1000,
      status: 'RUNNING',
    };
    executions.set(executionArn, execution);
    const done = options.execute(JSON.parse(input)).then(
      (output) => Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) }),
      (error: unknown) =>
        Object.assign(execution, {
          status: 'FAILED',
          error: error instanceof Error ? error.name : 'Error',
          cause: error instanceof Error ? error.message : String(error),
        }),
    );
    const tracked = done.finally(() => {
      execution.stopDate = Date.now() / 1000;
      running.delete(tracked);
    });
    running.add(tracked);
    return reply({ executionArn, startDate: execution.startDate });
  };

  const describeExecution = (req: { executionArn?: string }) => {
    const execution = executions.get(req.executionArn ?? '');
    if (execution === undefined)
      return fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${req.executionArn ?? ''}'`);
    return reply(execution);
  };

  const standIn = await serve(
    (req) => String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, ''),
    async (operation, body) => {
      const req = JSON.parse(body === '' ? '{}' : body) as Record<string, string>;
      if (operation === 'StartExecution') return startExecution(req);
      if (operation === 'DescribeExecution') return describeExecution(req);
      return fail('UnknownOperationException', `the stand-in does not implement ${operation}`);
    },
    (res, error) =>
      res
        .writeHead(error.status ?? 400, { 'content-type': JSON_1_0, 'x-amzn-errortype': error.code })
        .end(JSON.stringify({ __type: error.code, message: error.message })),
  );
  return {
    ...standIn,
    executions,
    idle: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

// ---- SNS (query protocol) ----

/** One message the SNS stand-in accepted. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly message: string;
}

/** The SNS stand-in and what was published to it. */
export interface SnsStandIn extends StandIn {
  readonly published: readonly PublishedMessage[];
}

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Starts the SNS stand-in with its topics; `Publish` to any other topic answers `NotFound`. */
export async function startSnsStandIn(options: {
  readonly topicArns: readonly string[];
}): Promise<SnsStandIn> {
  const published: PublishedMessage[] = [];
  const standIn = await serve(
    (_req, body) => new URLSearchParams(body).get('Action') ?? '',
    async (operation, body) => {
      const params = new URLSearchParams(body);
      if (operation !== 'Publish')
        throw new Failure({ code: 'InvalidAction', message: `the stand-in does not implement ${operation}` });
      const topicArn = params.get('TopicArn') ?? '';
      if (!options.topicArns.includes(topicArn))
        throw new Failure({ code: 'NotFound', message: 'Topic does not exist', status: 404 });
      published.push({
        topicArn,
        subject: params.get('Subject') ?? undefined,
        message: params.get('Message') ?? '',
      });
      const result = `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>`;
      const meta = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
      return {
        type: 'text/xml',
        body: `<PublishResponse xmlns="${SNS_XMLNS}">${result}${meta}</PublishResponse>`,
      };
    },
    (res, error) =>
      res
        .writeHead(error.status ?? 400, { 'content-type': 'text/xml' })
        .end(
          `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>Sender</Type><Code>${xmlText(error.code)}</Code>` +
            `<Message>${xmlText(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
        ),
  );
  return { ...standIn, published };
}

// ---- Secrets Manager (JSON 1.1) ----

/** The Secrets Manager stand-in: secrets by ARN (or name), settable by the test. */
export interface SecretsManagerStandIn extends StandIn {
  readonly secrets: Map<string, string>;
}

const JSON_1_1 = 'application/x-amz-json-1.1';

/** Starts the Secrets Manager stand-in; `GetSecretValue` of an unknown id answers ResourceNotFoundException. */
export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string>();
  const standIn = await serve(
    (req) => String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, ''),
    async (operation, body) => {
      if (operation !== 'GetSecretValue')
        throw new Failure({
          code: 'InvalidRequestException',
          message: `the stand-in does not implement ${operation}`,
        });
      const id = String((JSON.parse(body === '' ? '{}' : body) as { SecretId?: string }).SecretId ?? '');
      const value = secrets.get(id);
      if (value === undefined)
        throw new Failure({
          code: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      return {
        type: JSON_1_1,
        body: JSON.stringify({
          ARN: id,
          Name: id.replace(/^.*:secret:/, ''),
          SecretString: value,
          VersionId: randomUUID(),
        }),
      };
    },
    (res, error) =>
      res
        .writeHead(error.status ?? 400, { 'content-type': JSON_1_1, 'x-amzn-errortype': error.code })
        .end(JSON.stringify({ __type: error.code, message: error.message })),
  );
  return { ...standIn, secrets };
}
