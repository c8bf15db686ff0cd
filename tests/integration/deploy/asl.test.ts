import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TASK_TIMEOUT_SECONDS, type TaskState } from '../../../state-machines/pipeline-definition';
import { REPO_ROOT } from '../../support/template';

/** asl-validator's result (the package ships no type declarations). */
interface AslValidation {
  readonly isValid: boolean;
  readonly errorsText: (separator?: string) => string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidation;

// Loaded through createRequire because asl-validator is CommonJS without typings.
const aslValidator = createRequire(__filename)('asl-validator') as AslValidator;

/** Every `FunctionName` in a definition, at any depth (Map states nest their own states). */
function functionNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(functionNames);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'FunctionName' && typeof value === 'string' ? [value] : functionNames(value),
  );
}

/** The parts of a state the checks below read. */
interface AslState {
  readonly Type: string;
  readonly TimeoutSeconds?: number;
  readonly ItemsPath?: string;
  readonly ItemSelector?: Record<string, string>;
  readonly MaxConcurrency?: number;
  readonly MaxConcurrencyPath?: string;
  readonly ItemReader?: unknown;
  readonly ResultWriter?: unknown;
  readonly ItemProcessor?: { readonly ProcessorConfig?: unknown; readonly States: Record<string, AslState> };
}

/** Every state with its name, Map iterations' states included. */
function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, s]): [string, AslState][] => [
    [name, s],
    ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : []),
  ]);
}

// The definition serverless.yml deploys (`${file(state-machines/pipeline.asl.json)}`).
describe('state-machines/pipeline.asl.json', () => {
  const file = path.join(REPO_ROOT, 'state-machines', 'pipeline.asl.json');

  it('is valid Amazon States Language (paths and ARNs checked)', () => {
    // A fresh parse each time: the validator annotates the states it walks.
    const definition: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('invokes its task functions through serverless variables resolved at package time', () => {
    const names = functionNames(JSON.parse(readFileSync(file, 'utf8')));
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) expect(name).toMatch(/^\$\{self:service\}-\$\{sls:stage\}-pipeline-[a-z-]+$/);
  });

  describe('Distributed Maps and Task timeouts', () => {
    const states = (JSON.parse(readFileSync(file, 'utf8')) as { States: Record<string, AslState> }).States;
    const map = (name: string): AslState => {
      const found = states[name];
      if (found?.Type !== 'Map') throw new Error(`no Map state ${name}`);
      return found;
    };

    // The local engine reads items from the state input only and writes no results to S3, so the
    // Maps use neither ItemReader nor ResultWriter (architecture.md).
    it.each([
      ['ValidateCleanDays', '$.days', 'ValidateCleanDay'],
      ['FoldUserShards', '$.shards', 'FoldUsers'],
      ['AssembleTrainingDays', '$.training_days', 'AssembleDays'],
    ])(
      '%s is a Distributed Map of standard child executions over %s from the state input, running %s',
      (name, itemsPath, task) => {
        const s = map(name);
        expect(s.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
        expect(s.ItemsPath).toBe(itemsPath);
        expect(s.ItemReader).toBeUndefined();
        expect(s.ResultWriter).toBeUndefined();
        // Plan returns the concurrency (MAP_MAX_CONCURRENCY); no fixed value competes with it.
        expect(s.MaxConcurrencyPath).toBe('$.max_concurrency');
        expect(s.MaxConcurrency).toBeUndefined();
        expect(Object.keys(s.ItemProcessor?.States ?? {})).toEqual([task]);
      },
    );

    it('has no other Map', () => {
      expect(
        allStates(states)
          .filter(([, s]) => s.Type === 'Map')
          .map(([name]) => name),
      ).toEqual(['ValidateCleanDays', 'FoldUserShards', 'AssembleTrainingDays']);
    });

    it('passes each child execution its day, or its shard from an item object', () => {
      expect(map('ValidateCleanDays').ItemSelector).toEqual({
        'run.$': '$.run',
        'date.$': '$$.Map.Item.Value',
      });
      expect(map('AssembleTrainingDays').ItemSelector).toEqual({
        'run.$': '$.run',
        'date.$': '$$.Map.Item.Value',
      });
      // Shards are `{shard}` objects: a bare number as an item breaks `$` in the local engine.
      expect(map('FoldUserShards').ItemSelector).toEqual({
        'run.$': '$.run',
        'shard.$': '$$.Map.Item.Value.shard',
      });
    });

    it('gives every Task the TimeoutSeconds of TASK_TIMEOUT_SECONDS (the functions use the same)', () => {
      const tasks = allStates(states).filter(([, s]) => s.Type === 'Task');
      expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(TASK_TIMEOUT_SECONDS).sort());
      for (const [name, s] of tasks)
        expect([name, s.TimeoutSeconds]).toEqual([name, TASK_TIMEOUT_SECONDS[name as TaskState]]);
    });
  });
});
