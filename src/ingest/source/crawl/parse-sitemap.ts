import { load } from 'cheerio';

export interface ParsedSitemap {
  /** `index`: the locations are further sitemaps; `urlset`: they are pages. */
  kind: 'index' | 'urlset';
  /** `<loc>` values (or the lines of a text sitemap), trimmed, in document order. */
  locations: string[];
}

/**
 * Reads a sitemap (sitemaps.org protocol 0.9): an XML `<sitemapindex>` of `<sitemap><loc>` entries,
 * an XML `<urlset>` of `<url><loc>` entries, or a text sitemap (one absolute URL per line). Element
 * names are matched without namespace prefixes. Anything else yields an empty `urlset`.
 */
export function parseSitemap(text: string): ParsedSitemap {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed.startsWith('<')) {
    const locations = trimmed
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => /^https?:\/\//i.test(line));
    return { kind: 'urlset', locations };
  }
  const $ = load(trimmed, { xml: { xmlMode: true, decodeEntities: true } });
  const local = (name: string) => name.replace(/^.*:/, '').toLowerCase();
  const root = $.root().children().get(0);
  const kind = root !== undefined && 'name' in root && local(root.name) === 'sitemapindex' ? 'index' : 'urlset';
  const entry = kind === 'index' ? 'sitemap' : 'url';
  const locations: string[] = [];
  $('*').each((_, element) => {
    if (!('name' in element) || local(element.name) !== 'loc') return;
    const parent = element.parent;
    if (parent === null || !('name' in parent) || local(parent.name) !== entry) return;
    const value = $(element).text().trim();
    if (value !== '') locations.push(value);
  });
  return { kind, locations };
}
