import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSitemap } from './parse-sitemap.js';

describe('parseSitemap', () => {
  it('reads a urlset, an index, prefixed names and text sitemaps', () => {
    assert.deepEqual(
      parseSitemap('<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://d.example/a?x=1&amp;y=2 </loc><lastmod>2024-01-01</lastmod></url><url><loc>https://d.example/b</loc></url></urlset>'),
      { kind: 'urlset', locations: ['https://d.example/a?x=1&y=2', 'https://d.example/b'] },
    );
    assert.deepEqual(parseSitemap('<sitemapindex><sitemap><loc>https://d.example/s1.xml.gz</loc></sitemap></sitemapindex>'), { kind: 'index', locations: ['https://d.example/s1.xml.gz'] });
    assert.deepEqual(parseSitemap('<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url><sm:loc>https://d.example/p</sm:loc></sm:url></sm:urlset>').locations, ['https://d.example/p']);
    assert.deepEqual(parseSitemap('https://d.example/a\n  https://d.example/b\nnot a url\n'), { kind: 'urlset', locations: ['https://d.example/a', 'https://d.example/b'] });
  });

  it('ignores locations outside url or sitemap entries (images, news)', () => {
    const xml = '<urlset><url><loc>https://d.example/p</loc><image:image><image:loc>https://d.example/i.png</image:loc></image:image></url></urlset>';
    assert.deepEqual(parseSitemap(xml).locations, ['https://d.example/p']);
  });
});
