import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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
});
