import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

import { PipelineError } from '../domain/errors';
import { awsReason } from './aws-errors';

/** How the sync's connections to the databases use TLS (`sslmode` of libpq). */
export type DatabaseSsl = 'disable' | 'require' | 'verify-full';

/** Builds the Secrets Manager client (an endpoint override for the tests' stand-in). */
export function createSecretsManagerClient(region: string, endpoint?: string): SecretsManagerClient {
  return new SecretsManagerClient({ region, ...(endpoint === undefined ? {} : { endpoint }) });
}

/**
 * A database secret as RDS and Secrets Manager's rotation templates store it: JSON with `host`,
 * `username`, `password`, and optionally `port` and `dbname`.
 */
const DatabaseSecret = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  username: z.string().min(1),
  password: z.string(),
  dbname: z.string().min(1).default('postgres'),
});

/** A secret that cannot be read or is not a database secret; names the secret, never its value. */
export class DatabaseSecretError extends PipelineError {}

/** The `postgres://` URL of the database a secret describes, with the TLS mode as `sslmode`. */
export async function databaseUrlFromSecret(
  client: SecretsManagerClient,
  secretId: string,
  ssl: DatabaseSsl,
): Promise<string> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw new DatabaseSecretError(`cannot read the secret ${secretId}: ${awsReason(error)}`, {
      cause: error,
    });
  }
  let parsed: z.infer<typeof DatabaseSecret>;
  try {
    parsed = DatabaseSecret.parse(JSON.parse(text ?? ''));
  } catch {
    throw new DatabaseSecretError(
      `the secret ${secretId} is not a database secret (JSON with host, username, password, port, dbname)`,
    );
  }
  const url = new URL(`postgres://${parsed.host}:${parsed.port}/${encodeURIComponent(parsed.dbname)}`);
  url.username = encodeURIComponent(parsed.username);
  url.password = encodeURIComponent(parsed.password);
  url.searchParams.set('sslmode', ssl);
  return url.toString();
}
