import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToStaticMarkup } from 'react-dom/server';
import { ModeSelect } from './mode-select.js';

const values = (html: string) => [...html.matchAll(/<option value="([^"]*)"/g)].map((match) => match[1]);

describe('ModeSelect', () => {
  it('labels the select "Mode" and offers the three retrieval modes', () => {
    const html = renderToStaticMarkup(<ModeSelect id="search-mode" value="lexical" onChange={() => {}} />);
    assert.match(html, /<label for="search-mode">Mode<\/label><select id="search-mode">/);
    assert.deepEqual(values(html), ['hybrid', 'lexical', 'dense']);
    assert.match(html, /<option value="lexical" selected="">/);
  });

  it('puts "Default" (the server chooses) first when asked', () => {
    const html = renderToStaticMarkup(<ModeSelect id="chat-mode" value="" onChange={() => {}} withDefault />);
    assert.deepEqual(values(html), ['', 'hybrid', 'lexical', 'dense']);
  });
});
