import { MemoryLake } from '../../adapters/memory-lake';
import { ObjectNotFoundError } from '../../domain/errors';
import { describeLakeContract } from '../integration/adapters/lake-contract';

describeLakeContract('MemoryLake', () => new MemoryLake('contract'));

describe('MemoryLake specifics', () => {
  it('names itself memory://<name> and its keys below that', () => {
    const lake = new MemoryLake('raw');
    expect(lake.uri).toBe('memory://raw');
    expect(lake.uriOf('a/b.jsonl')).toBe('memory://raw/a/b.jsonl');
  });

  it('starts from the initial objects, strings as UTF-8', async () => {
    const lake = new MemoryLake('x', [
      ['b/2.txt', 'é'],
      ['a/1.bin', new Uint8Array([1, 2])],
    ]);
    expect(lake.keys()).toEqual(['a/1.bin', 'b/2.txt']);
    expect(Array.from(await lake.read('b/2.txt'))).toEqual([0xc3, 0xa9]);
    expect((await lake.list('b/'))[0]?.size).toBe(2);
  });

  it('stores and returns copies, so callers cannot change stored bytes', async () => {
    const lake = new MemoryLake();
    const body = new Uint8Array([1, 2, 3]);
    await lake.write('k', body);
    body[0] = 9;
    const read = await lake.read('k');
    read[1] = 9;
    expect(Array.from(await lake.read('k'))).toEqual([1, 2, 3]);
  });

  it('gives equal contents equal ETags and different contents different ones', async () => {
    const lake = new MemoryLake();
    await lake.write('a', 'same');
    await lake.write('b', 'same');
    await lake.write('c', 'other');
    const [a, b, c] = await lake.list('');
    expect(a?.etag).toBe(b?.etag);
    expect(a?.etag).not.toBe(c?.etag);
  });

  it('rejects a missing read with ObjectNotFoundError carrying the URI', async () => {
    const err: unknown = await new MemoryLake('m').read('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect((err as ObjectNotFoundError).key).toBe('memory://m/nope');
  });

  it('snapshots are deep copies', async () => {
    const lake = new MemoryLake();
    await lake.write('k', 'v1');
    const before = lake.snapshot();
    await lake.write('k', 'v2');
    expect(Buffer.from(before.get('k') as Uint8Array).toString()).toBe('v1');
  });
});
