// The transactional id of the producer that writes what one raw partition becomes. It names the
// group, the topic and the partition, never the host: whichever instance the group gives the
// partition to registers the same id, which fences the previous owner (even one that is only
// frozen, not dead) and settles the transaction it left open. ':' occurs in no topic name, so
// the id reads back unambiguously, and one ACL prefix, `<group>:<raw topic>:`, covers every
// partition of that topic and nothing else: a prefix of the group alone would also let the
// processor's principal take the transactional ids of any other topic's processors sharing the
// group name (and fence them).

export function transactionalIdFor(groupId: string, topic: string, partition: number): string {
  return `${groupId}:${topic}:${partition}`;
}

/** What an operator grants TransactionalId Write/Describe on, as a prefixed ACL. */
export function transactionalIdPrefix(groupId: string, topic: string): string {
  return `${groupId}:${topic}:`;
}
