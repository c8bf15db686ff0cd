/** The pure half of `npm run client`: the request each command makes, and whether it is signed. */
import { ConfigError, loadSettings } from '../../../../config';
import { UsageError } from '../../../../scripts/lib/cli';
import {
  apiCalls,
  executeApiRegion,
  parseBaseUrl,
  productIdsOf,
  signingRegion,
  wireRequest,
  wireUrl,
} from '../../../../scripts/lib/client/requests';
import { runRequestOfFlags } from '../../../../scripts/lib/run-options';

describe('apiCalls', () => {
  it('names the routes of api.md, percent-encoding path parameters as one segment', () => {
    expect(apiCalls.getRun('full-1')).toEqual({ method: 'GET', path: '/runs/full-1' });
    expect(apiCalls.userFeatures('u 1/2')).toEqual({ method: 'GET', path: '/features/users/u%201%2F2' });
    expect(apiCalls.itemFeatures('p#1').path).toBe('/features/items/p%231');
    expect(apiCalls.getDataset('r').path).toBe('/datasets/r');
    expect(apiCalls.listRuns(5)).toEqual({ method: 'GET', path: '/runs', query: { limit: '5' } });
    expect(apiCalls.listRuns(undefined)).toEqual({ method: 'GET', path: '/runs' });
    expect(apiCalls.createValidation({ date: '2024-01-02' })).toEqual({
      method: 'POST',
      path: '/validations',
      body: { date: '2024-01-02' },
    });
  });

  it('turns the run flags into the POST /runs body, leaving out what was not given', () => {
    const body = runRequestOfFlags({
      'start-date': '2024-01-01',
      'end-date': '2024-01-30',
      'run-id': 'r1',
      shards: '8',
    });
    expect(apiCalls.startRun(body)).toEqual({
      method: 'POST',
      path: '/runs',
      body: { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-30', run_id: 'r1', shards: 8 },
    });
    expect(runRequestOfFlags({ mode: 'incremental', date: '2024-01-31' })).toEqual({
      mode: 'incremental',
      date: '2024-01-31',
    });
  });

  it.each([
    [{ mode: 'weekly' }, '--mode'],
    [{ 'start-date': '2024-02-30' }, '--start-date'],
    [{ 'start-date': '2024-01-05', 'end-date': '2024-01-01' }, '--start-date'],
    [{ shards: 'four' }, '--shards'],
    [{ 'run-id': 'has spaces' }, '--run-id'],
  ])('refuses %j before sending, naming %s', (flags, flag) => {
    expect(() => runRequestOfFlags(flags)).toThrow(UsageError);
    expect(() => runRequestOfFlags(flags)).toThrow(flag);
  });

  it('splits --product-ids on commas and refuses an empty id', () => {
    expect(productIdsOf('p1, p2 ,p3')).toEqual(['p1', 'p2', 'p3']);
    expect(() => productIdsOf('p1,,p2')).toThrow(/--product-ids/);
  });
});

describe('wireRequest', () => {
  it('puts the base URL’s path before the route and sends JSON with content-type', () => {
    const url = parseBaseUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod/');
    const request = wireRequest(url, apiCalls.createValidation({ date: '2024-01-02' }));
    expect(request).toEqual({
      method: 'POST',
      protocol: 'https:',
      hostname: 'abc.execute-api.eu-west-1.amazonaws.com',
      path: '/prod/validations',
      query: {},
      headers: {
        host: 'abc.execute-api.eu-west-1.amazonaws.com',
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: '{"date":"2024-01-02"}',
    });
    expect(wireUrl(request)).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod/validations');
  });

  it('keeps a port in host and URL, the query in the URL, and sends no content-type without a body', () => {
    const request = wireRequest(parseBaseUrl('http://localhost:3000'), apiCalls.listRuns(3));
    expect(request.headers).toEqual({ host: 'localhost:3000', accept: 'application/json' });
    expect(request.port).toBe(3000);
    expect(wireUrl(request)).toBe('http://localhost:3000/runs?limit=3');
  });

  it.each(['not a url', 'ftp://host/x', 'http://host/?a=1', 'http://host/#x'])(
    'refuses the base URL %s',
    (text) => {
      expect(() => parseBaseUrl(text)).toThrow(/--base-url/);
    },
  );
});

describe('API_BASE_URL (config.ts)', () => {
  it('defaults to the local API on API_PORT, and refuses a value that is not an http(s) URL by name', () => {
    expect(loadSettings({}).apiBaseUrl).toBe('http://localhost:3000');
    expect(loadSettings({ API_PORT: '4010' }).apiBaseUrl).toBe('http://localhost:4010');
    expect(loadSettings({ API_BASE_URL: 'https://api.example.com/v1' }).apiBaseUrl).toBe(
      'https://api.example.com/v1',
    );
    expect(() => loadSettings({ API_BASE_URL: 'ftp://api.example.com' })).toThrow(ConfigError);
    expect(() => loadSettings({ API_BASE_URL: 'localhost:3000' })).toThrow(/API_BASE_URL/);
  });
});

describe('signing decision', () => {
  it.each([
    ['abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['ABC123.execute-api.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['abc123-vpce-0a1b2c3d.execute-api.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
  ])('%s is an execute-api host of %s', (host, region) => {
    expect(executeApiRegion(host)).toBe(region);
    expect(signingRegion(new URL(`https://${host}`), { force: false, fallbackRegion: 'us-east-1' })).toBe(
      region,
    );
  });

  it.each([
    'localhost',
    '127.0.0.1',
    'api.example.com',
    'execute-api.eu-west-1.amazonaws.com',
    'abc.execute-api.eu-west-1.amazonaws.com.evil.example',
    'abc.s3.eu-west-1.amazonaws.com',
  ])('%s is not signed unless --sign, then in AWS_REGION', (host) => {
    const url = new URL(`http://${host}:3000`);
    expect(signingRegion(url, { force: false, fallbackRegion: 'eu-central-1' })).toBeNull();
    expect(signingRegion(url, { force: true, fallbackRegion: 'eu-central-1' })).toBe('eu-central-1');
  });
});
