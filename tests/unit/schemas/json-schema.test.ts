import { readFileSync } from 'node:fs';
import { SCHEMA_FILE, schemaFileText } from '../../../scripts/schemas';

describe('data/schemas/v1.json', () => {
  it('is exactly what the zod schemas generate (run `npm run schemas` after changing them)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaFileText());
  });

  it('declares every contract field with its required set', () => {
    const doc = JSON.parse(schemaFileText()) as {
      $defs: Record<string, { properties: object; required: string[] }>;
    };
    expect(Object.keys(doc.$defs.interaction?.properties ?? {})).toEqual([
      'interaction_id',
      'user_id',
      'product_id',
      'interaction_type',
      'timestamp',
      'session_id',
      'rating',
      'device_type',
      'page_context',
    ]);
    expect(doc.$defs.interaction?.required).toEqual([
      'interaction_id',
      'user_id',
      'product_id',
      'interaction_type',
      'timestamp',
      'session_id',
    ]);
    expect(doc.$defs.product?.required).toEqual([
      'product_id',
      'name',
      'category',
      'created_at',
      'is_active',
    ]);
    expect(doc.$defs.user?.required).toEqual(['user_id', 'join_date']);
  });
});
