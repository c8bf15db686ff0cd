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
    const raw = readFileSync(file, 'utf8');
    const names = [...raw.matchAll(/"FunctionName":\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of names) expect(name).toMatch(/^\$\{self:service\}-\$\{sls:stage\}-pipeline-[a-z-]+$/);
  });
});
