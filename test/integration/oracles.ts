// Independent oracles for what loginpipe computes: none of these call loginpipe's own
// canonicaliser, masker or encoder, so a test comparing against them checks the real thing.
import { createHmac } from 'node:crypto';

export const hmac = (key: Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest('hex');
/** WHATWG URL serialises IPv6 hosts in RFC 5952 form. */
export const canonicalIp = (ip: string) => (ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip);
export const versionNumber = (v: string | null) => {
  if (v === null) return null;
  const [a = '0', b = '0', c = '0'] = v.split('.');
  return Number(a) * 1_000_000 + Number(b) * 1_000 + Number(c);
};
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
