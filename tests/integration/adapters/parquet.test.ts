import {
  PARQUET_CREATED_BY,
  decodeParquet,
  decodeParquetColumns,
  encodeParquet,
  readParquetSchema,
} from '../../../adapters/parquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { compressSync } from 'snappy';

import { InvalidArgumentError } from '../../../domain/errors';
import type { Table } from '../../../domain/table';

const T0 = Date.UTC(2024, 0, 31, 23, 59, 59, 123);

/** Every column type, nullable and not, with nulls and awkward values. */
const table: Table = {
  rowCount: 3,
  columns: [
    { name: 'user_id', type: 'STRING', nullable: false, values: ['u1', 'ü-é 😀', ''] },
    { name: 'segment', type: 'STRING', nullable: true, values: ['a', null, 'c'] },
    { name: 'score', type: 'DOUBLE', nullable: false, values: new Float64Array([0.1, -2.5e300, 0]) },
    { name: 'ctr', type: 'DOUBLE', nullable: true, values: [null, 0.25, Number.MIN_VALUE] },
    { name: 'count_total', type: 'INT64', nullable: false, values: [0, 9007199254740991, -42] },
    { name: 'count_7d', type: 'INT64', nullable: true, values: [1, null, 3] },
    { name: 'days', type: 'INT32', nullable: false, values: new Int32Array([1, -2147483648, 2147483647]) },
    { name: 'rank', type: 'INT32', nullable: true, values: [null, null, 7] },
    { name: 'is_active', type: 'BOOLEAN', nullable: false, values: [true, false, true] },
    { name: 'purchased', type: 'BOOLEAN', nullable: true, values: [null, true, false] },
    { name: 'ts', type: 'TIMESTAMP', nullable: false, values: [T0, 0, -86_400_000] },
    { name: 'last_seen', type: 'TIMESTAMP', nullable: true, values: [null, T0 + 1, null] },
  ],
};

