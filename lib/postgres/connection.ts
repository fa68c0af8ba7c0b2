// From DATABASE_URL, DATABASE_PASSWORD and DATABASE_SSL_CA_FILE to what node-postgres takes.
// node-postgres reads sslmode from a connection string in its own way, and what it reads there
// replaces the `ssl` option given beside it (a CA passed as `ssl.ca` is dropped). So sslmode is
// taken out of the URL here and turned into TLS options that follow libpq's meaning:
//   disable (or none given)  plaintext
//   require                  TLS; the certificate is checked only when a CA file is given (as
//                            libpq does when it finds a root certificate), else not at all
//   verify-ca                TLS, the certificate must chain to the CA (or the system's roots);
//                            any host name
//   verify-full              TLS, the chain and the host name are checked
import type { SSL_MODES } from '../runtime/config.js';

export type SslMode = (typeof SSL_MODES)[number];

export interface DatabaseTarget {
  databaseUrl: string;
  /** Replaces no password in the URL (a rule refuses both); kept out of the URL in settings. */
  databasePassword?: string;
  /** PEM text of the CA certificate(s) the server's certificate must chain to. */
  databaseSslCa?: string;
}

/** The part of node:tls's options used here (and accepted by pg-promise's types). */
export interface PgTls {
  ca?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity?: () => undefined;
}

export interface PgConnection {
  connectionString: string;
  ssl: false | PgTls;
}

export function sslModeOf(databaseUrl: string): SslMode | undefined {
  return (new URL(databaseUrl).searchParams.get('sslmode') ?? undefined) as SslMode | undefined;
}

export function pgConnection(target: DatabaseTarget): PgConnection {
  const url = new URL(target.databaseUrl);
  const mode = (url.searchParams.get('sslmode') ?? 'disable') as SslMode;
  url.searchParams.delete('sslmode');
  if (target.databasePassword !== undefined && target.databasePassword !== '') {
    // node-postgres decodes the URL's password with decodeURIComponent; encoding it fully
    // (the URL setter leaves "%" and a few others alone) makes every character round-trip.
    url.password = encodeURIComponent(target.databasePassword);
  }
  return { connectionString: url.toString(), ssl: tlsOptions(mode, target.databaseSslCa) };
}

function tlsOptions(mode: SslMode, ca: string | undefined): false | PgTls {
  const withCa = ca === undefined ? {} : { ca };
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return ca === undefined ? { rejectUnauthorized: false } : { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-ca':
      return { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...withCa, rejectUnauthorized: true };
  }
}
