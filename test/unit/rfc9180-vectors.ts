// RFC 9180 test vectors, shared by the HPKE unit tests: the CFRG's published set
// (test-vectors.json of the draft repository, commit 5f503c5, the one RFC 9180 Appendix A is
// taken from), the entry with mode 0, kem_id 0x0020 (DHKEM(X25519, HKDF-SHA256)), kdf_id 0x0001
// (HKDF-SHA256), aead_id 0x0002 (AES-256-GCM), loginpipe's suite. Only the values used are copied.
export const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

export const VECTOR = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmR: 'dac33b0e9db1b59dbbea58d59a14e7b5896e9bdf98fad6891e99d1686492b9ee',
  ikmE: '2cd7c601cefb3d42a62b04b7a9041494c06c7843818e0ce28a8f704ae7ab20f9',
  skRm: '497b4502664cfea5d5af0b39934dac72242a74f8480451e1aee7d6a53320333d',
  skEm: '179d4b53b6365c45b600c4163b61d95cbc2f4d9e36f1695558dce265ab8bab11',
  pkRm: '430f4b9859665145a6b1ba274024487bd66f03a2dd577d7753c68d7d7d00c00c',
  pkEm: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
  enc: '6c93e09869df3402d7bf231bf540fadd35cd56be14f97178f0954db94b7fc256',
  shared_secret: '3101c54c3a4f87439eaac080699ed9bbcc726ffe44e860c0424ccb7e3e2ead7b',
  key_schedule_context: '004ce5472ecdd5093ba0aecb8f871ff13f1fbc90ee76f0e18ace1a1b7e565bafa306f6ef962c9ee7cea40407b5d60f0f26990472faae3ac44c78366f1cac1ecde1',
  secret: '2058ac9b02c1f52c1aaf08bedbec9198219751a94ef67b7d5f0c8b6e2b54ebfb',
  key: 'f50b0609186798729ed0564b36ef2ef8044f1f9d05636874d1f46c819c7a669f',
  base_nonce: '151d9929e2449747889bc923',
  exporter_secret: '86017151bbff6a1940e8abae2ac9e0e7032e33df1eaaecc02ca6259b130d62df',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  // sequence number -> aad and ciphertext
  encryptions: new Map<number, { aad: string; ct: string }>([
    [0, { aad: '436f756e742d30', ct: 'e5d84cd531cfb583096e7cfa9641bd3079cf3a91cda813c52deb5f512be9931980a41de125a925cdad859d5b7a' }],
    [1, { aad: '436f756e742d31', ct: '2c43aff25343fdbff864506f0818b9d87df84ea01b1a2144d23b4d40c26bf655fdf197fe40297a8aebeed5cc2d' }],
    [2, { aad: '436f756e742d32', ct: 'e0a8f2cf92ff61215edbb8c55dc31fe9e2eb42a5685867bb6854211542099f9e940c4b41c192bc390835b1a5f7' }],
    [4, { aad: '436f756e742d34', ct: '448a8892f261cbb6bf5b7b64a4fae8a2c86492494b069c10525895d871c27c2f12cd17e0588fedaba9f7b0cd4c' }],
    [255, { aad: '436f756e742d323535', ct: 'f6ad1823eb0b932d04b6e23010eea64f1fe5edd0583dae5ba27ca6363f4ea104bd217331460ef4208040423641' }],
    [256, { aad: '436f756e742d323536', ct: '53624f4f9f173453b14e633b45390ff54cacaa4428d44baee1bff8133fab1ab3afe60f88e4634b525c54e92eda' }],
  ]),
  exports: [
    { context: '', length: 32, value: 'ded6cffafaea6b812cbf3e241e88332adbc077aca81512914213810ee291770a' },
    { context: '00', length: 32, value: '04d3cb6cc116b28ffd22ad5bc276c60d31fec71ceb87ae24db811c64b7507339' },
    { context: '54657374436f6e74657874', length: 32, value: '7c5ded445732c14fe09727d29b4251c0fd38455fe8440571e687f0886aac94d2' },
  ],
};
export const LAST_SEQUENCE = 256;
// The vectors' aad for sequence i is the ASCII of "Count-i"; it is derived for the ones not listed.
export const aadFor = (i: number) => VECTOR.encryptions.get(i)?.aad ?? Buffer.from(`Count-${i}`).toString('hex');
