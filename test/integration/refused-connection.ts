// The error a client's first connection fails with, for tests of credentials a broker refuses.
import type { Kafka } from 'kafkajs';

/** The error of the first connection and request; the test fails if the client gets through. */
export async function connectError(kafka: Kafka): Promise<Error> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    return err as Error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  throw new Error('connected, but should have been refused');
}
