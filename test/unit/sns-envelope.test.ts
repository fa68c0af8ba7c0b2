import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { createMasker } from '../../processor/mask.js';
import { transform, type Outcome } from '../../processor/transform.js';
import { BODY_FORMATS, hasUnpairedSurrogate, readBody, type BodyFormat } from '../../processor/sns-envelope.js';
import type { DeadLetterCode } from '../../lib/records/dead-letter-codes.js';
import { prng } from '../../cli/sample-logins.js';
import { interleavedGroups, snsEnvelope } from '../../cli/sqs-traffic.js';

// What SQS_BODY_FORMAT makes of a body, through transform(): the event itself, the event inside an
// SNS envelope (with the envelope's ids as headers), or a dead letter. The expected results are
// worked out by hand from the rules in processor/sns-envelope.ts; masks with node:crypto.

const KEY = Buffer.alloc(32, 7);
const mask = createMasker(KEY);
const hmac = (text: string) => createHmac('sha256', KEY).update(text, 'utf8').digest('hex');
const ID = 'sqs-7d2f3a4e';
const SENT = '1700000000123';
const EVENT = { user_id: 'u-1', ip: '10.0.0.1', device_id: 'dev-1', device_type: 'ios', locale: 'en', app_version: '1.2' };
const SNS_ID = '5b3e1c2a-0f4d-5e6f-8a9b-0c1d2e3f4a5b';
const ARN = 'arn:aws:sns:eu-west-1:123456789012:logins';

/** An envelope as SNS writes it for an SQS subscription without raw message delivery. */
const envelope = (over: Record<string, unknown> = {}) => ({
  Type: 'Notification',
  MessageId: SNS_ID,
  TopicArn: ARN,
  Message: JSON.stringify(EVENT),
  Timestamp: '2026-12-06T07:00:00.000Z',
  SignatureVersion: '1',
  Signature: 'c2lnbmF0dXJl',
  SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem',
  UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
  ...over,
});
const without = (key: string) => Object.fromEntries(Object.entries(envelope()).filter(([k]) => k !== key));

const run = (body: unknown, format: BodyFormat): Outcome =>
  transform({ value: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)), headers: { 'sqs.message_id': ID, 'sqs.sent_timestamp': SENT }, timestamp: SENT }, mask, undefined, format);

const SNS_HEADERS = { 'sns.message_id': SNS_ID, 'sns.topic_arn': ARN };
type Expect = { clean: true; user?: string; sns: boolean; arn?: string } | { code: DeadLetterCode; sns: boolean };
const CLEAN_RAW: Expect = { clean: true, sns: false };
const CLEAN_SNS: Expect = { clean: true, sns: true };
const FIFO_TOPIC: Expect = { clean: true, sns: true, arn: 'arn:aws-cn:sns:cn-north-1:123456789012:logins.fifo' };
const dead = (code: DeadLetterCode, sns = false): Expect => ({ code, sns });

