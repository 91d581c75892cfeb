import assert from 'node:assert/strict';
import { test } from 'node:test';
import { htmlParser } from './html-parser.js';
import { htmlToBlocks } from './html-to-blocks.js';

test('main content only; chrome, scripts and forms dropped; structure kept', () => {
  const html = `<html><head><title> Key rotation </title><style>p{}</style></head><body>
    <nav>Home | Docs</nav><header>Site header</header>
    <main>
      <h1>Rotate keys</h1>
      <p>Run the <b>rotate</b> command.<br>Then restart.</p>
      <script>track()</script>
      <pre><code>cairn keys rotate
  --force</code></pre>
      <ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>
      <ol><li>first</li><li>second</li></ol>
      <table><thead><tr><th>Flag</th><th>Meaning</th></tr></thead>
        <tbody><tr><td>--force</td><td>skip a|b checks</td></tr></tbody></table>
      <form><input value="x">Search</form>
      <div>loose <span>inline</span> text</div>
    </main>
    <footer>Copyright</footer></body></html>`;
  const { title, blocks } = htmlToBlocks(html);
  assert.equal(title, 'Key rotation');
  assert.deepEqual(blocks, [
    { kind: 'heading', level: 1, text: 'Rotate keys' },
    { kind: 'text', text: 'Run the rotate command.\nThen restart.' },
    { kind: 'code', text: 'cairn keys rotate\n  --force' },
    { kind: 'text', text: '- one\n  - nested\n- two' },
    { kind: 'text', text: '1. first\n2. second' },
    { kind: 'table', text: '| Flag | Meaning |\n| --- | --- |\n| --force | skip a\\|b checks |', header: '| Flag | Meaning |\n| --- | --- |' },
    { kind: 'text', text: 'loose inline text' },
  ]);
});

test('a heading id becomes its anchor', () => {
  assert.deepEqual(htmlToBlocks('<body><h2 id="dependencies">Dependencies</h2><p>x</p></body>').blocks[0], { kind: 'heading', level: 2, text: 'Dependencies', anchor: 'dependencies' });
});

test('title falls back to the first h1, then og:title; body is used without main', () => {
  assert.equal(htmlToBlocks('<body><h1>Heading</h1><p>x</p></body>').title, 'Heading');
  assert.equal(htmlToBlocks('<head><meta property="og:title" content="OG"></head><body><p>x</p></body>').title, 'OG');
});

test('a layout table with prose in a cell is read as flow text, not as one table row', () => {
  const essay = 'word '.repeat(120);
  const { blocks } = htmlToBlocks(`<body><table><tr><td>nav</td><td><p>${essay}</p><p>second</p></td></tr></table></body>`);
  assert.ok(blocks.every((block) => block.kind === 'text'));
  assert.deepEqual(blocks.map((block) => block.text), ['nav', essay.trim(), 'second']);
});

test('<meta charset> is honoured for non-UTF-8 bytes; an empty page is PARSE_EMPTY', async () => {
  const bytes = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1252"></head><body><p>caf'), Buffer.from([0xe9, 0x20, 0x80]), Buffer.from('</p></body></html>')]);
  const document = await htmlParser.parse({ bytes, fileName: 'a.html', extension: 'html', relativePath: 'a.html' });
  assert.equal(document.metadata.encoding, 'windows-1252');
  assert.deepEqual(document.blocks, [{ kind: 'text', text: 'café €' }]);
  await assert.rejects(
    htmlParser.parse({ bytes: Buffer.from('<html><body><script>x()</script></body></html>'), fileName: 'b.html', extension: 'html', relativePath: 'b.html' }),
    { code: 'PARSE_EMPTY' },
  );
});
