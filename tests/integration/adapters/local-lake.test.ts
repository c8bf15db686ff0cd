import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { lakeFromUri } from '../../../adapters/lake-from-uri';
import { joinLakeUri } from '../../../domain/lake-uri';
import { LocalLake, compareKeys } from '../../../adapters/local-lake';
import { S3Lake } from '../../../adapters/s3-lake';
import { InvalidArgumentError } from '../../../domain/errors';
import { describeLakeContract } from './lake-contract';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'local-lake-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describeLakeContract('LocalLake', async () => new LocalLake(await freshDir()));
describeLakeContract('LocalLake via file:// URI', async () =>
  lakeFromUri(pathToFileURL(await freshDir()).href),
);

describe('LocalLake specifics', () => {
  it('lists nothing when the root itself does not exist', async () => {
    const lake = new LocalLake(path.join(await freshDir(), 'not', 'there'));
    expect(await lake.list('')).toEqual([]);
    expect(await lake.list('raw/')).toEqual([]);
  });

  it('writes atomically via a temp file that is renamed away and never listed', async () => {
    const dir = await freshDir();
    const lake = new LocalLake(dir);
    await lake.write('a/b/c.json', '{}');
    expect(await readdir(path.join(dir, 'a', 'b'))).toEqual(['c.json']);
    // A temp file left by a crashed writer is not an object.
    await writeFile(path.join(dir, 'a', 'b', `.c.json.tmp-123-abcdef`), 'partial');
    expect((await lake.list('a/')).map((o) => o.key)).toEqual(['a/b/c.json']);
  });

  it('uses size-mtime etags and file paths as URIs', async () => {
    const dir = await freshDir();
    const lake = new LocalLake(dir + '/');
    await lake.write('k.txt', 'abc');
    const [obj] = await lake.list('k');
    expect(obj?.etag).toMatch(/^3-\d+(\.\d+)?$/);
    expect(lake.uriOf('x/y.txt')).toBe(path.join(dir, 'x', 'y.txt'));
    expect(lake.uri).toBe(dir);
  });

  it('refuses keys that escape the root', async () => {
    const lake = new LocalLake(await freshDir());
    await expect(lake.write('../evil.txt', 'x')).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('lakeFromUri / joinLakeUri', () => {
  it('picks the adapter from the scheme', () => {
    expect(lakeFromUri('./lake')).toBeInstanceOf(LocalLake);
    expect(lakeFromUri('file:///tmp/lake')).toBeInstanceOf(LocalLake);
    expect(lakeFromUri('s3://bucket/prefix')).toBeInstanceOf(S3Lake);
  });

  it('rejects empty URIs and unsupported schemes, naming the value', () => {
    expect(() => lakeFromUri('')).toThrow(InvalidArgumentError);
    expect(() => lakeFromUri('http://example.com/lake')).toThrow(/"http:\/\/example.com\/lake"/);
    expect(() => lakeFromUri('s3://')).toThrow(InvalidArgumentError);
  });

  it('joins sub-paths with exactly one separator', () => {
    expect(joinLakeUri('s3://bucket/raw', 'processed')).toBe('s3://bucket/raw/processed');
    expect(joinLakeUri('s3://bucket', 'processed')).toBe('s3://bucket/processed');
    expect(joinLakeUri('s3://bucket/raw/', '/processed/')).toBe('s3://bucket/raw/processed');
    expect(joinLakeUri('./lake', 'processed')).toBe('./lake/processed');
    expect(joinLakeUri('/', 'processed')).toBe('/processed');
    expect(joinLakeUri('file:///', 'processed')).toBe('file:///processed');
    expect(joinLakeUri('file:///tmp/lake', 'processed')).toBe('file:///tmp/lake/processed');
    expect(() => joinLakeUri('', 'x')).toThrow(InvalidArgumentError);
  });
});

describe('compareKeys', () => {
  it('orders by code point, not UTF-16 unit or locale', () => {
    const keys = ['b', 'B', '😀', '\uffff', 'a/b', 'a-b', 'é'];
    expect([...keys].sort(compareKeys)).toEqual(['B', 'a-b', 'a/b', 'b', 'é', '\uffff', '😀']);
  });
});
