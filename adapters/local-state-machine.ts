import { StateMachine } from 'aws-local-stepfunctions';

/** A Task state's local stand-in: receives the Lambda payload, returns the Lambda's result. */
export type LocalTaskHandler = (payload: unknown) => Promise<unknown>;

/**
 * Executes an Amazon States Language definition in-process with aws-local-stepfunctions, each
 * `lambda:invoke` Task resolved by its state name to a local handler. The handler's result is
 * wrapped as `{ Payload }`, exactly what the integration returns on AWS, so the definition's paths
 * work unchanged. On failure, rejects with the first error a task threw (class and message intact),
 * after the definition's own Catch/RecordFailure states have run.
 */
export async function executeStateMachine(
  definition: object,
  input: unknown,
  handlers: Readonly<Record<string, LocalTaskHandler>>,
): Promise<unknown> {
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  let firstError: unknown;
  const overrides: Record<string, (params: unknown) => Promise<unknown>> = {};
  for (const [state, handler] of Object.entries(handlers)) {
    overrides[state] = async (params) => {
      try {
        return { Payload: await handler((params as { Payload: unknown }).Payload) };
      } catch (error) {
        firstError ??= error;
        throw error;
      }
    };
  }
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never },
  });
  try {
    return await execution.result;
  } catch (error) {
    throw firstError ?? error;
  }
}
