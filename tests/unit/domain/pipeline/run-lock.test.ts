import { MemoryLake } from '../../../../adapters/memory-lake';
import { readJson } from '../../../../domain/lake-json';
import { outputKeys } from '../../../../domain/lake-layout';
import {
  MANIFEST_STALE_AFTER_MS,
  OutputRootLockedError,
  type RunLock,
  acquireRunLock,
  liveRunLock,
  releaseRunLock,
  takeRunLock,
} from '../../../../domain/pipeline/run-lock';

const T0 = Date.parse('2024-02-01T02:00:00Z');
const run = (holder: string) => ({ holder, kind: 'run' as const, maxSeconds: 3600 });

describe('the run lock of an output root', () => {
  it('is taken by the first holder and refused to the next, naming the holder', async () => {
    const lake = new MemoryLake('out');
    expect(await acquireRunLock(lake, run('a'), T0)).toMatchObject({ acquired: true, fresh: true });
    expect(await readJson<RunLock>(lake, outputKeys.runLock)).toEqual({
      holder: 'a',
      kind: 'run',
      taken_at: '2024-02-01T02:00:00.000Z',
      expires_at: '2024-02-01T03:00:00.000Z',
    });
    const refused = await acquireRunLock(lake, run('b'), T0 + 1000);
    expect(refused).toMatchObject({ acquired: false, holder: { holder: 'a', kind: 'run' } });
    const err: unknown = await takeRunLock(lake, run('b'), T0 + 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputRootLockedError);
    expect((err as Error).message).toBe(
      'output root memory://out is in use by run a (since 2024-02-01T02:00:00.000Z); wait for it to end ' +
        '(its lock expires at 2024-02-01T03:00:00.000Z at the latest)',
    );
  });

  it('is its own holder’s again (a registered run planning, a retried task), not fresh', async () => {
    const lake = new MemoryLake('out');
    await acquireRunLock(lake, run('a'), T0);
    expect(await acquireRunLock(lake, run('a'), T0 + 5)).toEqual({
      acquired: true,
      fresh: false,
      lock: {
        holder: 'a',
        kind: 'run',
        taken_at: '2024-02-01T02:00:00.000Z',
        expires_at: '2024-02-01T03:00:00.000Z',
      },
    });
    // A validation is another holder even under the same name.
    expect(
      await acquireRunLock(lake, { holder: 'a', kind: 'validation', maxSeconds: 900 }, T0),
    ).toMatchObject({ acquired: false });
  });

  it('is released by its holder only', async () => {
    const lake = new MemoryLake('out');
    await acquireRunLock(lake, run('a'), T0);
    await releaseRunLock(lake, 'b', 'run');
    expect(await liveRunLock(lake, T0)).toMatchObject({ holder: 'a' });
    await releaseRunLock(lake, 'a', 'run');
    expect(lake.keys()).toEqual([]);
    expect(await acquireRunLock(lake, run('b'), T0)).toMatchObject({ acquired: true, fresh: true });
  });

  it('is taken over once its time is up', async () => {
    const lake = new MemoryLake('out');
    await acquireRunLock(lake, run('a'), T0);
    expect(await acquireRunLock(lake, run('b'), T0 + 3_599_999)).toMatchObject({ acquired: false });
    expect(await acquireRunLock(lake, run('b'), T0 + 3_600_000)).toMatchObject({
      acquired: true,
      fresh: true,
    });
    expect(await readJson<RunLock>(lake, outputKeys.runLock)).toMatchObject({ holder: 'b' });
  });

  it('is taken over when its run has written its manifest (a release that failed)', async () => {
    const lake = new MemoryLake('out');
    await acquireRunLock(lake, run('a'), T0);
    await lake.write(outputKeys.manifest('a'), '{}');
    // Not at once: the manifest may be the one of an earlier run of the id, which Plan removes.
    expect(await liveRunLock(lake, T0 + MANIFEST_STALE_AFTER_MS - 1)).toMatchObject({ holder: 'a' });
    expect(await liveRunLock(lake, T0 + MANIFEST_STALE_AFTER_MS)).toBeNull();
    expect(await acquireRunLock(lake, run('b'), T0 + MANIFEST_STALE_AFTER_MS)).toMatchObject({
      acquired: true,
      fresh: true,
    });
  });

  it('of a validation is not made stale by a run manifest of the same name', async () => {
    const lake = new MemoryLake('out');
    await acquireRunLock(lake, { holder: 'v', kind: 'validation', maxSeconds: 900 }, T0);
    await lake.write(outputKeys.manifest('v'), '{}');
    expect(await acquireRunLock(lake, run('b'), T0 + MANIFEST_STALE_AFTER_MS)).toMatchObject({
      acquired: false,
    });
  });

  it('goes to exactly one of many concurrent takers', async () => {
    const lake = new MemoryLake('out');
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => acquireRunLock(lake, run(`r${i}`), T0)),
    );
    expect(outcomes.filter((o) => o.acquired)).toHaveLength(1);
  });
});
