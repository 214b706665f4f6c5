import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { logger } from '../commons/powertools.ts';

/**
 * REST API token authorizer for `auth.mode: "jwt"`: verifies the bearer token's signature against the
 * issuer's JWKS (fetched once and cached per execution environment), its issuer, audience and expiry,
 * with AWS's aws-jwt-verify. The channel is still named by the API key; this authenticates the caller.
 */
const issuer = process.env.JWT_ISSUER ?? '';
const audience = (process.env.JWT_AUDIENCE ?? '').split(',').filter(Boolean);
const cognito = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([\w-]+_[0-9A-Za-z]+)$/.exec(issuer);

const verifier = cognito
  ? CognitoJwtVerifier.create({ userPoolId: cognito[1] as string, clientId: audience, tokenUse: null })
  : JwtRsaVerifier.create({ issuer, audience });

export async function authorize(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = /^Bearer\s+(.+)$/i.exec(event.authorizationToken ?? '')?.[1];
  if (!token) throw new Error('Unauthorized');
  let claims: Record<string, unknown>;
  try {
    claims = (await verifier.verify(token)) as Record<string, unknown>;
  } catch (error) {
    logger.info('token rejected', { reason: (error as Error).name });
    // API Gateway answers 401 for exactly this message.
    throw new Error('Unauthorized');
  }
  // arn:aws:execute-api:region:account:apiId/stage/METHOD/path → allow every method of the stage,
  // so a cached decision serves the caller's next request to any route.
  const [arnPrefix, stage] = event.methodArn.split('/');
  const subject = String(claims.sub ?? 'unknown');
  return {
    principalId: subject,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${stage}/*/*` }],
    },
    context: { sub: subject, clientId: String(claims.client_id ?? claims.azp ?? claims.aud ?? '') },
  };
}

export const handler = middy(authorize).use(injectLambdaContext(logger, { resetKeys: true }));
