/**
 * SigV4 of `npm run client`: a local HTTP server receives the client's requests (the real process,
 * credentials from the environment through the SDK's standard chain) and recomputes each signature
 * from what arrived; execute-api hosts are signed in their region, other hosts only with --sign,
 * localhost never by default.
 */
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBaseUrl, signingRegion, wireRequest, apiCalls } from '../../../scripts/lib/client/requests';
import { createRequestSigner } from '../../../scripts/lib/client/signer';
import { runClientCli } from '../../support/client-cli';
import {
  type ReceivedRequest,
  parseAuthorization,
  receivedOf,
  verifySigV4,
} from '../../support/sigv4-verifier';

jest.setTimeout(120_000);

const CREDENTIALS = {
  accessKeyId: 'AKIDCLIENTTEST',
  secretAccessKey: 'client-test-secret-key/0123456789abcdefghij',
  sessionToken: 'client-test-session-token',
};
/** The same credentials as the SDK's environment provider reads them. */
const CREDENTIAL_ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
};

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.once('end', () => resolve(body));
    request.once('error', reject);
  });
}

describe('signed requests', () => {
  let server: Server;
  let base: string;
  let received: ReceivedRequest[];

  beforeAll(async () => {
    received = [];
    server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
        );
        received.push({ method: request.method ?? '', target: request.url ?? '', headers, body });
        const reply =
          request.method === 'POST'
            ? { run_id: 'signed-run', status: 'RUNNING', existing: false }
            : { runs: [] };
        response.writeHead(request.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = [];
  });

  it('--sign signs POST /runs with the chain’s credentials in AWS_REGION; the signature holds on arrival', async () => {
    const run = await runClientCli(
      [
        'runs',
        'start',
        '--mode',
        'full',
        '--start-date',
        '2024-01-01',
        '--end-date',
        '2024-01-02',
        '--sign',
        '--base-url',
        `${base}/prod`,
      ],
      { ...CREDENTIAL_ENV, AWS_REGION: 'eu-west-1' },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({ run_id: 'signed-run' });
    expect(received).toHaveLength(1);
    const request = received[0] as ReceivedRequest;
    expect(request.target).toBe('/prod/runs');
    expect(JSON.parse(request.body)).toEqual({
      mode: 'full',
      start_date: '2024-01-01',
      end_date: '2024-01-02',
    });
    const auth = await verifySigV4(request, CREDENTIALS);
    expect(auth).toMatchObject({
      accessKeyId: 'AKIDCLIENTTEST',
      region: 'eu-west-1',
      service: 'execute-api',
    });
    expect(auth.signedHeaders).toEqual(
      expect.arrayContaining([
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ]),
    );
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
  });

  it('signs the query string too (GET /runs?limit=3)', async () => {
    const run = await runClientCli(['runs', 'list', '--limit', '3', '--sign', '--base-url', base], {
      ...CREDENTIAL_ENV,
      AWS_REGION: 'ap-southeast-2',
    });
    expect(run.status).toBe(0);
    const request = received[0] as ReceivedRequest;
    expect(request.target).toBe('/runs?limit=3');
    expect(await verifySigV4(request, CREDENTIALS)).toMatchObject({ region: 'ap-southeast-2' });
    // The same request with another limit does not carry this signature.
    await expect(verifySigV4({ ...request, target: '/runs?limit=4' }, CREDENTIALS)).rejects.toThrow(
      /signature mismatch/,
    );
  });

  it('sends localhost requests unsigned, even with credentials at hand', async () => {
    const run = await runClientCli(['runs', 'list', '--base-url', base], CREDENTIAL_ENV);
    expect(run.status).toBe(0);
    const headers = (received[0] as ReceivedRequest).headers;
    expect(headers.authorization).toBeUndefined();
    expect(Object.keys(headers).filter((h) => h.startsWith('x-amz-'))).toEqual([]);
  });

  it('exits 4 naming the host when the chain finds no credentials to sign with', async () => {
    const home = mkdtempSync(join(tmpdir(), 'client-home-'));
    try {
      const run = await runClientCli(['runs', 'list', '--sign', '--base-url', base], {
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      });
      expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 4, stdout: '' });
      expect(run.stderr).toContain('could not sign the request for 127.0.0.1');
      expect(received).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('signs for an execute-api host in the host’s region; a changed body breaks the signature', async () => {
    const url = parseBaseUrl('https://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com');
    const region = signingRegion(url, { force: false, fallbackRegion: 'us-east-1' });
    expect(region).toBe('ap-northeast-1');
    const call = apiCalls.onlineFeatures({ user_id: 'u 1', product_ids: ['p1', 'p2'] });
    const signed = await createRequestSigner(region as string, CREDENTIALS)(wireRequest(url, call));
    const arrived = receivedOf(signed);
    expect(arrived.headers.host).toBe('a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com');
    expect(parseAuthorization(arrived.headers.authorization)).toMatchObject({
      region: 'ap-northeast-1',
      service: 'execute-api',
    });
    await expect(verifySigV4(arrived, CREDENTIALS)).resolves.toMatchObject({ region: 'ap-northeast-1' });
    await expect(
      verifySigV4({ ...arrived, body: arrived.body.replace('p2', 'p3') }, CREDENTIALS),
    ).rejects.toThrow(/x-amz-content-sha256/);
    await expect(verifySigV4(arrived, { ...CREDENTIALS, secretAccessKey: 'another-secret' })).rejects.toThrow(
      /signature mismatch/,
    );
  });
});
