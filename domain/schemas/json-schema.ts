import { z } from 'zod';
import { RawInteraction, RawProduct, RawUser, SCHEMA_VERSION } from './records';

/**
 * The JSON Schema document of the record schemas (`data/schemas/v{N}.json`), generated from the
 * zod schemas. Refinements that JSON Schema cannot express (non-blank strings, the timestamp
 * grammar, the interaction type after trim + lowercase) are described in each field's text.
 */
export function recordJsonSchemas(): Record<string, unknown> {
  const toSchema = (schema: z.ZodType) =>
    z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `Raw record schemas, version ${SCHEMA_VERSION}`,
    description:
      'Generated from domain/schemas/records.ts by `npm run schemas`; do not edit. Validation rules beyond these shapes are in data-contract.md.',
    version: SCHEMA_VERSION,
    $defs: {
      interaction: toSchema(RawInteraction),
      product: toSchema(RawProduct),
      user: toSchema(RawUser),
    },
  };
}
