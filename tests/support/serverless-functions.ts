import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from './template';

/**
 * The function keys of serverless.yml (the two-space-indented keys of its top-level `functions:`
 * block), read from the file so a test that packages the service never lists them by hand.
 */
export function serverlessFunctionKeys(file = path.join(REPO_ROOT, 'serverless.yml')): string[] {
  const text = readFileSync(file, 'utf8');
  const block = /^functions:\n([\s\S]*?)(?=^\S)/m.exec(text)?.[1];
  if (block === undefined) throw new Error(`${file} has no top-level functions: block`);
  const keys = [...block.matchAll(/^ {2}([A-Za-z][A-Za-z0-9]*):\s*$/gm)].map(([, key = '']) => key);
  if (keys.length === 0) throw new Error(`${file} declares no function under functions:`);
  return keys;
}
