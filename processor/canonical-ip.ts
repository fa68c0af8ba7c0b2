// One spelling per IP address, so that an address masks to the same value however a client wrote
// it. The parser is our own and deliberately strict: it accepts exactly an address, nothing around
// it.
//
// IPv4: a dotted quad of four decimal numbers 0-255. A number with a leading zero ("01", "00") is
// rejected, because some parsers read it as octal; so are fewer or more than four parts, hex or
// octal forms ("0x7f.1"), non-ASCII digits and any surrounding whitespace. The canonical form is
// the text itself.
//
// IPv6: any text form of RFC 4291 section 2.2: eight groups of one to four hex digits (either
// case), at most one "::" standing for one or more zero groups, and optionally the last 32 bits
// as an IPv4 dotted quad (same rules as above). Zone ids ("fe80::1%eth0"), brackets, prefix
// lengths ("/64") and ports are rejected. The canonical form is RFC 5952's: lower case, no leading
// zeros, the longest run of two or more zero groups written "::" (the first such run on a tie),
// a single zero group written "0". Every group is written in hex, including the last 32 bits of
// ::ffff:0:0/96 (IPv4-translated) and 64:ff9b::/96 addresses, for which RFC 5952 section 5 only
// recommends the mixed notation; "::1.2.3.4" (the deprecated IPv4-compatible form) is "::102:304".
//
// IPv4-mapped addresses (::ffff:0:0/96, in any spelling) are the IPv4 address itself, and come
// out as the plain dotted quad: "::ffff:192.168.1.1" and "0:0:0:0:0:ffff:c0a8:101" both give
// "192.168.1.1".

/** The longest IPv6 text: "0000:0000:0000:0000:0000:ffff:255.255.255.255". */
const MAX_IPV6_LENGTH = 45;
/** The longest IPv4 text: "255.255.255.255". */
const MAX_IPV4_LENGTH = 15;

const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The canonical text of an IPv4 or IPv6 address, or null when the text is not one. */
export function canonicalIp(text: string): string | null {
  if (text.length > MAX_IPV6_LENGTH) return null;
  // An IPv4 text has no colon; an IPv6 text always has one.
  if (text.indexOf(':') === -1) {
    const v4 = parseIpv4(text, 0);
    return v4 < 0 ? null : text;
  }
  const groups = parseIpv6(text);
  if (groups === null) return null;
  if (isIpv4Mapped(groups)) {
    const g6 = groups[6] as number;
    const g7 = groups[7] as number;
    return `${g6 >>> 8}.${g6 & 0xff}.${g7 >>> 8}.${g7 & 0xff}`;
  }
  return formatIpv6(groups);
}

/**
 * The 32-bit value of the dotted quad that makes up text[start..], or -1 when it is not one.
 * Values are returned as non-negative numbers (not int32) so that -1 is never a valid result.
 */
function parseIpv4(text: string, start: number): number {
  const n = text.length;
  if (n - start > MAX_IPV4_LENGTH || n - start < 7) return -1;
  let result = 0;
  let part = 0;
  let i = start;
  for (;;) {
    const first = i;
    let value = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
      i++;
      if (i - first > 3) return -1;
    }
    const digits = i - first;
    if (digits === 0 || value > 255) return -1;
    if (digits > 1 && text.charCodeAt(first) === ZERO) return -1;
    result = result * 256 + value;
    part++;
    if (part === 4) return i === n ? result : -1;
    if (i >= n || text.charCodeAt(i) !== DOT) return -1;
    i++;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** The eight 16-bit groups of an IPv6 text, or null when it is not one. */
function parseIpv6(text: string): number[] | null {
  const n = text.length;
  if (n < 2) return null;
  const groups: number[] = [];
  /** Index in groups where "::" stands, or -1. */
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === COLON) {
    // Only "::" may start an address.
    if (text.charCodeAt(1) !== COLON) return null;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups.length === 8) return null;
    const first = i;
    let value = 0;
    while (i < n) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
    }
    const digits = i - first;
    if (i < n && text.charCodeAt(i) === DOT) {
      // The last 32 bits written as a dotted quad: it must run to the end and fit in two groups.
      if (groups.length > 6) return null;
      const v4 = parseIpv4(text, first);
      if (v4 < 0) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      i = n;
      break;
    }
    if (digits === 0 || digits > 4) return null;
    groups.push(value);
    if (i === n) break;
    if (text.charCodeAt(i) !== COLON) return null;
    i++;
    if (i === n) return null; // a single trailing colon
    if (text.charCodeAt(i) === COLON) {
      if (gap >= 0) return null; // a second "::"
      gap = groups.length;
      i++;
    }
  }
  if (gap < 0) return groups.length === 8 ? groups : null;
  // "::" stands for at least one zero group.
  if (groups.length > 7) return null;
  const zeros = new Array<number>(8 - groups.length).fill(0);
  groups.splice(gap, 0, ...zeros);
  return groups;
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
}

/** RFC 5952 section 4 text of eight groups. */
function formatIpv6(groups: readonly number[]): string {
  // The longest run of zero groups, the first one on a tie; a run of one is not compressed.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let k = 0; k <= 8; k++) {
    if (k < 8 && groups[k] === 0) {
      if (runStart < 0) runStart = k;
    } else if (runStart >= 0) {
      const length = k - runStart;
      if (length > bestLength) {
        bestStart = runStart;
        bestLength = length;
      }
      runStart = -1;
    }
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k += bestLength - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (groups[k] as number).toString(16);
  }
  return out;
}
