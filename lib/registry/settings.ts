// The schema registry's address and how to authenticate to it: Basic auth (Confluent Cloud,
// Redpanda Cloud, Aiven), a bearer token given as is, or one from an OAuth client-credentials
// token endpoint (Apicurio behind Keycloak or another OIDC provider), and a private CA for https.
import { BadValue, certificateFile, credentialFreeHttpUrl, fileVariable, isLoopbackUrl, optionalTokenUrl, rule, secretSetting, setting, text } from '../runtime/config.js';

/** Confluent's `user:password` (the password may hold colons; the user may not be empty). */
export function userInfo(raw: string): string | undefined {
  if (raw === '') return undefined;
  const colon = raw.indexOf(':');
  if (colon <= 0) throw new BadValue('must be user:password (the user name, a colon, then the password)');
  return raw;
}

/** A bearer token as sent in an Authorization header: no spaces or line breaks inside. */
export function bearerToken(raw: string): string | undefined {
  const token = raw.trim();
  if (token === '') return undefined;
  if (/[\s"]/.test(token)) throw new BadValue('must be a single token, without spaces or quotes (and without "Bearer ")');
  return token;
}

export const registrySettings = {
  registryUrl: setting('SCHEMA_REGISTRY_URL', 'Confluent-compatible Schema Registry base URL, without credentials in it (they go in SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO)', 'http://127.0.0.1:8081/apis/ccompat/v7', credentialFreeHttpUrl),
  registryUserInfo: secretSetting('SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO', 'Basic auth for the registry, as `user:password` (Confluent Cloud: API key:secret)', '', userInfo),
  registryBearerToken: secretSetting('SCHEMA_REGISTRY_BEARER_TOKEN', 'A bearer token for the registry, sent as is (it is not refreshed)', '', bearerToken),
  registryOauthTokenUrl: setting('SCHEMA_REGISTRY_OAUTH_TOKEN_URL', 'OAuth 2.0 token endpoint: the registry\'s bearer token comes from it (client credentials) and is renewed before it expires; https:// (http:// only to localhost)', '', optionalTokenUrl),
  registryOauthClientId: secretSetting('SCHEMA_REGISTRY_OAUTH_CLIENT_ID', 'Client id for SCHEMA_REGISTRY_OAUTH_TOKEN_URL', '', text),
  registryOauthClientSecret: secretSetting('SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET', 'Client secret for SCHEMA_REGISTRY_OAUTH_TOKEN_URL', '', text),
  registryOauthScope: setting('SCHEMA_REGISTRY_OAUTH_SCOPE', 'Scopes asked of SCHEMA_REGISTRY_OAUTH_TOKEN_URL, space-separated; empty: none', '', text),
  registrySslCa: setting('SCHEMA_REGISTRY_SSL_CA_FILE', 'PEM file of the CA certificate(s) an https registry\'s certificate must chain to (also trusted, beside the system\'s roots, for the token endpoint); empty: the system\'s roots', '', certificateFile),
};

{
  const s = registrySettings;
  const secretName = (env: string) => `${env} (or ${fileVariable(env)})`;
  rule([s.registryUserInfo, s.registryBearerToken, s.registryOauthTokenUrl], (basic, bearer, tokenUrl) => {
    const given = [basic !== undefined && 'SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO', bearer !== undefined && 'SCHEMA_REGISTRY_BEARER_TOKEN', tokenUrl !== undefined && 'SCHEMA_REGISTRY_OAUTH_TOKEN_URL'].filter(Boolean);
    return given.length > 1 ? `${given.join(' and ')} are all ways to authenticate to the registry: set one` : undefined;
  });
  rule([s.registryOauthTokenUrl, s.registryOauthClientId, s.registryOauthClientSecret, s.registryOauthScope], (tokenUrl, id, secret, scope) => {
    if (tokenUrl === undefined) {
      return id !== '' || secret !== '' || scope !== '' ? 'SCHEMA_REGISTRY_OAUTH_CLIENT_ID, _CLIENT_SECRET and _SCOPE need SCHEMA_REGISTRY_OAUTH_TOKEN_URL' : undefined;
    }
    const missing = [id === '' && secretName('SCHEMA_REGISTRY_OAUTH_CLIENT_ID'), secret === '' && secretName('SCHEMA_REGISTRY_OAUTH_CLIENT_SECRET')].filter(Boolean);
    return missing.length > 0 ? `SCHEMA_REGISTRY_OAUTH_TOKEN_URL needs ${missing.join(' and ')}` : undefined;
  });
  rule([s.registryUrl, s.registrySslCa], (url, ca) =>
    ca !== undefined && !url.startsWith('https:') ? 'SCHEMA_REGISTRY_SSL_CA_FILE is set but SCHEMA_REGISTRY_URL is not https://' : undefined);
  // Credentials over plain http travel in clear: only to this machine, as a local proxy might.
  rule([s.registryUrl, s.registryUserInfo, s.registryBearerToken, s.registryOauthTokenUrl], (url, basic, bearer, tokenUrl) => {
    if (basic === undefined && bearer === undefined && tokenUrl === undefined) return undefined;
    return url.startsWith('http:') && !isLoopbackUrl(url) ? 'SCHEMA_REGISTRY_URL is plain http:// but registry credentials are set: they would cross the network in clear; use https://' : undefined;
  });
}
