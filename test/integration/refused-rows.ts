// Rows Postgres refuses on purpose, for the sink tests: a CHECK only the test's table has, and
// sample logins, valid to the processor, of which chosen ones break it. The processor cannot know
// the rule, so those rows reach the sink and the database refuses them there, as it would a row
// that breaks a constraint added in production.
import { createSampleLogins } from '../../cli/sample-logins.js';
import { db } from './harness.js';

/** Adds the CHECK; the error Postgres gives names it, no_xx_locale. */
export async function refuseLocaleXX(schema: string): Promise<void> {
  await db.none(`ALTER TABLE $1:name.user_logins ADD CONSTRAINT no_xx_locale CHECK (locale IS DISTINCT FROM 'XX')`, [schema]);
}

export interface RawLogin { id: string; body: string; refused: boolean }

/** `count` valid sample logins with ids evt-0, evt-1, ...; those `refuse` picks have locale 'XX'. */
export function loginsSomeRefused(seed: number, count: number, refuse: (i: number) => boolean): RawLogin[] {
  const gen = createSampleLogins(seed);
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.parse(gen.valid().body) as Record<string, unknown>;
    if (refuse(i)) body.locale = 'XX';
    return { id: `evt-${i}`, body: JSON.stringify(body), refused: refuse(i) };
  });
}
