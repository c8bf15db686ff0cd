import { lambdaHandler } from '../../../handlers/health';
import packageJson from '../../../package.json';

test('GET /health: status, service, versions', async () => {
  const reply = await lambdaHandler();
  expect(reply.statusCode).toBe(200);
  expect(JSON.parse(reply.body ?? '')).toEqual({
    status: 'ok',
    service: packageJson.name,
    version: packageJson.version,
    schema_version: 1,
    node: process.version,
  });
});