// Each body, and what each format makes of it: [raw, sns, auto].
const cases: { name: string; body: unknown; raw: Expect; sns: Expect; auto: Expect }[] = [
  { name: 'a login event', body: EVENT, raw: CLEAN_RAW, sns: dead('invalid_sns_envelope'), auto: CLEAN_RAW },
  { name: 'an SNS Notification of a login event', body: envelope(), raw: dead('missing_field'), sns: CLEAN_SNS, auto: CLEAN_SNS },
  { name: 'an envelope with only the four keys read', body: { Type: 'Notification', MessageId: SNS_ID, TopicArn: ARN, Message: JSON.stringify(EVENT) }, raw: dead('missing_field'), sns: CLEAN_SNS, auto: CLEAN_SNS },
  { name: 'an envelope from a FIFO topic in another partition', body: envelope({ TopicArn: 'arn:aws-cn:sns:cn-north-1:123456789012:logins.fifo' }), raw: dead('missing_field'), sns: FIFO_TOPIC, auto: FIFO_TOPIC },
  // Hostile: a login event carrying every envelope key stays a login event under auto.
  { name: 'a login event that also carries Type, MessageId, TopicArn and Message', body: { ...envelope({ Message: JSON.stringify({ ...EVENT, user_id: 'someone-else' }) }), ...EVENT }, raw: CLEAN_RAW, sns: { clean: true, user: 'someone-else', sns: true }, auto: CLEAN_RAW },
  { name: 'an envelope-shaped body with only user_id of the login fields', body: envelope({ user_id: 'u-9' }), raw: dead('missing_field'), sns: CLEAN_SNS, auto: dead('missing_field') },
  { name: 'an envelope-shaped body with only ip of the login fields', body: envelope({ ip: null }), raw: dead('missing_field'), sns: CLEAN_SNS, auto: dead('missing_field') },
  { name: 'an envelope-shaped body with only device_id of the login fields', body: envelope({ device_id: 'd' }), raw: dead('missing_field'), sns: CLEAN_SNS, auto: dead('missing_field') },
  { name: 'a body with ip, Type and TopicArn (a login field: never an envelope under auto)', body: { ip: '10.0.0.1', Type: 'Notification', TopicArn: ARN }, raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('missing_field') },
  { name: 'a body with Type but no TopicArn', body: { Type: 'Notification', MessageId: SNS_ID, Message: JSON.stringify(EVENT) }, raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('missing_field') },
  { name: 'a body with TopicArn but no Type', body: without('Type'), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('missing_field') },
  { name: 'a SubscriptionConfirmation', body: envelope({ Type: 'SubscriptionConfirmation', Message: 'You have chosen to subscribe', SubscribeURL: 'https://x', Token: 't' }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope of Type "notification" (case matters)', body: envelope({ Type: 'notification' }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose Type is an array', body: envelope({ Type: ['Notification'] }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope without MessageId', body: without('MessageId'), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose MessageId holds a newline', body: envelope({ MessageId: 'a\nb' }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose MessageId is 129 characters', body: envelope({ MessageId: 'm'.repeat(129) }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose TopicArn is not an SNS ARN', body: envelope({ TopicArn: 'arn:aws:sqs:eu-west-1:123456789012:logins' }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose TopicArn has a header-breaking character', body: envelope({ TopicArn: `${ARN}\r\nX: 1` }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope without Message', body: without('Message'), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose Message is the event as an object, not a string', body: envelope({ Message: EVENT }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  { name: 'an envelope whose Message is null', body: envelope({ Message: null }), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('invalid_sns_envelope') },
  // The event inside is judged by the ordinary rules, and the dead letter keeps the envelope's ids.
  { name: 'an envelope whose Message is not JSON', body: envelope({ Message: 'user_id=u-1' }), raw: dead('missing_field'), sns: dead('invalid_json', true), auto: dead('invalid_json', true) },
  { name: 'an envelope whose Message is empty', body: envelope({ Message: '' }), raw: dead('missing_field'), sns: dead('invalid_json', true), auto: dead('invalid_json', true) },
  { name: 'an envelope whose Message lacks ip', body: envelope({ Message: JSON.stringify({ user_id: 'u', device_id: 'd' }) }), raw: dead('missing_field'), sns: dead('missing_field', true), auto: dead('missing_field', true) },
  { name: 'an envelope whose Message has a bad ip', body: envelope({ Message: JSON.stringify({ ...EVENT, ip: '999.1.1.1' }) }), raw: dead('missing_field'), sns: dead('invalid_ip', true), auto: dead('invalid_ip', true) },
  { name: 'an envelope whose Message holds a lone surrogate', body: envelope({ Message: '{"user_id":"\ud800","ip":"10.0.0.1","device_id":"d"}' }), raw: dead('missing_field'), sns: dead('invalid_encoding', true), auto: dead('invalid_encoding', true) },
  { name: 'an envelope whose Message starts with a byte order mark', body: envelope({ Message: `\ufeff${JSON.stringify(EVENT)}` }), raw: dead('missing_field'), sns: dead('invalid_encoding', true), auto: dead('invalid_encoding', true) },
  { name: 'an envelope in an envelope is not unwrapped twice', body: envelope({ Message: JSON.stringify(envelope()) }), raw: dead('missing_field'), sns: dead('missing_field', true), auto: dead('missing_field', true) },
  { name: 'an envelope whose Message is a JSON array', body: envelope({ Message: '[1]' }), raw: dead('missing_field'), sns: dead('not_an_object', true), auto: dead('not_an_object', true) },
  // Bodies that are no object at all.
  { name: 'a JSON array of an envelope', body: [envelope()], raw: dead('not_an_object'), sns: dead('invalid_sns_envelope'), auto: dead('not_an_object') },
  { name: 'a JSON string holding an envelope', body: JSON.stringify(envelope()), raw: dead('not_an_object'), sns: dead('invalid_sns_envelope'), auto: dead('not_an_object') },
  { name: 'JSON null', body: null, raw: dead('not_an_object'), sns: dead('invalid_sns_envelope'), auto: dead('not_an_object') },
  { name: 'bytes that are not JSON', body: Buffer.from('not json'), raw: dead('invalid_json'), sns: dead('invalid_json'), auto: dead('invalid_json') },
  { name: 'bytes that are not UTF-8', body: Buffer.from([0x7b, 0xff, 0x7d]), raw: dead('invalid_encoding'), sns: dead('invalid_encoding'), auto: dead('invalid_encoding') },
  // JSON.parse makes "__proto__" an own key: it neither hides nor supplies an envelope key.
  { name: 'an envelope whose keys come only through "__proto__"', body: Buffer.from(`{"__proto__":${JSON.stringify(envelope())}}`), raw: dead('missing_field'), sns: dead('invalid_sns_envelope'), auto: dead('missing_field') },
  { name: 'an envelope with a "__proto__" key beside its own', body: Buffer.from(`{"__proto__":{"user_id":"x"},${JSON.stringify(envelope()).slice(1)}`), raw: dead('missing_field'), sns: CLEAN_SNS, auto: CLEAN_SNS },
  { name: 'an envelope whose Type is given twice, the last one wins', body: Buffer.from(`{"Type":"Nope",${JSON.stringify(envelope()).slice(1)}`), raw: dead('missing_field'), sns: CLEAN_SNS, auto: CLEAN_SNS },
];

for (const c of cases) {
  for (const format of BODY_FORMATS) {
    test(`${format}: ${c.name}`, () => {
      const want = c[format];
      const out = run(c.body, format);
      if ('clean' in want) {
        assert.is(out.kind, 'clean', out.kind === 'dead' ? `${out.code}: ${out.message}` : '');
        if (out.kind !== 'clean') return;
        assert.is(out.record.event_id, ID, 'the SQS message id stays the event id');
        assert.is(out.record.user_id, want.user ?? EVENT.user_id);
        assert.is(out.record.masked_ip, hmac('10.0.0.1'));
        assert.is(out.record.login_time, Number(SENT), 'the SQS sent time stays the login time');
        assert.equal(out.headers, want.sns ? { ...SNS_HEADERS, 'sns.topic_arn': want.arn ?? ARN } : undefined);
      } else {
        assert.is(out.kind, 'dead');
        if (out.kind !== 'dead') return;
        assert.is(out.code, want.code, out.message);
        assert.is(out.messageId, ID);
        assert.equal(out.headers, want.sns ? SNS_HEADERS : undefined);
        // No message echoes a value of the body.
        for (const secret of ['10.0.0.1', 'dev-1', '999.1.1.1', 'user_id=u-1']) assert.not.ok(out.message.includes(secret), out.message);
      }
    });
  }
}

test('a SubscriptionConfirmation says what it is', () => {
  const out = run(envelope({ Type: 'SubscriptionConfirmation' }), 'auto');
  assert.ok(out.kind === 'dead' && out.message.includes('SubscriptionConfirmation'));
});

test('the seed\'s envelopes (cli/sqs-traffic.ts) are read as envelopes, with their ids', () => {
  const body = snsEnvelope(JSON.stringify(EVENT), ARN, SNS_ID);
  for (const format of ['sns', 'auto'] as const) {
    const out = run(Buffer.from(body), format);
    assert.ok(out.kind === 'clean' && out.record.user_id === EVENT.user_id, format);
    assert.equal(out.headers, SNS_HEADERS);
  }
});

test('interleavedGroups deals messages to groups in turn', () => {
  assert.equal(interleavedGroups(7, 3), ['group-0', 'group-1', 'group-2', 'group-0', 'group-1', 'group-2', 'group-0']);
});

test('readBody under raw never looks inside the body', () => {
  assert.equal(readBody(envelope(), 'raw'), { kind: 'event' });
});

// Generated raw login events with random envelope-like extras: auto never takes one for an envelope.
test('auto: 2,000 login events with random envelope keys stay login events', () => {
  const rand = prng(42);
  const keys = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature'];
  for (let i = 0; i < 2_000; i++) {
    const event: Record<string, unknown> = { user_id: `u${i}`, ip: '10.0.0.1', device_id: `d${i}` };
    for (const k of keys) if (rand() < 0.7) event[k] = k === 'Message' ? JSON.stringify({ user_id: 'x', ip: '1.1.1.1', device_id: 'y' }) : k === 'Type' ? 'Notification' : k === 'TopicArn' ? ARN : 'v';
    const out = run(event, 'auto');
    assert.ok(out.kind === 'clean' && out.record.user_id === `u${i}` && out.headers === undefined, JSON.stringify(event));
  }
});

const surrogates: [string, boolean][] = [
  ['', false], ['abc', false], ['😀', false], ['a\ud83d\ude00b', false],
  ['\ud800', true], ['\udc00', true], ['a\ud800b', true], ['\ude00\ud83d', true], ['😀\ud83d', true],
];
for (const [s, want] of surrogates) {
  test(`hasUnpairedSurrogate(${JSON.stringify(s)}) is ${want}`, () => assert.is(hasUnpairedSurrogate(s), want));
}

test.run();
