import fc from 'fast-check';

import { decodeLines, encodeJsonl, gunzip, gzip } from '../../../adapters/jsonl';
import { CorruptObjectError } from '../../../domain/errors';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeLines', () => {
  it('splits on \\n only, keeping blank and whitespace lines in place', () => {
    expect(decodeLines('a.jsonl', bytes('{"a":1}\n\n  \n{"b":2}\r\n{"c":3}'))).toEqual([
      '{"a":1}',
      '',
      '  ',
      '{"b":2}\r',
      '{"c":3}',
    ]);
  });

  it('does not add a line for a final newline, and gives nothing for an empty object', () => {
    expect(decodeLines('a.jsonl', bytes('x\ny\n'))).toEqual(['x', 'y']);
    expect(decodeLines('a.jsonl', bytes('\n'))).toEqual(['']);
    expect(decodeLines('a.jsonl', new Uint8Array(0))).toEqual([]);
  });

  it('replaces invalid UTF-8 with U+FFFD and keeps a leading BOM', () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62, 0x0a, 0xc3, 0xa9]);
    expect(decodeLines('a.jsonl', raw)).toEqual(['\ufeffa\ufffdb', 'é']);
  });

  it('gunzips .gz keys only', () => {
    const gz = gzip('{"a":1}\n{"a":2}\n');
    expect(decodeLines('day/part-0.jsonl.gz', gz)).toEqual(['{"a":1}', '{"a":2}']);
    expect(decodeLines('day/part-0.jsonl', bytes('plain'))).toEqual(['plain']);
  });

  it('reads concatenated gzip members as one stream', () => {
    const a = gzip('x\n');
    const b = gzip('y\n');
    const both = new Uint8Array(a.length + b.length);
    both.set(a, 0);
    both.set(b, a.length);
    expect(decodeLines('k.gz', both)).toEqual(['x', 'y']);
  });

  it('reports a truncated or corrupt gzip as CorruptObjectError naming the key', () => {
    const gz = gzip('{"a":1}\n'.repeat(1000));
    const truncated = gz.subarray(0, Math.floor(gz.length / 2));
    expect(() => decodeLines('raw/day=01/part.jsonl.gz', truncated)).toThrow(CorruptObjectError);
    expect(() => decodeLines('raw/day=01/part.jsonl.gz', truncated)).toThrow(/raw\/day=01\/part\.jsonl\.gz/);
    expect(() => gunzip('bad.gz', bytes('not gzip at all'))).toThrow(CorruptObjectError);
  });

  it('round-trips encodeJsonl for any JSON values', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.boolean(), (values, zipped) => {
        const text = encodeJsonl(values);
        const key = zipped ? 'x.jsonl.gz' : 'x.jsonl';
        const lines = decodeLines(key, zipped ? gzip(text) : bytes(text));
        expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(
          values.map((v) => JSON.parse(JSON.stringify(v)) as unknown),
        );
      }),
    );
  });

  // No timing bound: speed is `npm run bench`'s job (its validate stage decodes every line), and a
  // bound here fails on a loaded machine.
  it('decodes a million ~250-byte lines, every one intact', () => {
    const line = JSON.stringify({
      interaction_id: 'i'.repeat(36),
      user_id: 'user_000123',
      product_id: 'prod_000456',
      interaction_type: 'add_to_cart',
      timestamp: '2024-03-01T12:34:56.789Z',
      session_id: 's'.repeat(36),
      rating: null,
      device_type: 'mobile',
      page_context: 'pdp',
    });
    const raw = bytes(`${line}\n`.repeat(1_000_000));
    const lines = decodeLines('big.jsonl', raw);
    expect(lines).toHaveLength(1_000_000);
    expect(lines[0]).toBe(line);
    expect(lines[999_999]).toBe(line);
    expect(lines.every((l) => l === line)).toBe(true);
  });
});

describe('encodeJsonl / gzip', () => {
  it('writes one JSON document per line with a trailing newline', () => {
    expect(encodeJsonl([{ a: 1 }, 'x', null])).toBe('{"a":1}\n"x"\nnull\n');
    expect(encodeJsonl([])).toBe('');
  });

  it('gzips deterministically', () => {
    expect(Buffer.from(gzip('abc')).equals(Buffer.from(gzip(bytes('abc'))))).toBe(true);
  });
});
