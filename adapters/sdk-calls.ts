import { AsyncLocalStorage } from 'node:async_hooks';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments } from '@smithy/types';

/**
 * Which Lambda function a piece of code runs as, and a recorder of the AWS SDK calls made under
 * it. The IAM simulation test (tests/integration/deploy/iam.test.ts) turns every recorded call into
 * IAM requests and evaluates them against that function's role; nothing here runs on AWS unless a
 * recorder is wired in.
 */

/** One SDK call: the function it ran as (serverless.yml function key), the client and the command input. */
export interface SdkCall {
  /** `runsStart`, `pipelinePlan`, ...; undefined outside any `runAsFunction` scope. */
  readonly functionKey: string | undefined;
  /** The client's service name: `S3`, `DynamoDB`, `SFN`, `SNS`. */
  readonly service: string;
  /** The operation: `GetObject`, `PutItem`, `StartExecution`, ... */
  readonly operation: string;
  /** The command's input, as given to the client (before serialisation). */
  readonly input: Readonly<Record<string, unknown>>;
  /** The error's name when the call failed (`NoSuchKey`, ...), else undefined. */
  readonly error: string | undefined;
}

/** Receives every call of the clients it is added to. */
export type SdkCallRecorder = (call: SdkCall) => void;

const running = new AsyncLocalStorage<string>();

/** Runs `fn` (and everything it starts) as the function `functionKey`: the handler of a Lambda. */
export function runAsFunction<T>(functionKey: string, fn: () => T): T {
  return running.run(functionKey, fn);
}

/** The function the current call chain runs as, if any. */
export function currentFunction(): string | undefined {
  return running.getStore();
}

/** A client whose middleware stack takes an initialize-step middleware (every AWS SDK v3 client). */
interface WithMiddleware {
  readonly middlewareStack: {
    add(
      middleware: (
        next: InitializeHandler<object, object>,
        context: HandlerExecutionContext,
      ) => InitializeHandler<object, object>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Adds `recorder` to `client`: it sees each command's input and whether the call failed. */
export function recordSdkCalls<C extends WithMiddleware>(client: C, recorder: SdkCallRecorder): C {
  client.middlewareStack.add(
    (next, context) => async (args: InitializeHandlerArguments<object>) => {
      const call = {
        functionKey: currentFunction(),
        service: (context.clientName ?? '').replace(/Client$/, ''),
        operation: (context.commandName ?? '').replace(/Command$/, ''),
        input: args.input as Record<string, unknown>,
      };
      try {
        const output = await next(args);
        recorder({ ...call, error: undefined });
        return output;
      } catch (error) {
        recorder({ ...call, error: error instanceof Error ? error.name : String(error) });
        throw error;
      }
    },
    { step: 'initialize', name: 'recordSdkCalls' },
  );
  return client;
}
