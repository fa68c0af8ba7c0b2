// A leftover topic whose only replica sits on a broker that is gone (as a multi-broker test can
// leave behind) has a partition without a leader. The probe `loginpipe stack up` waits on must
// still see the brokers that are up as up: it asks for the cluster's metadata, not every topic's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaCluster, type KafkaCluster } from '../../stack/kafka-cluster.js';
import { STACK_DIR } from '../../stack/paths.js';
import { kafkaAnswers } from '../../stack/wait.js';

const BASE_PORT = 19200;
const DIR = join(STACK_DIR, 'cluster', `leaderless-${process.pid}`);

test('a broker answers the stack probe while a topic on a stopped broker has no leader', async () => {
  let cluster: KafkaCluster | undefined;
  let passed = false;
  try {
    cluster = await startKafkaCluster({ dir: DIR, basePort: BASE_PORT });
    const admin = new Kafka({ clientId: 'loginpipe-test', brokers: [cluster.address(1)], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'leftover', replicaAssignment: [{ partition: 0, replicas: [3] }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    await cluster.stop(3);

    // What the probe used to do fails now: every topic's metadata, one of them leaderless.
    const listing = new Kafka({ clientId: 'loginpipe-test', brokers: [cluster.address(1)], logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
    await listing.connect();
    const listed = await listing.listTopics().then(() => 'listed', (err: Error) => err.message);
    await listing.disconnect();
    assert.is.not(listed, 'listed', 'the leftover topic really has no leader');

    assert.ok(await kafkaAnswers(cluster.address(1)), 'node 1 answers');
    assert.ok(await kafkaAnswers(cluster.address(2)), 'node 2 answers');
    assert.not.ok(await kafkaAnswers(cluster.address(3)), 'the stopped node does not');
    passed = true;
  } finally {
    await cluster?.destroy({ keep: !passed });
  }
});

test.run();
