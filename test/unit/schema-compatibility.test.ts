// The check the processor runs before registering its schema: which level looks in which
// direction at which versions, and the sentence names the version and the field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import avro from 'avsc';
import { compatibilityProblem, readProblem, type CompatibilityLevel } from '../../lib/registry/compatibility.js';

const rec = (...fields: object[]) => avro.Type.forSchema({ type: 'record', name: 'UserLogin', namespace: 'io.loginpipe', fields } as avro.Schema);
const ID = { name: 'event_id', type: 'string' };
const OS = { name: 'os_version', type: ['null', 'string'], default: null };
const OS_INT = { name: 'os_version', type: ['null', 'int'], default: null };
const BUILD = { name: 'os_build', type: 'string' };
const V1 = rec(ID);
const V2 = rec(ID, OS);

const reads: { name: string; reader: avro.Type; writer: avro.Type; problem?: RegExp }[] = [
  { name: 'a reader with an added optional field reads records without it', reader: V2, writer: V1 },
  { name: 'a reader without a field skips it in records that have it', reader: V1, writer: V2 },
  { name: 'a reader with a required field missing from the writer names it', reader: rec(ID, BUILD), writer: V1, problem: /^field os_build has no default/ },
  { name: 'a field whose type cannot be read names it and both types', reader: rec(ID, OS_INT), writer: V2, problem: /^field os_version is \["null","int"\] where the other has \["null","string"\]$/ },
  { name: 'int is promoted to long, as Avro resolves it', reader: rec(ID, { name: 'n', type: ['null', 'long'], default: null }), writer: rec(ID, { name: 'n', type: ['null', 'int'], default: null }) },
  { name: 'long is not narrowed to int', reader: rec(ID, { name: 'n', type: ['null', 'int'], default: null }), writer: rec(ID, { name: 'n', type: ['null', 'long'], default: null }), problem: /^field n / },
  { name: 'a record of another name cannot be read', reader: V1, writer: avro.Type.forSchema({ type: 'record', name: 'Other', fields: [ID] } as avro.Schema), problem: /./ },
];

for (const c of reads) {
  test(c.name, () => {
    const p = readProblem(c.reader, c.writer);
    if (c.problem === undefined) assert.is(p, undefined);
    else assert.match(p ?? '', c.problem);
  });
}

const A_REQUIRED = rec(ID, BUILD); // version 1 of a subject that once had a required field
const levels: { name: string; next: avro.Type; registered: avro.Type[]; level: CompatibilityLevel; problem?: RegExp }[] = [
  { name: 'a new subject takes any schema', next: rec(ID, BUILD), registered: [], level: 'FULL_TRANSITIVE' },
  { name: 'NONE checks nothing', next: rec(ID, OS_INT), registered: [V2], level: 'NONE' },
  { name: 'FULL_TRANSITIVE takes an optional field added', next: V2, registered: [V1], level: 'FULL_TRANSITIVE' },
  { name: 'FULL_TRANSITIVE takes an optional field removed', next: V1, registered: [V1, V2], level: 'FULL_TRANSITIVE' },
  { name: 'FULL_TRANSITIVE refuses a required field added, naming version and field', next: rec(ID, OS, BUILD), registered: [V1, V2], level: 'FULL_TRANSITIVE', problem: /^it cannot read records written with version 1: field os_build has no default/ },
  { name: 'FULL_TRANSITIVE refuses a type change against an old version', next: rec(ID, OS_INT), registered: [V2, V1], level: 'FULL_TRANSITIVE', problem: /version 1: field os_version/ },
  { name: 'BACKWARD looks only at the latest version', next: rec(ID, OS_INT), registered: [V2, V1], level: 'BACKWARD' },
  { name: 'BACKWARD_TRANSITIVE looks at every version', next: rec(ID, OS_INT), registered: [V2, V1], level: 'BACKWARD_TRANSITIVE', problem: /version 1: field os_version/ },
  { name: 'BACKWARD takes a field removed that old readers need', next: V1, registered: [A_REQUIRED], level: 'BACKWARD' },
  { name: 'FORWARD refuses a field removed that old readers need', next: V1, registered: [A_REQUIRED], level: 'FORWARD', problem: /^readers of version 1 cannot read records written with it: field os_build has no default/ },
  { name: 'FORWARD takes a required field added (old readers skip it)', next: rec(ID, BUILD), registered: [V1], level: 'FORWARD' },
  { name: 'FULL refuses it', next: rec(ID, BUILD), registered: [V1], level: 'FULL', problem: /field os_build has no default/ },
  { name: 'FORWARD_TRANSITIVE checks the oldest readers too', next: V1, registered: [A_REQUIRED, V1], level: 'FORWARD_TRANSITIVE', problem: /^readers of version 1 / },
  { name: 'FORWARD only the latest', next: V1, registered: [A_REQUIRED, V1], level: 'FORWARD' },
];

for (const c of levels) {
  test(c.name, () => {
    const p = compatibilityProblem(c.next, c.registered.map((type, i) => ({ version: i + 1, type })), c.level);
    if (c.problem === undefined) assert.is(p, undefined);
    else assert.match(p ?? '', c.problem);
  });
}

test.run();
