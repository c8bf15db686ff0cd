/**
 * The behaviour every `Lake` must show, run against each adapter (local disk, S3) so they stay
 * interchangeable. Not a test file itself: adapter tests call `describeLakeContract`.
 */
import { decodeLines, encodeJsonl, gzip } from '../../../adapters/jsonl';
import { ObjectNotFoundError } from '../../../domain/errors';
import type { Lake } from '../../../domain/ports';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** Registers the shared lake behaviour suite; `makeLake` returns a fresh, empty lake per test. */
export function describeLakeContract(name: string, makeLake: () => Promise<Lake> | Lake): void {
  describe(`${name} (Lake contract)`, () => {
    let lake: Lake;

    beforeEach(async () => {
      lake = await makeLake();
    });

    it('reads back what it wrote, as bytes, from a string or a Uint8Array', async () => {
      await lake.write('a/one.txt', 'héllo');
      await lake.write('a/two.bin', new Uint8Array([0, 255, 1]));
      expect(text(await lake.read('a/one.txt'))).toBe('héllo');
      expect(Array.from(await lake.read('a/two.bin'))).toEqual([0, 255, 1]);
    });

    it('lists recursively, sorted by key in code-point order, with sizes and etags', async () => {
      const keys = [
        'raw/b.jsonl',
        'raw/a/z.jsonl',
        'raw/B.jsonl',
        'raw/a/y/x.jsonl',
        'raw/é.jsonl',
        'raw/a-b.jsonl',
        'raw/a/😀.jsonl',
        'raw/a/\uffff.jsonl',
      ];
      for (const key of keys) await lake.write(key, key);
      const listed = await lake.list('raw/');
      // Code-point order: '-' < '/' < 'B' < 'b' < 'é' and U+FFFF < U+1F600 (unlike UTF-16 order).
      expect(listed.map((o) => o.key)).toEqual([
        'raw/B.jsonl',
        'raw/a-b.jsonl',
        'raw/a/y/x.jsonl',
        'raw/a/z.jsonl',
        'raw/a/\uffff.jsonl',
        'raw/a/😀.jsonl',
        'raw/b.jsonl',
        'raw/é.jsonl',
      ]);
      for (const obj of listed) {
        expect(obj.size).toBe(Buffer.byteLength(obj.key));
        expect(obj.etag).not.toBe('');
      }
    });

    it('filters by prefix, including a partial name', async () => {
      await lake.write('raw/day=01/a.jsonl', '1');
      await lake.write('raw/day=02/a.jsonl', '2');
      await lake.write('raw/day=10/a.jsonl', '3');
      await lake.write('other/x', '4');
      expect((await lake.list('raw/day=0')).map((o) => o.key)).toEqual([
        'raw/day=01/a.jsonl',
        'raw/day=02/a.jsonl',
      ]);
      expect((await lake.list('raw/day=10/')).map((o) => o.key)).toEqual(['raw/day=10/a.jsonl']);
      expect((await lake.list('')).map((o) => o.key)).toEqual([
        'other/x',
        'raw/day=01/a.jsonl',
        'raw/day=02/a.jsonl',
        'raw/day=10/a.jsonl',
      ]);
    });

    it('lists nothing under a missing prefix', async () => {
      expect(await lake.list('nothing/here/')).toEqual([]);
    });

    it('overwrites an object whole', async () => {
      await lake.write('x/file.json', 'a much longer first version');
      await lake.write('x/file.json', 'short');
      expect(text(await lake.read('x/file.json'))).toBe('short');
      const listed = await lake.list('x/');
      expect(listed).toHaveLength(1);
      expect(listed[0]?.size).toBe(5);
    });

    it('writes a stream of chunks whole, replacing the object', async () => {
      await lake.write('s/object.jsonl', 'old');
      async function* chunks() {
        for (let i = 0; i < 100; i++) yield new TextEncoder().encode(`line ${i}\n`);
      }
      await lake.writeStream('s/object.jsonl', chunks());
      const lines = text(await lake.read('s/object.jsonl')).split('\n');
      expect([lines.length, lines[0], lines[99]]).toEqual([101, 'line 0', 'line 99']);
      expect((await lake.list('s/')).map((o) => o.key)).toEqual(['s/object.jsonl']);
    });

    it('leaves the object as it was when the stream fails midway', async () => {
      await lake.write('s/kept.jsonl', 'old');
      async function* failing() {
        yield new TextEncoder().encode('partial\n');
        throw new Error('source dropped');
      }
      await expect(lake.writeStream('s/kept.jsonl', failing())).rejects.toThrow('source dropped');
      expect(text(await lake.read('s/kept.jsonl'))).toBe('old');
      expect((await lake.list('s/')).map((o) => o.key)).toEqual(['s/kept.jsonl']);
    });

    it('deletes everything under a prefix and nothing else', async () => {
      await lake.write('out/day=01/part-0.parquet', 'a');
      await lake.write('out/day=01/part-1.parquet', 'b');
      await lake.write('out/day=01/sub/part-2.parquet', 'c');
      await lake.write('out/day=02/part-0.parquet', 'd');
      await lake.deletePrefix('out/day=01/');
      expect((await lake.list('out/')).map((o) => o.key)).toEqual(['out/day=02/part-0.parquet']);
      await lake.deletePrefix('missing/');
      await expect(lake.read('out/day=01/part-0.parquet')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('creates an object only when absent (writeIfAbsent), never replacing one', async () => {
      expect(await lake.writeIfAbsent('runs/r1/request.json', 'first')).toBe(true);
      expect(await lake.writeIfAbsent('runs/r1/request.json', 'second, longer')).toBe(false);
      expect(text(await lake.read('runs/r1/request.json'))).toBe('first');
      await lake.write('runs/r2/request.json', 'plain write');
      expect(await lake.writeIfAbsent('runs/r2/request.json', 'other')).toBe(false);
      expect(text(await lake.read('runs/r2/request.json'))).toBe('plain write');
      expect((await lake.list('runs/')).map((o) => o.key)).toEqual([
        'runs/r1/request.json',
        'runs/r2/request.json',
      ]);
      await lake.deletePrefix('runs/r1/request.json');
      expect(await lake.writeIfAbsent('runs/r1/request.json', 'again')).toBe(true);
      expect(text(await lake.read('runs/r1/request.json'))).toBe('again');
    });

    it('lets exactly one of many concurrent writeIfAbsent calls create a key, whole', async () => {
      const bodies = Array.from({ length: 12 }, (_, i) => `writer ${i} `.repeat(2000));
      const created = await Promise.all(bodies.map((b) => lake.writeIfAbsent('lock/one.json', b)));
      expect(created.filter((c) => c)).toHaveLength(1);
      const winner = bodies[created.indexOf(true)];
      expect(text(await lake.read('lock/one.json'))).toBe(winner);
      expect((await lake.list('lock/')).map((o) => o.key)).toEqual(['lock/one.json']);
    });

    it('rejects a missing object with ObjectNotFoundError naming its URI', async () => {
      const err: unknown = await lake.read('no/such/key.json').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectNotFoundError);
      expect((err as ObjectNotFoundError).message).toContain(lake.uriOf('no/such/key.json'));
    });

    it('round-trips gzipped JSON lines', async () => {
      const rows = [
        { id: 1, s: 'a' },
        { id: 2, s: 'ü' },
      ];
      await lake.write('raw/day=01/part.jsonl.gz', gzip(encodeJsonl(rows)));
      const lines = decodeLines('raw/day=01/part.jsonl.gz', await lake.read('raw/day=01/part.jsonl.gz'));
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(rows);
    });

    it('names keys with full URIs', () => {
      expect(lake.uriOf('a/b.json')).toContain('a');
      expect(lake.uriOf('a/b.json').endsWith('b.json')).toBe(true);
    });
  });
}
