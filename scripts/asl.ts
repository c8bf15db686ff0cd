/**
 * `npm run asl`: writes state-machines/pipeline.asl.json from its source,
 * state-machines/pipeline-definition.ts (a test fails while they differ).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineDefinition } from '../state-machines/pipeline-definition';

const file = join(__dirname, '..', 'state-machines', 'pipeline.asl.json');
writeFileSync(file, JSON.stringify(pipelineDefinition, null, 2) + '\n');
console.log(`wrote ${file}`);
