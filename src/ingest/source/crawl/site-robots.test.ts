import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CairnError } from '../../../core/cairn-error.js';
import { startTestSite, type TestSite } from '../../../testing/test-site-server.js';
import { RequestPacer } from './request-pacer.js';
import { SiteRobots } from './site-robots.js';

describe('SiteRobots', () => {
  const sites: TestSite[] = [];
  after(() => Promise.all(sites.map((site) => site.close())));

  const robotsOf = async (route: Parameters<typeof startTestSite>[0]) => {
    const site = await startTestSite(route);
    sites.push(site);
    const pacer = new RequestPacer(100);
    const notices: string[] = [];
    const robots = new SiteRobots({
      fetchOptions: (maxBytes) => ({ userAgent: 'Cairn/test', timeoutMs: 10_000, maxBytes, maxRedirects: 5, allowPrivateNetworks: true }),
      pacer,
      delayMs: 100,
      notices,
    });
    return { site, robots, pacer, notices };
  };
  const refused = (error: unknown) => error instanceof CairnError && error.code === 'ROBOTS_DISALLOWED';

  it('reads robots.txt once per origin and applies its rules and Crawl-delay', async () => {
    const { site, robots, pacer, notices } = await robotsOf({ '/robots.txt': { body: 'User-agent: *\nDisallow: /admin\nCrawl-delay: 120\nSitemap: /map.xml\n' } });
    await robots.assertAllowed(new URL(`${site.origin}/docs/`));
    await assert.rejects(robots.assertAllowed(new URL(`${site.origin}/admin/users`)), refused);
    assert.deepEqual(await robots.sitemaps(site.origin), ['/map.xml']);
    assert.equal(site.paths().filter((path) => path === '/robots.txt').length, 1);
    assert.equal(pacer.intervalOf(site.origin), 60_000, 'Crawl-delay raises the interval, capped at 60 s');
    assert.match(notices.join('\n'), /capped at 60 s/);
  });

  it('allows everything when robots.txt is missing (4xx) and nothing when it fails (5xx, 429)', async () => {
    const missing = await robotsOf({});
    await missing.robots.assertAllowed(new URL(`${missing.site.origin}/anything`));
    for (const status of [503, 429]) {
      const failing = await robotsOf({ '/robots.txt': { status } });
      await assert.rejects(failing.robots.assertAllowed(new URL(`${failing.site.origin}/docs/`)), (error: unknown) => refused(error) && new RegExp(`answered ${status}`).test((error as Error).message));
    }
  });
});
