// Every link between the docs lands: a relative link names a file that exists, and an anchor
// names a heading of that file, as GitHub makes anchors from headings. The README is the front
// door and docs/ holds the rest, so a moved section must not leave a dead link behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { anchorsOf, linksOf, slugOf } from './docs-links.js';
import { ROOT } from '../../lib/runtime/paths.js';

const docsDir = join(ROOT, 'docs');
const files = ['README.md', ...(existsSync(docsDir) ? readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join('docs', f)) : [])];

for (const file of files) {
  test(`every relative link in ${file} lands on a file and heading that exist`, () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const links = linksOf(text);
    const dead: string[] = [];
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path === '' ? file : relative(ROOT, normalize(join(ROOT, dirname(file), path)));
      if (!existsSync(join(ROOT, target))) {
        dead.push(`${link}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(join(ROOT, target), 'utf8')).has(anchor)) {
        dead.push(`${link}: no heading #${anchor} in ${target}`);
      }
    }
    assert.equal(dead, []);
  });
}

// The checker itself, on headings and links written out by hand.
const slugs: { heading: string; slug: string }[] = [
  { heading: 'Guarantees', slug: 'guarantees' },
  { heading: 'Running against a real cluster', slug: 'running-against-a-real-cluster' },
  { heading: '`loginpipe status`', slug: 'loginpipe-status' },
  { heading: 'Retention: how long clear PII stays in Kafka', slug: 'retention-how-long-clear-pii-stays-in-kafka' },
  { heading: 'Against the targets (issue #9)', slug: 'against-the-targets-issue-9' },
  { heading: 'Kafka over TLS and SASL', slug: 'kafka-over-tls-and-sasl' },
  { heading: 'What happens when something fails', slug: 'what-happens-when-something-fails' },
  { heading: 'COPY … ON CONFLICT, then commit', slug: 'copy--on-conflict-then-commit' },
];
for (const c of slugs) {
  test(`the heading "${c.heading}" has the anchor #${c.slug}`, () => assert.is(slugOf(c.heading), c.slug));
}

test('a repeated heading gets a numbered anchor, as GitHub gives it', () => {
  assert.equal([...anchorsOf('## Figures\n\ntext\n\n## Figures\n')].sort(), ['figures', 'figures-1']);
});

test('headings inside a code block make no anchor', () => {
  assert.equal([...anchorsOf('## Real\n\n```sh\n# not a heading\n```\n')], ['real']);
});

const linkCases: { name: string; text: string; links: string[] }[] = [
  { name: 'an anchor in the same file', text: 'see [Guarantees](#guarantees).', links: ['#guarantees'] },
  { name: 'a file and an anchor', text: '[ops](docs/operations.md#settings)', links: ['docs/operations.md#settings'] },
  { name: 'web links are not ours to check', text: '[rfc](https://www.rfc-editor.org/rfc/rfc9180) [m](mailto:x@y)', links: [] },
  { name: 'links inside code are not links', text: '`[a](#b)` and\n```\n[c](#d)\n```\n', links: [] },
  { name: 'an image', text: '![diagram](docs/flow.png)', links: ['docs/flow.png'] },
];
for (const c of linkCases) {
  test(`the link reader sees ${c.name}`, () => assert.equal(linksOf(c.text), c.links));
}

test.run();
