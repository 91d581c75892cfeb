import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToStaticMarkup } from 'react-dom/server';
import type { Citation } from '../api/types.js';
import { AnswerText, CitationDetail, citationLocation } from './citation.js';

function citation(n: number, extra: Partial<Citation> = {}): Citation {
  return {
    n,
    source_uri: `file:///docs/guide-${n}.md`,
    title: `Guide ${n}`,
    heading_path: ['Setup', 'Keys'],
    page_start: null,
    page_end: null,
    line_start: 10,
    line_end: 20,
    chunk_ids: [n * 10],
    document_id: 100 + n,
    score: 0.5,
    text: `Cited text ${n}`,
    ...extra,
  };
}

const render = (text: string, citations: Citation[]) => renderToStaticMarkup(<AnswerText text={text} citations={citations} onOpen={() => undefined} />);

describe('citation rendering', () => {
  it('turns known markers into buttons named after the source number', () => {
    const html = render('Rotate keys weekly [1]. Store them safely [2].', [citation(1), citation(2)]);
    assert.equal(html.match(/<button/g)?.length, 2);
    assert.match(html, /<button type="button" class="cite" aria-label="Citation 1" title="Guide 1">\[1\]<\/button>/);
    assert.match(html, /aria-label="Citation 2"/);
    assert.match(html, /^<div class="markdown"><p>Rotate keys weekly <button/);
  });

  it('splits grouped markers and leaves unknown numbers as text', () => {
    const html = render('Both say so [1, 2] and also [7].', [citation(1), citation(2)]);
    assert.equal(html.match(/<button/g)?.length, 2);
    assert.match(html, /\[7\]\./);
    assert.doesNotMatch(html, /Citation 7/);
  });

  it('does not take a Markdown link or code for a marker', () => {
    const html = render('See [the guide](https://example.com/g) and `arr[1]` [1].', [citation(1)]);
    assert.match(html, /<a href="https:\/\/example.com\/g" target="_blank" rel="noopener noreferrer">the guide<\/a>/);
    assert.match(html, /<code>arr\[1\]<\/code>/);
    assert.equal(html.match(/<button/g)?.length, 1);
  });

  it('never lets model text become markup', () => {
    const html = render('<img src=x onerror=alert(1)> [click](javascript:alert(1)) **<b>bold</b>** [1]', [citation(1)]);
    assert.doesNotMatch(html, /<img|<b>|href="javascript/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /<strong>&lt;b&gt;bold&lt;\/b&gt;<\/strong>/);
  });

  it('keeps markers inside lists and bold text', () => {
    const html = render('- first point [1]\n- **second [2]**', [citation(1), citation(2)]);
    assert.match(html, /<ul><li>first point <button[^>]*>\[1\]<\/button><\/li><li><strong>second <button[^>]*>\[2\]<\/button><\/strong><\/li><\/ul>/);
  });

  it('highlights a fenced code block and escapes an unknown language', () => {
    const html = render('```ts\nconst a: number = 1;\n```\n\n```brainfuck\n<>\n```', []);
    assert.match(html, /<code class="hljs language-ts"><span class="hljs-keyword">const<\/span>/);
    assert.match(html, /<code>&lt;&gt;<\/code>/);
  });

  it('the detail shows the cited text and links to its document at the cited chunks; memory sources are marked and not linked', () => {
    const html = renderToStaticMarkup(<CitationDetail citation={citation(3)} collection="notes" />);
    assert.match(html, /Cited text 3/);
    assert.match(html, /<a href="#\/documents\/notes\/103\/chunks\/30">Open document Guide 3<\/a>/);
    assert.match(html, /lines 10-20, Setup \/ Keys/);
    const memory = renderToStaticMarkup(<CitationDetail citation={citation(4, { kind: 'memory', document_id: null })} collection="notes" />);
    assert.match(memory, /Memory/);
    assert.doesNotMatch(memory, /<a /);
  });

  it('formats page and line ranges', () => {
    assert.equal(citationLocation(citation(1, { page_start: 2, page_end: 2, line_start: null, line_end: null, heading_path: [] })), 'page 2');
    assert.equal(citationLocation(citation(1, { page_start: 2, page_end: 4, line_start: null, line_end: null, heading_path: [] })), 'pages 2-4');
  });
});
