import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PipelineError } from '../domain/errors';
import type { RunStatus } from '../domain/pipeline/manifest';
import type { ExecutionEngine } from '../domain/pipeline/run-control';
import type { RunRequest } from '../domain/pipeline/run-request';
import { awsReason } from './aws-errors';

/**
 * The deployed engine: `StartExecution` with the run id as the execution name. A refused call fails
 * with the run, the state machine or execution, and Step Functions' error code and message.
 */
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
      if (error instanceof ExecutionAlreadyExists) return;
      throw new PipelineError(`cannot start run ${runId} on ${this.stateMachineArn}: ${awsReason(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * The execution's status, or null when Step Functions has no execution of that name: a run the
   * schedules started (their executions have generated names) or one whose start failed; the
   * lake then tells (RunControl: its lock, its manifest).
   */
  async status(runId: string): Promise<{ status: RunStatus; error: string | null } | null> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
    let out: DescribeExecutionCommandOutput;
    try {
      out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      // An execution that was never started (or is gone): the caller marks its record.
      if (error instanceof ExecutionDoesNotExist) return null;
      const reason = awsReason(error);
      throw new PipelineError(`cannot read the status of run ${runId} (${executionArn}): ${reason}`, {
        cause: error,
      });
    }
    if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE')
      return { status: 'RUNNING', error: null };
    if (out.status === 'SUCCEEDED') return { status: 'SUCCEEDED', error: null };
    return { status: 'FAILED', error: out.cause ?? out.error ?? out.status ?? null };
  }
}

/** A Step Functions client, built once per process; `endpoint` points it at a local stand-in (tests). */
export function createSfnClient(region: string, endpoint?: string): SFNClient {
  return new SFNClient(endpoint === undefined ? { region } : { region, endpoint });
}
