/** Database URLs from Secrets Manager secrets, through the real SDK client and the stand-in. */
import { createSecretsManagerClient, databaseUrlFromSecret } from '../../../adapters/database-secrets';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '../../support/aws-stand-ins';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/catalog-db-AbCdEf';
let standIn: SecretsManagerStandIn;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  standIn = await startSecretsManagerStandIn();
});

afterAll(async () => {
  await standIn.close();
  process.env.AWS_ACCESS_KEY_ID = saved.id;
  process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
});

const client = () => createSecretsManagerClient('us-east-1', standIn.endpoint);

describe('databaseUrlFromSecret', () => {
  it('builds the URL of an RDS-style secret, encoding the credentials, with the TLS mode', async () => {
    standIn.secrets.set(
      ARN,
      JSON.stringify({
        engine: 'postgres',
        host: 'db.internal',
        port: 6432,
        username: 'sync@app',
        password: 'p:w/d?',
        dbname: 'shop',
      }),
    );
    const url = new URL(await databaseUrlFromSecret(client(), ARN, 'verify-full'));
    expect([url.hostname, url.port, url.pathname, url.searchParams.get('sslmode')]).toEqual([
      'db.internal',
      '6432',
      '/shop',
      'verify-full',
    ]);
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password)]).toEqual([
      'sync@app',
      'p:w/d?',
    ]);
  });

  it('names a secret that cannot be read, with the service’s error', async () => {
    await expect(databaseUrlFromSecret(client(), `${ARN}-gone`, 'disable')).rejects.toThrow(
      `cannot read the secret ${ARN}-gone: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
  });

  it('names a secret that is no database secret, never printing its value', async () => {
    standIn.secrets.set(ARN, JSON.stringify({ token: 'hunter2' }));
    const error = (await databaseUrlFromSecret(client(), ARN, 'disable').catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `the secret ${ARN} is not a database secret (JSON with host, username, password, port, dbname)`,
    );
    expect(error.message).not.toContain('hunter2');
  });
});
