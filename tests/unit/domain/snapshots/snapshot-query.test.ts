import {
  DEFAULT_SNAPSHOT_MAPPING,
  type DescribedSource,
  SNAPSHOT_FIELDS,
  SnapshotMapping,
  SnapshotSourceError,
  fieldExpression,
  planSnapshotQuery,
  quoteIdentifier,
} from '../../../../domain/snapshots/snapshot-query';

const DB = 'the catalog database db:5432/shop';

/** A table described with a column per field, all text but the given types. */
function table(
  fields: readonly string[],
  types: Record<string, string> = {},
  relation = 'products',
): DescribedSource {
  return { kind: 'table', relation, columns: fields.map((name) => ({ name, type: types[name] ?? 'text' })) };
}

describe('the snapshot mapping', () => {
  it('has the contract’s fields in the contract’s order, defaulting to tables named as the datasets', () => {
    expect(SNAPSHOT_FIELDS.products).toEqual([
      'product_id',
      'name',
      'category',
      'subcategory',
      'brand',
      'price',
      'description',
      'attributes',
      'avg_rating',
      'num_reviews',
      'created_at',
      'is_active',
    ]);
    expect(SNAPSHOT_FIELDS.users).toEqual([
      'user_id',
      'age_group',
      'gender',
      'location',
      'join_date',
      'customer_segment',
      'preferences',
    ]);
    expect(DEFAULT_SNAPSHOT_MAPPING).toEqual({ products: { table: 'products' }, users: { table: 'users' } });
  });

  it('renders timestamptz as UTC ISO with milliseconds, timestamp without a zone, anything else as is', () => {
    expect(fieldExpression('created_at', 'timestamptz')).toBe(
      `to_char("created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    );
    expect(fieldExpression('join_date', 'timestamp')).toBe(
      `to_char("join_date", 'YYYY-MM-DD"T"HH24:MI:SS.MS')`,
    );
    for (const type of ['numeric', 'jsonb', 'bool', 'text', 'int4'])
      expect(fieldExpression('x', type)).toBe('"x"');
  });

  it('quotes identifiers, doubling quotes inside them', () => {
    expect(quoteIdentifier('Price "EUR"')).toBe('"Price ""EUR"""');
  });

  it('selects every field of a table as one JSON line per row, in key order', () => {
    const q = planSnapshotQuery(
      'users',
      { table: 'users' },
      table(SNAPSHOT_FIELDS.users, { join_date: 'timestamptz' }, 'users'),
      DB,
    );
    expect(q.sql).toBe(
      'SELECT row_to_json(record)::text FROM (SELECT "user_id" AS "user_id", "age_group" AS "age_group", ' +
        '"gender" AS "gender", "location" AS "location", ' +
        `to_char("join_date" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "join_date", ` +
        '"customer_segment" AS "customer_segment", "preferences" AS "preferences" FROM users ORDER BY "user_id") AS record',
    );
  });

  it('reads a field from the column the mapping names', () => {
    const fields = SNAPSHOT_FIELDS.products.map((f) =>
      f === 'name' ? 'title' : f === 'product_id' ? 'sku' : f,
    );
    const source = { table: 'shop.items', columns: { name: 'title', product_id: 'sku' } };
    const q = planSnapshotQuery('products', source, table(fields, {}, 'shop.items'), DB);
    expect(q.sql).toContain('"title" AS "name"');
    expect(q.sql).toContain('FROM shop.items ORDER BY "sku"');
  });

  it('wraps a custom SELECT, keeping its order', () => {
    const q = planSnapshotQuery(
      'users',
      { query: 'SELECT * FROM people WHERE active' },
      { kind: 'query', columns: SNAPSHOT_FIELDS.users.map((name) => ({ name, type: 'text' })) },
      DB,
    );
    expect(q.sql).toMatch(/FROM \(SELECT \* FROM people WHERE active\) AS source\) AS record$/);
    expect(q.sql).not.toContain('ORDER BY');
  });

  it('names a missing table', () => {
    const missing = { kind: 'table', relation: null, columns: [] } as const;
    expect(() => planSnapshotQuery('products', { table: 'catalog.products' }, missing, DB)).toThrow(
      new SnapshotSourceError(
        'products snapshot: no table catalog.products in the catalog database db:5432/shop',
      ),
    );
  });

  it('names every missing column at once, with the field a renamed one stands for', () => {
    const fields = SNAPSHOT_FIELDS.products.filter((f) => f !== 'brand' && f !== 'price');
    const source = { table: 'products', columns: { price: 'list_price' } };
    expect(() => planSnapshotQuery('products', source, table(fields), DB)).toThrow(
      'products snapshot: table products in the catalog database db:5432/shop has no column brand, list_price (price)',
    );
  });

  it('names the custom SELECT’s missing output columns', () => {
    const described = { kind: 'query', columns: [{ name: 'user_id', type: 'text' }] } as const;
    expect(() => planSnapshotQuery('users', { query: 'SELECT id AS user_id FROM u' }, described, DB)).toThrow(
      /the custom SELECT in the catalog database db:5432\/shop has no column age_group, gender, location/,
    );
  });

  it('parses a configured mapping, refusing unknown keys', () => {
    expect(SnapshotMapping.parse({ products: { query: 'SELECT 1' } })).toEqual({
      products: { query: 'SELECT 1' },
      users: { table: 'users' },
    });
    expect(SnapshotMapping.safeParse({ products: { table: 'p', sql: 'x' } }).success).toBe(false);
  });
});
