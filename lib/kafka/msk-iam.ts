// Amazon MSK with IAM access control: the OAUTHBEARER token is a SigV4-presigned
// `kafka-cluster:Connect` request, made by AWS's own signer (aws-msk-iam-sasl-signer-js) from the
// AWS SDK's default credentials chain (environment, shared files and SSO, web identity as on EKS,
// ECS task role, EC2 instance profile). The signer's tokens live 15 minutes; `cachedTokens`
// renews them before that.
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { PipelineError, errorMessage } from '../runtime/errors.js';
import type { TokenSource } from './oauth.js';

type CredentialsProvider = Parameters<typeof generateAuthTokenFromCredentialsProvider>[0]['awsCredentialsProvider'];

/** `credentials` replaces the default chain (a test, or a caller with its own provider). */
export function mskIamTokenSource(region: string, credentials: CredentialsProvider = fromNodeProviderChain()): TokenSource {
  return async () => {
    try {
      const { token, expiryTime } = await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: credentials });
      return { value: token, expiresAtMs: expiryTime };
    } catch (err) {
      // No credentials anywhere in the chain is the usual cause; the SDK's message says which.
      throw new PipelineError('msk_iam_token_unavailable', `could not sign an MSK IAM token for region ${region} (KAFKA_AWS_REGION) with the AWS default credentials chain: ${errorMessage(err)}`, {
        retriable: true, cause: err,
      });
    }
  };
}
