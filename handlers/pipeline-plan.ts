/** Step Functions Task `Plan` (state-machines/pipeline-definition.ts): fixes the run's days and parameters. */
import middy from '@middy/core';
import { InvalidArgumentError } from '../domain/errors';
import { type PlanOutput, plan } from '../domain/pipeline/plan';
import { RunRequest } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { confineRunPaths } from './lib/lake-paths';
import { parseTaskEvent } from './lib/task-event';
import { z } from 'zod';

const PlanEvent = z.looseObject({ request: RunRequest });

/**
 * The Task: `{request}` → the run pointer and its days. The request's paths are confined to the
 * configured roots here too, whoever started the execution (`POST /runs` already did; a schedule,
 * the console or the local Lambda port need not have).
 */
export async function lambdaHandler(event: unknown): Promise<PlanOutput> {
  const { request } = parseTaskEvent('Plan', PlanEvent, event);
  const w = wiring();
  const confined = confineRunPaths(request, w.roots);
  const [problem] = confined.problems;
  if (problem !== undefined)
    throw new InvalidArgumentError(problem.field, request[problem.field], problem.message);
  return plan(w.portsFor, { ...request, ...confined.paths }, w.taskContext);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
