/** Step Functions Task `Plan` (state-machines/pipeline-definition.ts): fixes the run's days and parameters. */
import middy from '@middy/core';
import { type PlanOutput, plan } from '../domain/pipeline/plan';
import { RunRequest } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';
import { z } from 'zod';

const PlanEvent = z.looseObject({ request: RunRequest });

/** The Task: `{request}` → the run pointer and its days. */
export async function lambdaHandler(event: unknown): Promise<PlanOutput> {
  const { request } = parseTaskEvent('Plan', PlanEvent, event);
  const w = wiring();
  return plan(w.portsFor, request, w.taskContext);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
