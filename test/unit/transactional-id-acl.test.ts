// A missing TransactionalId ACL, in either of kafkajs's disguises, becomes one error naming the
// ACL; an outage (no coordinator and no cluster) stays what it is, to be waited out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { explainRegistrationFailure, TransactionalIdRefused } from '../../processor/transactional-id-acl.js';

const { KafkaJSGroupCoordinatorNotFound, KafkaJSProtocolError, KafkaJSConnectionError } = kafkajs;
const protocol = (type: string) => new KafkaJSProtocolError(Object.assign(new Error(type), { type, retriable: false }));
// Typed without arguments, but built by kafkajs with its message (cluster/index.js).
const coordinatorNotFound = () => new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator');
const ID = 'loginpipe-processor:logins.raw:3';
const PREFIX = 'loginpipe-processor:';

const cases: { name: string; error: unknown; clusterAnswers: boolean; refused: boolean }[] = [
  { name: 'InitProducerId refused (Describe granted, Write not)', error: protocol('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), clusterAnswers: true, refused: true },
  { name: 'the same, as the cause of another error', error: new Error('could not start', { cause: protocol('TRANSACTIONAL_ID_AUTHORIZATION_FAILED') }), clusterAnswers: false, refused: true },
  { name: 'no coordinator while the cluster answers (neither granted)', error: coordinatorNotFound(), clusterAnswers: true, refused: true },
  { name: 'no coordinator and no cluster (an outage)', error: coordinatorNotFound(), clusterAnswers: false, refused: false },
  { name: 'a lost connection', error: new KafkaJSConnectionError('Connection error: ECONNREFUSED'), clusterAnswers: true, refused: false },
  { name: 'another authorization failure', error: protocol('GROUP_AUTHORIZATION_FAILED'), clusterAnswers: true, refused: false },
  { name: 'a thrown string', error: 'boom', clusterAnswers: true, refused: false },
];

for (const c of cases) {
  test(`${c.name}: ${c.refused ? 'an error naming the ACL' : 'left as it is'}`, async () => {
    let asked = 0;
    const explained = await explainRegistrationFailure(c.error, ID, PREFIX, async () => { asked++; return c.clusterAnswers; });
    if (!c.refused) {
      assert.is(explained, c.error);
      return;
    }
    assert.instance(explained, TransactionalIdRefused);
    const refused = explained as TransactionalIdRefused;
    assert.is(refused.code, 'transactional_id_refused');
    assert.is(refused.retriable, false);
    assert.is(refused.cause, c.error);
    for (const part of [ID, `Write and Describe on the TransactionalId prefix ${PREFIX}`, '--resource-pattern-type prefixed', '`loginpipe acls`']) assert.match(refused.message, part);
    assert.ok(asked <= 1, 'the cluster is asked at most once');
  });
}

test('an error already explained is not explained again', async () => {
  const refused = new TransactionalIdRefused(ID, PREFIX, new Error('x'));
  assert.is(await explainRegistrationFailure(refused, ID, PREFIX, async () => { throw new Error('not asked'); }), refused);
});

test.run();
