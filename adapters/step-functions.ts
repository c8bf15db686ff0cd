import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { RunStatus } from '../domain/pipeline/manifest';
import type { ExecutionEngine } from '../domain/pipeline/run-control';
import type { RunRequest } from '../domain/pipeline/run-request';

/** The deployed engine: `StartExecution` with the run id as the execution name. */
export class StepFunctionsEngine implements ExecutionEngine {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(runId: string, request: RunRequest): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: runId,
          input: JSON.stringify(request),
        }),
      );
    } catch (error) {
      // A retried request for the same run: the execution is already there, which is what we want.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  /**
   * The execution's status, or null when Step Functions has no execution of that name: a run the
   * schedules started (their executions have generated names) or one whose start failed; the
   * lake then tells (RunControl: its lock, its manifest).
   */
  async status(runId: string): Promise<{ status: RunStatus; error: string | null } | null> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
    let out;
    try {
      out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return null;
      throw error;
    }
    if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE')
      return { status: 'RUNNING', error: null };
    if (out.status === 'SUCCEEDED') return { status: 'SUCCEEDED', error: null };
    return { status: 'FAILED', error: out.cause ?? out.error ?? out.status ?? null };
  }
}

/** A Step Functions client, built once per process. */
export function createSfnClient(region: string): SFNClient {
  return new SFNClient({ region });
}
