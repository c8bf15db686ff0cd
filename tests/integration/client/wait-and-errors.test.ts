/**
 * `runClient` in-process against a scripted HTTP server: how `runs wait` ends (timeout, asking
 * again after brief failures, giving up on a gone API) and how non-problem error bodies (API
 * Gateway's own refusals) and non-JSON replies are reported.
 */
import { type Server, createServer } from 'node:http';
import { loadSettings } from '../../../config';
import { CLIENT_EXIT, runClient } from '../../../scripts/lib/client/commands';
import { MAX_CONSECUTIVE_FAILURES } from '../../../scripts/lib/client/wait-for-run';

/** One scripted reply: status, content type and body. */
type Reply = readonly [number, string, string];

const json = (status: number, body: unknown): Reply => [status, 'application/json', JSON.stringify(body)];
const running = json(200, { run_id: 'r1', status: 'RUNNING', stages: [] });

describe('runs wait and error replies', () => {
  let server: Server;
  let base: string;
  /** Replies served in order; the last one repeats. */
  let script: Reply[];
  let hits: number;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      const [status, type, body] = script[Math.min(hits, script.length - 1)] as Reply;
      hits += 1;
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    hits = 0;
  });

  async function client(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runClient(argv, {
      settings: loadSettings({ API_BASE_URL: base }),
      io: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    });
    return { code, stdout, stderr };
  }

  it('exits 5 when the run is still RUNNING at --timeout, after polling until then', async () => {
    script = [running];
    const started = Date.now();
    const r = await client('runs', 'wait', 'r1', '--interval', '0.05', '--timeout', '0.3');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(r.code).toBe(CLIENT_EXIT.waitTimeout);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('run r1 is still RUNNING after 0.3 s');
    expect(hits).toBeGreaterThanOrEqual(2);
    // Progress is printed when it changes, not at every poll.
    expect(r.stderr.split('\n').filter((l) => l.includes('RUNNING, 0 stage records'))).toHaveLength(1);
  });

  it('asks again after a 503 and a 429, then reports SUCCEEDED', async () => {
    script = [
      running,
      json(503, { message: 'Service Unavailable' }),
      json(429, { message: 'Too Many Requests' }),
      json(200, { run_id: 'r1', status: 'SUCCEEDED', stages: [{}, {}] }),
    ];
    const r = await client('runs', 'wait', 'r1', '--interval', '0.01');
    expect(r.code).toBe(CLIENT_EXIT.ok);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'SUCCEEDED' });
    expect(r.stderr).toContain('503 Service Unavailable: Service Unavailable (asking again, 1 of 5)');
    expect(r.stderr).toContain('429 Too Many Requests: Too Many Requests (asking again, 2 of 5)');
  });

  it(`gives up after ${MAX_CONSECUTIVE_FAILURES} failures in a row, exit 3`, async () => {
    script = [json(502, { message: 'Bad Gateway' })];
    const r = await client('runs', 'wait', 'r1', '--interval', '0.01');
    expect(r.code).toBe(CLIENT_EXIT.apiError);
    expect(hits).toBe(MAX_CONSECUTIVE_FAILURES);
  });

  it('does not ask again after a 4xx: an unknown run ends the wait at once', async () => {
    script = [
      [
        404,
        'application/problem+json',
        JSON.stringify({ title: 'Not Found', status: 404, detail: 'run r1 not found' }),
      ],
    ];
    const r = await client('runs', 'wait', 'r1', '--interval', '0.01');
    expect(r.code).toBe(CLIENT_EXIT.apiError);
    expect(hits).toBe(1);
    expect(r.stderr).toBe('error: GET /runs/r1: 404 Not Found: run r1 not found\n');
  });

  it('reports API Gateway’s own refusal (no problem+json) with its status and message', async () => {
    script = [json(403, { message: 'Missing Authentication Token' })];
    const r = await client('runs', 'list');
    expect(r.code).toBe(CLIENT_EXIT.apiError);
    expect(r.stderr).toBe('error: GET /runs: 403 Forbidden: Missing Authentication Token\n');
  });

  it('a 200 that is not JSON is no answer (exit 4), naming the URL', async () => {
    script = [[200, 'text/html', '<html>a proxy page</html>']];
    const r = await client('runs', 'list', '--limit', '2');
    expect(r.code).toBe(CLIENT_EXIT.noAnswer);
    expect(r.stderr).toContain(`${base}/runs?limit=2 answered 200 but not with JSON`);
  });

  it('refuses bad wait flags before sending anything', async () => {
    script = [json(202, { run_id: 'r1', status: 'RUNNING' })];
    await expect(client('runs', 'start', '--wait', '--timeout', 'soon')).rejects.toThrow(/--timeout/);
    await expect(client('runs', 'list', '--limit', '0')).rejects.toThrow(/--limit/);
    await expect(client('runs', 'get')).rejects.toThrow(/<run-id> is required/);
    await expect(client('runs', 'get', 'a', 'b')).rejects.toThrow(/unexpected argument "b"/);
    await expect(client('runs', 'stop', 'a')).rejects.toThrow(
      /unknown command "runs stop": one of start, get, list, wait/,
    );
    await expect(client('features', 'online', '--user-id', 'u')).rejects.toThrow(/--product-ids is required/);
    expect(hits).toBe(0);
  });
});
