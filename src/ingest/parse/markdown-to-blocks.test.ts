import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { markdownParser } from './markdown-parser.js';
import { markdownToBlocks } from './markdown-to-blocks.js';

const parse = (text: string, fileName = 'doc.md') =>
  markdownParser.parse({ bytes: Buffer.from(text), fileName, extension: fileName.split('.').pop() ?? '', relativePath: fileName });

test('front matter becomes metadata; title and tags are normalised', async () => {
  const document = await parse('---\ntitle: Rotating keys\ntags: security, ops , security\ndate: 2024-05-01\nweight: 3\n---\n# Other heading\n\nBody text.\n');
  assert.equal(document.title, 'Rotating keys');
  assert.deepEqual(document.metadata.tags, ['security', 'ops']);
  assert.equal(document.metadata.weight, 3);
  assert.equal(document.metadata.date, '2024-05-01');
  assert.deepEqual(document.blocks[0], { kind: 'heading', level: 1, text: 'Other heading' });
  assert.deepEqual(document.blocks[1], { kind: 'text', text: 'Body text.', line: 9 });
});

test('title falls back to the first H1, then to the file name; list tags are kept', async () => {
  assert.equal((await parse('intro\n\n## Two\n\n# One\n')).title, 'One');
  assert.equal((await parse('just text\n', 'notes.md')).title, 'notes.md');
  const tagged = await parse('---\ntags: [a, b]\n---\ntext\n');
  assert.deepEqual(tagged.metadata.tags, ['a', 'b']);
});

test('ATX and setext headings; closing hashes and attribute lists are stripped, ids kept as anchors', () => {
  const blocks = markdownToBlocks(
    'Title { #top }\n=====\n\nSub title\n---\n\n### Third ###\n## Fourth {#custom-id}\n## Dependencies { #dependencies .wide }\n' +
      '### Overriding blocks <small>recommended</small> { #overriding-blocks data-toc-label="Overriding blocks" }\n## Adding styles {/*adding-styles*/}\n' +
      '### -target {es5|es2015}\n\ntext\n\n---\n\nafter rule\n',
  );
  assert.deepEqual(
    blocks.filter((block) => block.kind === 'heading'),
    [
      { kind: 'heading', level: 1, text: 'Title', anchor: 'top' },
      { kind: 'heading', level: 2, text: 'Sub title' },
      { kind: 'heading', level: 3, text: 'Third' },
      { kind: 'heading', level: 2, text: 'Fourth', anchor: 'custom-id' },
      { kind: 'heading', level: 2, text: 'Dependencies', anchor: 'dependencies' },
      { kind: 'heading', level: 3, text: 'Overriding blocks recommended', anchor: 'overriding-blocks' },
      { kind: 'heading', level: 2, text: 'Adding styles', anchor: 'adding-styles' },
      { kind: 'heading', level: 3, text: '-target {es5|es2015}' },
    ],
  );
  assert.deepEqual(blocks.filter((block) => block.kind === 'text').map((block) => block.text), ['text', 'after rule']);
});

test('fenced code is kept whole, including lines that look like headings or tables', () => {
  const source = ['# Guide', '', '```bash', '# not a heading', 'a | b', '--- | ---', '', 'echo hi', '```', '', '~~~~', '```', 'still code', '~~~~', 'after'].join('\n');
  const blocks = markdownToBlocks(source);
  assert.deepEqual(blocks, [
    { kind: 'heading', level: 1, text: 'Guide' },
    { kind: 'code', text: '```bash\n# not a heading\na | b\n--- | ---\n\necho hi\n```', language: 'bash', line: 3 },
    { kind: 'code', text: '~~~~\n```\nstill code\n~~~~', line: 11 },
    { kind: 'text', text: 'after', line: 15 },
  ]);
});

test('an unclosed fence runs to the end of the document', () => {
  assert.deepEqual(markdownToBlocks('```js\nlet a = 1;\n# x'), [{ kind: 'code', text: '```js\nlet a = 1;\n# x', language: 'js', line: 1 }]);
});

