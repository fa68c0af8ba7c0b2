// The outside services loginpipe depends on, named once: an Outage (outage.ts) tracks one, and
// loginpipe_outage{dependency} (metrics.ts) reports it. A module of its own so that those two
// share the names without importing each other (outage.ts reports to metrics.ts).
export const DEPENDENCIES = ['kafka', 'sqs', 'postgres', 'registry'] as const;

export type Dependency = (typeof DEPENDENCIES)[number];
