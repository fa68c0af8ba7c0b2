// Node 20 hung after some 80,000 JWK exports of X25519 keys; sealing must keep going for as long
// as a processor runs. This seals more than that, in one process, and checks the last one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateRawKeyPair, importOpeningKey, importSealingKey, openText, sealText } from '../../lib/pii/hpke.js';

test('100,000 seals in a row do not stall, and the last still opens', () => {
  const pair = generateRawKeyPair();
  const sealing = importSealingKey(pair.publicKey);
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < 100_000; i++) last = sealText(sealing, '192.0.2.1', `e${i}`);
  assert.is(openText(importOpeningKey(pair.privateKey), last, 'e99999'), '192.0.2.1');
});

test.run();