describe('encodeParquet', () => {
  it('round-trips every column type with nulls', async () => {
    const rows = await decodeParquet(encodeParquet(table));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.user_id)).toEqual(['u1', 'ü-é 😀', '']);
    expect(rows.map((r) => r.segment)).toEqual(['a', null, 'c']);
    expect(rows.map((r) => r.score)).toEqual([0.1, -2.5e300, 0]);
    expect(rows.map((r) => r.ctr)).toEqual([null, 0.25, Number.MIN_VALUE]);
    // INT64 reads back as bigint.
    expect(rows.map((r) => r.count_total)).toEqual([0n, 9007199254740991n, -42n]);
    expect(rows.map((r) => r.count_7d)).toEqual([1n, null, 3n]);
    expect(rows.map((r) => r.days)).toEqual([1, -2147483648, 2147483647]);
    expect(rows.map((r) => r.rank)).toEqual([null, null, 7]);
    expect(rows.map((r) => r.is_active)).toEqual([true, false, true]);
    expect(rows.map((r) => r.purchased)).toEqual([null, true, false]);
  });

  it('reads timestamps back as the same instants', async () => {
    const rows = await decodeParquet(encodeParquet(table));
    const instant = (v: unknown): number | null => (v === null ? null : (v as Date).getTime());
    expect(rows.map((r) => instant(r.ts))).toEqual([T0, 0, -86_400_000]);
    expect(rows.map((r) => instant(r.last_seen))).toEqual([null, T0 + 1, null]);
  });

  it('writes the explicit schema: physical/logical types and OPTIONAL only where nullable', () => {
    const { columns, rowCount, createdBy } = readParquetSchema(encodeParquet(table));
    expect(rowCount).toBe(3);
    expect(createdBy).toBe(PARQUET_CREATED_BY);
    const byName = new Map(columns.map((c) => [c.name, c]));
    expect(columns.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
    expect(byName.get('user_id')).toMatchObject({
      physicalType: 'BYTE_ARRAY',
      convertedType: 'UTF8',
      repetition: 'REQUIRED',
    });
    expect(byName.get('segment')?.repetition).toBe('OPTIONAL');
    expect(byName.get('score')).toMatchObject({ physicalType: 'DOUBLE', repetition: 'REQUIRED' });
    expect(byName.get('count_total')).toMatchObject({ physicalType: 'INT64' });
    expect(byName.get('count_total')?.convertedType).toBeUndefined();
    expect(byName.get('days')).toMatchObject({ physicalType: 'INT32' });
    expect(byName.get('is_active')).toMatchObject({ physicalType: 'BOOLEAN' });
    expect(byName.get('ts')).toMatchObject({
      physicalType: 'INT64',
      convertedType: 'TIMESTAMP_MILLIS',
      logicalType: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      repetition: 'REQUIRED',
    });
  });

  it('writes a valid, typed file for zero rows', async () => {
    const empty: Table = { rowCount: 0, columns: table.columns.map((c) => ({ ...c, values: [] })) };
    const bytes = encodeParquet(empty);
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
    expect(await decodeParquet(bytes)).toEqual([]);
    const schema = readParquetSchema(bytes);
    expect(schema.rowCount).toBe(0);
    expect(schema.columns.map((c) => c.name)).toEqual(table.columns.map((c) => c.name));
  });

  it('is deterministic: the same table gives identical bytes', () => {
    const a = encodeParquet(table);
    const b = encodeParquet({ rowCount: table.rowCount, columns: table.columns.map((c) => ({ ...c })) });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('round-trips many rows across row groups', async () => {
    const n = 250_000;
    const ids = new Array<string>(n);
    const counts = new Array<number | null>(n);
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = `u${i}`;
      counts[i] = i % 7 === 0 ? null : i;
      x[i] = i / 3;
    }
    const big: Table = {
      rowCount: n,
      columns: [
        { name: 'id', type: 'STRING', nullable: false, values: ids },
        { name: 'n', type: 'INT64', nullable: true, values: counts },
        { name: 'x', type: 'DOUBLE', nullable: false, values: x },
      ],
    };
    const rows = await decodeParquet(encodeParquet(big));
    expect(rows).toHaveLength(n);
    expect(rows[n - 1]).toEqual({ id: `u${n - 1}`, n: BigInt(n - 1), x: (n - 1) / 3 });
    expect(rows[140_000]).toEqual({ id: 'u140000', n: null, x: 140_000 / 3 });
  });

  it('writes string columns byte for byte as the writer does from the strings alone', async () => {
    // Two row groups: `a_id` (with statistics) is a dictionary column in the first and unique in
    // the second; the others cover non-ASCII, nulls and lone surrogates, with and without a dictionary.
    const n = 150_001;
    const cols: Record<string, (string | null)[]> = { a_id: [], b: [], c: [], d: [] };
    for (let i = 0; i < n; i++) {
      cols.a_id!.push(i < 100_000 ? `k${i % 13}` : `id-${i}`);
      cols.b!.push(i % 5 === 0 ? null : ['Küche', 'ü-é 😀', '日本', 'x'][i % 4]!);
      cols.c!.push(['\uD800', '\uDFFF', 'a', '\uD83D\uDE00'][i % 4]!);
      cols.d!.push(i % 3 === 0 ? null : `é${i}`);
    }
    const names = Object.keys(cols);
    const strings: Table = {
      rowCount: n,
      columns: names.map((name) => ({ name, type: 'STRING', nullable: true, values: cols[name]! })),
    };
    const expected = parquetWriteBuffer({
      schema: [
        { name: 'root', num_children: names.length },
        ...names.map((name) => ({
          name,
          repetition_type: 'OPTIONAL' as const,
          type: 'BYTE_ARRAY' as const,
          converted_type: 'UTF8' as const,
          logical_type: { type: 'STRING' as const },
        })),
      ],
      columnData: names.map((name) => ({ name, data: cols[name]!, statistics: name.endsWith('_id') })),
      codec: 'SNAPPY',
      compressors: { SNAPPY: (bytes: Uint8Array): Uint8Array => compressSync(bytes) },
      rowGroupSize: 100_000,
      createdBy: PARQUET_CREATED_BY,
    });
    const bytes = encodeParquet(strings);
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
    const rows = await decodeParquet(bytes);
    // UTF-8 cannot hold a lone surrogate: it is written, and read back, as U+FFFD.
    expect(rows[120_000]).toEqual({ a_id: 'id-120000', b: null, c: '\uFFFD', d: null });
    expect(rows[120_001]).toEqual({ a_id: 'id-120001', b: 'ü-é 😀', c: '\uFFFD', d: 'é120001' });
  });

  it('rejects ragged columns and non-integer INT64 values, naming them', () => {
    expect(() =>
      encodeParquet({
        rowCount: 2,
        columns: [{ name: 'a', type: 'INT32', nullable: false, values: new Int32Array(1) }],
      }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      encodeParquet({ rowCount: 1, columns: [{ name: 'n', type: 'INT64', nullable: false, values: [1.5] }] }),
    ).toThrow(/INT64 value 1.5.*column n/);
  });
});

describe('decodeParquetColumns', () => {
  it('reads the named columns as arrays equal to the row decoder’s values, skipping absent ones', async () => {
    const bytes = encodeParquet(table);
    const rows = await decodeParquet(bytes);
    const names = ['segment', 'count_7d', 'purchased', 'last_seen', 'no_such_column'];
    const { rowCount, columns } = await decodeParquetColumns(bytes, names);
    expect(rowCount).toBe(3);
    expect(Object.keys(columns).sort()).toEqual(['count_7d', 'last_seen', 'purchased', 'segment']);
    for (const name of ['segment', 'count_7d', 'purchased', 'last_seen'])
      expect(columns[name]).toEqual(rows.map((r) => r[name]));
  });

  it('places every page of several row groups at its row', async () => {
    const n = 230_000;
    const x = new Float64Array(n);
    const flags = new Array<boolean | null>(n);
    for (let i = 0; i < n; i++) {
      x[i] = i * 0.5;
      flags[i] = i % 5 === 0 ? null : i % 2 === 0;
    }
    const bytes = encodeParquet({
      rowCount: n,
      columns: [
        { name: 'x', type: 'DOUBLE', nullable: false, values: x },
        { name: 'flag', type: 'BOOLEAN', nullable: true, values: flags },
      ],
    });
    const { rowCount, columns } = await decodeParquetColumns(bytes, ['x', 'flag']);
    expect(rowCount).toBe(n);
    expect(columns.x).toEqual(Array.from(x));
    expect(columns.flag).toEqual(flags);
  });
});
