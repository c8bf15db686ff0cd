/**
 * SigV4 for the IAM-protected HTTP API, with the AWS SDK's own signer (`@smithy/signature-v4`,
 * SHA-256 from `@aws-crypto/sha256-js`) and, by default, the SDK's standard credential chain
 * (environment, shared config and SSO, web identity as GitHub Actions' OIDC sets it up, ECS, EC2).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { WireRequest } from './requests';

/** The signing name of API Gateway's invoke API. */
export const EXECUTE_API_SERVICE = 'execute-api';

/** AWS credentials, or a provider of them (the SDK's shape). */
export type CredentialsSource =
  | { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

/** Signs a wire request; `signingDate` fixes the clock (tests recompute signatures with it). */
export type RequestSigner = (request: WireRequest, signingDate?: Date) => Promise<WireRequest>;

/** The SDK's SigV4 signer for execute-api in `region`. */
export function executeApiSignatureV4(region: string, credentials: CredentialsSource): SignatureV4 {
  return new SignatureV4({ service: EXECUTE_API_SERVICE, region, credentials, sha256: Sha256 });
}

/**
 * A signer for `region` (credentials: the standard chain unless given). The signed request keeps
 * every header it had and gains `authorization`, `x-amz-date`, `x-amz-content-sha256` (the body's
 * hash) and, with temporary credentials, `x-amz-security-token`.
 */
export function createRequestSigner(
  region: string,
  credentials: CredentialsSource = fromNodeProviderChain(),
): RequestSigner {
  const signer = executeApiSignatureV4(region, credentials);
  return async (request, signingDate) => {
    const signed = await signer.sign(
      { ...request, query: { ...request.query }, headers: { ...request.headers } },
      signingDate === undefined ? {} : { signingDate },
    );
    return { ...request, headers: { ...(signed.headers as Record<string, string>) } };
  };
}
