import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIP } from 'node:net';
import { canonicalIp } from '../../processor/canonical-ip.js';

// Many spellings of one address, all expected to give the same canonical text. Expected values
// come from RFC 5952's own examples (sections 2 and 4) or are worked out by hand from its rules.
const spellings: { name: string; inputs: string[]; expected: string }[] = [
  {
    name: 'IPv4 dotted quad is kept as written',
    inputs: ['199.172.111.135'],
    expected: '199.172.111.135',
  },
  { name: 'IPv4 zero address', inputs: ['0.0.0.0'], expected: '0.0.0.0' },
  { name: 'IPv4 broadcast address', inputs: ['255.255.255.255'], expected: '255.255.255.255' },
  {
    name: 'RFC 5952 2.1: leading zeros are dropped',
    inputs: [
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001',
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:001',
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:01',
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1',
      '2001:0db8:aaaa:bbbb:cccc:dddd:eeee:1',
    ],
    expected: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1',
  },
  {
    name: 'RFC 5952 2.2 and 4.2.2: a single zero group is not compressed',
    inputs: ['2001:db8:aaaa:bbbb:cccc:dddd::1', '2001:db8:aaaa:bbbb:cccc:dddd:0:1', '2001:db8:aaaa:bbbb:cccc:dddd:0000:0001'],
    expected: '2001:db8:aaaa:bbbb:cccc:dddd:0:1',
  },
  {
    name: 'RFC 5952 2.2: the longest zero run is compressed however it was written',
    inputs: ['2001:db8:0:0:0::1', '2001:db8:0:0::1', '2001:db8:0::1', '2001:db8::1', '2001:db8:0:0:0:0:0:1', '2001:0DB8:0000:0000:0000:0000:0000:0001'],
    expected: '2001:db8::1',
  },
  {
    name: 'RFC 5952 2.2: the compressed run moves to the first of two equal runs',
    inputs: ['2001:db8::aaaa:0:0:1', '2001:db8:0:0:aaaa::1', '2001:db8:0:0:aaaa:0:0:1'],
    expected: '2001:db8::aaaa:0:0:1',
  },
  {
    name: 'RFC 5952 2.3 and 4.3: hex digits in lower case',
    inputs: ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa', '2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:AAAA'],
    expected: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa',
  },
  {
    name: 'RFC 5952 section 1: many spellings of 2001:db8::1:0:0:1',
    inputs: [
      '2001:db8:0:0:1:0:0:1',
      '2001:0db8:0:0:1:0:0:1',
      '2001:db8::1:0:0:1',
      '2001:db8::0:1:0:0:1',
      '2001:0db8::1:0:0:1',
      '2001:db8:0:0:1::1',
      '2001:db8:0000:0:1::1',
      '2001:DB8:0:0:1::1',
    ],
    expected: '2001:db8::1:0:0:1',
  },
  {
    name: 'RFC 5952 4.2.1: "::" is as short as possible',
    inputs: ['2001:db8:0:0:0:0:2:1', '2001:db8::0:2:1', '2001:db8::2:1'],
    expected: '2001:db8::2:1',
  },
  {
    name: 'RFC 5952 4.2.3: the longer zero run is compressed',
    inputs: ['2001:0:0:1:0:0:0:1', '2001::1:0:0:0:1', '2001:0:0:1::1'],
    expected: '2001:0:0:1::1',
  },
  { name: 'RFC 5952 4.2.2: no compression without a run of two', inputs: ['2001:db8:0:1:1:1:1:1', '2001:db8::1:1:1:1:1'], expected: '2001:db8:0:1:1:1:1:1' },
  { name: 'unspecified address', inputs: ['::', '0:0:0:0:0:0:0:0', '0000:0000:0000:0000:0000:0000:0000:0000', '0::0', '::0', '0::'], expected: '::' },
  { name: 'loopback address', inputs: ['::1', '0:0:0:0:0:0:0:1', '::0:1', '0::1', '0000::0001'], expected: '::1' },
  { name: 'zeros at the end are compressed to a trailing "::"', inputs: ['1:0:0:0:0:0:0:0', '1::', '0001::0'], expected: '1::' },
  { name: 'a later run longer than an earlier one wins', inputs: ['1:0:0:2:0:0:0:3', '1::2:0:0:0:3'], expected: '1:0:0:2::3' },
  { name: 'a run that ends the address', inputs: ['0:0:1:0:0:0:0:0', '0:0:1::'], expected: '0:0:1::' },
  { name: 'alternating single zeros stay as they are', inputs: ['0:1:0:1:0:1:0:1', '0000:0001:0000:0001:0000:0001:0000:0001'], expected: '0:1:0:1:0:1:0:1' },
  { name: '"::" standing for one group in the middle', inputs: ['1:2:3:4:5:6::8'], expected: '1:2:3:4:5:6:0:8' },
  { name: '"::" standing for one group at the start', inputs: ['::2:3:4:5:6:7:8'], expected: '0:2:3:4:5:6:7:8' },
  { name: '"::" standing for one group at the end', inputs: ['1:2:3:4:5:6:7::'], expected: '1:2:3:4:5:6:7:0' },
  { name: 'link-local address', inputs: ['fe80::1', 'FE80:0:0:0:0:0:0:1', 'fe80:0000::0001'], expected: 'fe80::1' },
  { name: 'all groups at their maximum', inputs: ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:255.255.255.255'], expected: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' },
  {
    name: 'IPv4-mapped address in any spelling is the plain IPv4 address',
    inputs: [
      '::ffff:192.168.1.1',
      '::FFFF:192.168.1.1',
      '0:0:0:0:0:ffff:c0a8:0101',
      '0:0:0:0:0:FFFF:C0A8:101',
      '::ffff:c0a8:101',
      '0000:0000:0000:0000:0000:ffff:192.168.1.1',
      '0::ffff:192.168.1.1',
      '::0:ffff:c0a8:0101',
    ],
    expected: '192.168.1.1',
  },
  { name: 'IPv4-mapped zero address', inputs: ['::ffff:0.0.0.0', '::ffff:0:0'], expected: '0.0.0.0' },
  { name: 'IPv4-mapped broadcast address', inputs: ['::ffff:255.255.255.255', '::ffff:ffff:ffff'], expected: '255.255.255.255' },
  { name: 'IPv4-translated address (::ffff:0:0/96) stays IPv6, in hex', inputs: ['::ffff:0:1.2.3.4', '0:0:0:0:ffff:0:102:304'], expected: '::ffff:0:102:304' },
  { name: 'NAT64 well-known prefix stays IPv6, in hex', inputs: ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'], expected: '64:ff9b::c000:221' },
  { name: 'deprecated IPv4-compatible address stays IPv6, in hex', inputs: ['::1.2.3.4', '::0102:0304', '0:0:0:0:0:0:1.2.3.4'], expected: '::102:304' },
  { name: 'an embedded IPv4 tail after a full prefix', inputs: ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'], expected: '1:2:3:4:5:6:102:304' },
  { name: 'mapped prefix behind a non-zero group is not mapped', inputs: ['1:0:0:0:0:ffff:1.2.3.4', '1::ffff:102:304'], expected: '1::ffff:102:304' },
];

for (const c of spellings) {
  for (const input of c.inputs) {
    test(`${c.name}: "${input}" -> "${c.expected}"`, () => {
      assert.is(canonicalIp(input), c.expected);
    });
  }
}

const rejected: { name: string; input: string }[] = [
  { name: 'empty text', input: '' },
  { name: 'a host name', input: 'localhost' },
  { name: 'IPv4 with a leading zero (octal to some parsers)', input: '01.2.3.4' },
  { name: 'IPv4 with a leading zero in the last part', input: '1.2.3.04' },
  { name: 'IPv4 with a double zero', input: '00.0.0.0' },
  { name: 'IPv4 part above 255', input: '256.0.0.0' },
  { name: 'IPv4 part far above 255', input: '999.1.1.1' },
  { name: 'IPv4 with a four-digit part', input: '1.2.3.1000' },
  { name: 'IPv4 with three parts', input: '1.2.3' },
  { name: 'IPv4 with five parts', input: '1.2.3.4.5' },
  { name: 'IPv4 with a trailing dot', input: '1.2.3.4.' },
  { name: 'IPv4 with a leading dot', input: '.1.2.3.4' },
  { name: 'IPv4 with an empty part', input: '1..2.3' },
  { name: 'IPv4 as one integer', input: '2130706433' },
  { name: 'IPv4 in hex', input: '0x7f.0.0.1' },
  { name: 'IPv4 with a sign', input: '1.2.3.-4' },
  { name: 'IPv4 with leading whitespace', input: ' 1.2.3.4' },
  { name: 'IPv4 with trailing whitespace', input: '1.2.3.4 ' },
  { name: 'IPv4 with a trailing newline', input: '1.2.3.4\n' },
  { name: 'IPv4 with a NUL character', input: '1.2.3.4\u0000' },
  { name: 'IPv4 with a CIDR suffix', input: '10.0.0.0/8' },
  { name: 'IPv4 with a port', input: '1.2.3.4:80' },
  { name: 'IPv4 in Arabic-Indic digits', input: '\u0661.\u0662.\u0663.\u0664' },
  { name: 'IPv4 in fullwidth digits', input: '\uff11.\uff12.\uff13.\uff14' },
  { name: 'IPv4 with fullwidth dots', input: '1\uff0e2\uff0e3\uff0e4' },
  { name: 'a lone colon', input: ':' },
  { name: 'three colons', input: ':::' },
  { name: 'two "::"', input: '1::2::3' },
  { name: 'a single leading colon', input: ':1:2:3:4:5:6:7' },
  { name: 'a single trailing colon', input: '2001:db8::1:' },
  { name: 'seven groups without "::"', input: '1:2:3:4:5:6:7' },
  { name: 'nine groups', input: '1:2:3:4:5:6:7:8:9' },
  { name: 'eight groups and "::"', input: '1:2:3:4:5:6:7::8' },
  { name: 'eight groups then "::"', input: '1:2:3:4:5:6:7:8::' },
  { name: 'a five-digit group', input: '12345::1' },
  { name: 'a five-digit group of zeros', input: '::00001' },
  { name: 'a non-hex letter', input: 'g::1' },
  { name: 'a zone id', input: 'fe80::1%eth0' },
  { name: 'a numeric zone id', input: 'fe80::1%1' },
  { name: 'brackets', input: '[::1]' },
  { name: 'brackets and a port', input: '[::1]:80' },
  { name: 'a prefix length', input: '2001:db8::/32' },
  { name: 'a prefix length after an address', input: '::1/128' },
  { name: 'IPv6 with leading whitespace', input: ' ::1' },
  { name: 'IPv6 with trailing whitespace', input: '::1 ' },
  { name: 'IPv4-mapped with a part above 255', input: '::ffff:999.1.1.1' },
  { name: 'IPv4-mapped with a leading zero', input: '::ffff:01.2.3.4' },
  { name: 'IPv4-mapped with three parts', input: '::ffff:1.2.3' },
  { name: 'IPv4-mapped with five parts', input: '::ffff:1.2.3.4.5' },
  { name: 'an IPv4 tail that is not last', input: '::1.2.3.4:1' },
  { name: 'an IPv4 head', input: '1.2.3.4::' },
  { name: 'an IPv4 tail after seven groups', input: '1:2:3:4:5:6:7:1.2.3.4' },
  { name: 'an IPv4 tail after six groups and "::"', input: '1:2:3:4:5:6::1.2.3.4' },
  { name: 'an IPv4 tail glued to hex digits', input: '::ffff:a1.2.3.4' },
  { name: 'fullwidth colons', input: '\uff1a\uff1a1' },
  { name: 'fullwidth hex digits', input: '::\uff41' },
  { name: 'a NUL character in IPv6', input: '::1\u0000' },
  { name: 'a million zeros', input: '0'.repeat(1_000_000) },
  { name: 'a million colons', input: ':'.repeat(1_000_000) },
  { name: 'a long repetition of groups', input: '1:'.repeat(100_000) + '1' },
  { name: 'a long repetition of dotted parts', input: '1.'.repeat(100_000) + '1' },
  { name: 'an address padded past the longest spelling', input: '0000:0000:0000:0000:0000:ffff:255.255.255.2550' },
  { name: 'an emoji', input: '\u{1f4f1}' },
];

for (const c of rejected) {
  test(`rejects ${c.name}`, () => {
    assert.is(canonicalIp(c.input), null);
  });
}

test('the longest valid spelling (45 characters) is accepted', () => {
  const input = '0000:0000:0000:0000:0000:ffff:255.255.255.255';
  assert.is(input.length, 45);
  assert.is(canonicalIp(input), '255.255.255.255');
});

// ---- against independent parsers ------------------------------------------------------------
// The WHATWG URL parser serialises IPv6 hosts with the same compression rule as RFC 5952 (first
// longest run of two or more zero groups, lower case, hex only); node:net's isIP checks syntax.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const rand = lcg(20240601);
const int = (n: number) => Math.floor(rand() * n);

/** Eight random groups, with plenty of zeros so that runs of every length occur. */
function randomGroups(): number[] {
  return Array.from({ length: 8 }, () => (rand() < 0.45 ? 0 : int(65536)));
}

/** A random legal spelling of the groups: random case and zero padding, maybe "::", maybe an IPv4 tail. */
function spell(groups: number[]): string {
  const text = groups.map((g) => {
    const h = g.toString(16).padStart(1 + int(4), '0');
    return rand() < 0.5 ? h.toUpperCase() : h;
  });
  let tail: string[] = [];
  let head = text;
  if (rand() < 0.3) {
    const g6 = groups[6] as number;
    const g7 = groups[7] as number;
    tail = [`${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`];
    head = text.slice(0, 6);
  }
  // Pick any run of zero groups in the head (not necessarily the longest) and write it as "::".
  const zeroRuns: [number, number][] = [];
  for (let i = 0; i < head.length; i++) {
    if (groups[i] !== 0) continue;
    for (let j = i; j < head.length && groups[j] === 0; j++) zeroRuns.push([i, j + 1]);
  }
  if (zeroRuns.length > 0 && rand() < 0.7) {
    const [a, b] = zeroRuns[int(zeroRuns.length)] as [number, number];
    const left = head.slice(0, a).join(':');
    const right = [...head.slice(b), ...tail].join(':');
    return `${left}::${right}`;
  }
  return [...head, ...tail].join(':');
}

test('random IPv6 spellings agree with the WHATWG URL serialiser', () => {
  for (let k = 0; k < 5000; k++) {
    const groups = randomGroups();
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) continue; // mapped: next test
    const input = spell(groups);
    const fromUrl = new URL(`http://[${input}]/`).hostname.slice(1, -1);
    assert.is(canonicalIp(input), fromUrl, input);
    assert.is(isIP(input), 6, input);
  }
});

test('random IPv4-mapped spellings give the dotted quad', () => {
  for (let k = 0; k < 2000; k++) {
    const a = int(256), b = int(256), c = int(256), d = int(256);
    const groups = [0, 0, 0, 0, 0, 0xffff, a * 256 + b, c * 256 + d];
    const input = spell(groups);
    assert.is(canonicalIp(input), `${a}.${b}.${c}.${d}`, input);
  }
});

test('random IPv4 addresses are kept as written and node:net agrees they are addresses', () => {
  for (let k = 0; k < 2000; k++) {
    const input = `${int(256)}.${int(256)}.${int(256)}.${int(256)}`;
    assert.is(canonicalIp(input), input);
    assert.is(isIP(input), 4, input);
  }
});

test('every accepted spelling in the tables is an address to node:net too', () => {
  for (const c of spellings) for (const input of c.inputs) assert.ok(isIP(input) !== 0, input);
});

test('the canonical form is a fixed point', () => {
  for (const c of spellings) assert.is(canonicalIp(c.expected), c.expected);
});

test.run();