test('pipe tables become table blocks whose header is the header row and separator', () => {
  const blocks = markdownToBlocks('Intro line\n| Name | Port |\n|:-----|-----:|\n| web | 80 |\n| db | 5432 |\nNext paragraph\n');
  assert.deepEqual(blocks, [
    { kind: 'text', text: 'Intro line', line: 1 },
    { kind: 'table', text: '| Name | Port |\n|:-----|-----:|\n| web | 80 |\n| db | 5432 |', header: '| Name | Port |\n|:-----|-----:|' },
    { kind: 'text', text: 'Next paragraph', line: 6 },
  ]);
});

test('lists, quotes and paragraphs are text blocks split at blank lines; HTML comments are dropped', () => {
  const blocks = markdownToBlocks('- one\n- two\n\n> quoted\n> more\n\n<!-- hidden\nstill hidden -->\nvisible <!-- x --> text\n');
  assert.deepEqual(blocks.map((block) => block.text), ['- one\n- two', '> quoted\n> more', 'visible  text']);
});

test('MDX: import/export statements and JSX tags are dropped, inner text kept', async () => {
  const source = [
    "import { Tabs } from '@site/tabs';",
    'export const meta = {',
    "  title: 'x',",
    '};',
    '',
    '# Install {/*install*/}',
    '',
    '<Tabs defaultValue="npm">',
    '<TabItem',
    '  value="npm"',
    '>',
    'Run the installer.',
    '</TabItem>',
    '</Tabs>',
    '',
    'Use <Kbd>Ctrl</Kbd> to copy.',
  ].join('\n');
  const document = await parse(source, 'install.mdx');
  assert.deepEqual(
    document.blocks.map((block) => [block.kind, block.text]),
    [
      ['heading', 'Install'],
      ['text', 'Run the installer.'],
      ['text', 'Use Ctrl to copy.'],
    ],
  );
  assert.equal(document.title, 'Install');
});

test('a page that is only front matter is indexed by its title; a blank page is PARSE_EMPTY', async () => {
  const onlyFront = await parse('---\ntitle: API reference\nweight: 90\n---\n');
  assert.deepEqual(onlyFront.blocks, [{ kind: 'text', text: 'API reference' }]);
  await assert.rejects(parse('  \n\n'), { code: 'PARSE_EMPTY' });
  await assert.rejects(parse('---\nweight: 1\n---\n'), { code: 'PARSE_EMPTY' });
});

test('CRLF line endings are handled like LF', async () => {
  const document = await parse('---\r\ntitle: T\r\n---\r\n# H\r\n\r\nline one\r\nline two\r\n');
  assert.equal(document.title, 'T');
  assert.deepEqual(document.blocks[1], { kind: 'text', text: 'line one\nline two', line: 6 });
});

test('docs corpus: no heading or title keeps an attribute list; the ids become anchors', async (t) => {
  const root = sharedPath('data', 'docs-corpus');
  if (root === null) return t.skip(SHARED_MISSING);
  const names = (await readdir(root, { recursive: true })).filter((name) => /\.(?:md|mdx|markdown)$/.test(name));
  const attributeHeading = /^#{1,6} .*(?:\{ ?#[\w.:-]+[^}]*\}|\{\.[\w-]+\}|\{ ?id="[^"]*"[^}]*\}|\{\/\*[\w-]+\*\/\})\s*$/m;
  let files = 0;
  let anchors = 0;
  for (const name of names) {
    const text = await readFile(join(root, name), 'utf8');
    if (!attributeHeading.test(text)) continue;
    files += 1;
    const document = await parse(text, name.split('/').pop() ?? name);
    assert.doesNotMatch(document.title, /\{[:#./ ]|\}$/, `${name}: title "${document.title}"`);
    for (const block of document.blocks) {
      if (block.kind !== 'heading') continue;
      assert.doesNotMatch(block.text, /\{ ?[#.][\w-]|\{ ?id=|\{\/\*|data-toc-label/, `${name}: heading "${block.text}"`);
      if (block.anchor !== undefined) anchors += 1;
    }
  }
  // 509 files (FastAPI, the React and Vue docs, Kotlin, gRPC, MkDocs Material…) when this was written.
  assert.ok(files > 400, `only ${files} files with heading attributes`);
  assert.ok(anchors > 2000, `only ${anchors} anchors`);
});
