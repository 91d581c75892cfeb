import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRobotsTxt } from './robots-txt.js';

describe('parseRobotsTxt (RFC 9309)', () => {
  const text = [
    '# comments and blank lines are ignored',
    'User-agent: *',
    'Disallow: /private/',
    'Disallow: /tmp',
    'Crawl-delay: 2',
    '',
    'User-agent: Cairn/0.1',
    'User-agent: otherbot',
    'Disallow: /docs/drafts/',
    'Allow: /docs/drafts/public$',
    'Disallow: /*.json$',
    'Disallow: /search?',
    'Crawl-delay: 5',
    '',
    'User-agent: cairn',
    'Disallow: /old/',
    'Sitemap: https://d.example/sitemap.xml',
  ].join('\r\n');
  const rules = parseRobotsTxt(text, 'cairn');

  it('uses the groups naming the product token (merged), not the * group', () => {
    assert.ok(rules.isAllowed('/private/page'), 'the * group does not apply when a group names cairn');
    assert.ok(!rules.isAllowed('/docs/drafts/x'));
    assert.ok(!rules.isAllowed('/old/page'), 'two groups for the same agent are merged');
    assert.equal(rules.crawlDelaySeconds, 5);
    assert.deepEqual(rules.sitemaps, ['https://d.example/sitemap.xml']);
  });

  it('lets the longest match win, allow on a tie, with * and $ patterns', () => {
    assert.ok(rules.isAllowed('/docs/drafts/public'));
    assert.ok(!rules.isAllowed('/docs/drafts/public/more'), '$ anchors the end');
    assert.ok(!rules.isAllowed('/api/data.json'));
    assert.ok(rules.isAllowed('/api/data.json?x=1'), '$ is the end of the path and query');
    assert.ok(!rules.isAllowed('/search?q=x'));
    assert.ok(rules.isAllowed('/search'));
    const tie = parseRobotsTxt('User-agent: *\nDisallow: /page\nAllow: /page\n', 'cairn');
    assert.ok(tie.isAllowed('/page'));
    const longer = parseRobotsTxt('User-agent: *\nAllow: /docs\nDisallow: /docs/internal\n', 'cairn');
    assert.ok(!longer.isAllowed('/docs/internal/x'));
    assert.ok(longer.isAllowed('/docs/public'));
  });

  it('falls back to the * group, and allows everything without one', () => {
    const star = parseRobotsTxt('User-agent: googlebot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nCrawl-delay: 1.5\n', 'cairn');
    assert.ok(!star.isAllowed('/private/x'));
    assert.ok(star.isAllowed('/public'));
    assert.equal(star.crawlDelaySeconds, 1.5);
    const none = parseRobotsTxt('User-agent: googlebot\nDisallow: /\n', 'cairn');
    assert.ok(none.isAllowed('/anything'));
    assert.ok(parseRobotsTxt('User-agent: *\nDisallow:\n', 'cairn').isAllowed('/x'), 'an empty Disallow allows all');
  });

  it('always allows /robots.txt and compares percent-encoded paths', () => {
    assert.ok(parseRobotsTxt('User-agent: *\nDisallow: /\n', 'cairn').isAllowed('/robots.txt'));
    const encoded = parseRobotsTxt('User-agent: *\nDisallow: /café/\nDisallow: /a%2fb\n', 'cairn');
    assert.ok(!encoded.isAllowed('/caf%C3%A9/menu'));
    assert.ok(!encoded.isAllowed('/a%2Fb'));
  });
});
