/** Step Functions task `publish` of state-machines/pipeline.asl.json (see handlers/lib/pipeline-tasks.ts). */
import middy from '@middy/core';
import { type PipelineTasks, deployedPipelineTasks } from './lib/pipeline-tasks';

/** The task, called directly by tests and by the local engine. */
export const lambdaHandler: PipelineTasks['publish'] = (event) => deployedPipelineTasks().publish(event);

export const handler = middy(lambdaHandler);
