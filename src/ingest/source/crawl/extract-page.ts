import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode } from 'domhandler';

export interface ExtractedPage {
  /** `<title>`, else the first `h1` of the content, else the fallback title given. */
  title: string;
  /** `<link rel=canonical>` resolved against the page's base URL (not normalised), or null. */
  canonical: string | null;
  /** Targets of `<a href>` and `<area href>` anywhere on the page, resolved, in document order (fragments kept; callers normalise). */
  links: string[];
  /** `<meta name="robots">` (or `name="cairn"`) says `noindex` / `nofollow` (`none` says both). */
  noindex: boolean;
  nofollow: boolean;
  /**
   * A small HTML document holding the title and the main content with the site's chrome removed,
   * for the HTML parser (so headings and chunking behave as for files).
   */
  html: string;
}

/**
 * Where documentation generators put the page's own content, most specific first: Docusaurus,
 * MkDocs Material, Sphinx and the Read the Docs theme, GitBook and docsify, VitePress, VuePress,
 * MkDocs' default theme, then the generic HTML5 landmarks and common ids.
 */
const MAIN_SELECTORS = [
  '.theme-doc-markdown',
  'article.md-content__inner',
  '.md-content__inner',
  '[itemprop="articleBody"]',
  'div.body[role="main"]',
  '.rst-content [role="main"]',
  '.markdown-section',
  '.vp-doc',
  '.theme-default-content',
  'main article',
  'article[role="main"]',
  '[role="main"]',
  'main',
  'article',
  '#main-content',
  '#content',
  '.content',
];

/**
 * Site chrome inside the content: scripts and styles, navigation landmarks, heading anchors
 * (Sphinx `¶`, Docusaurus `#`), breadcrumbs, "edit this page" links, previous/next pagers, page
 * tables of contents, copy buttons and text for screen readers only.
 */
const CHROME = [
  'script', 'style', 'noscript', 'template', 'svg', 'iframe', 'form', 'button', 'select', 'input', 'textarea',
  'nav', 'aside', 'footer', '[role="navigation"]', '[role="banner"]', '[role="contentinfo"]', '[role="search"]', '[hidden]', '[aria-hidden="true"]',
  '.headerlink', '.hash-link', '.anchor-link', 'a.anchor', '.skip-link', '.sr-only', '.visually-hidden',
  '.breadcrumb', '.breadcrumbs', '.theme-doc-breadcrumbs', '.wy-breadcrumbs', '[aria-label="breadcrumbs"]', '[aria-label="Breadcrumbs"]',
  '.theme-doc-footer', '.theme-doc-toc-mobile', '.theme-edit-this-page', '.theme-last-updated', '.pagination-nav',
  '.md-source-file', '.md-content__button', '.md-footer', '.md-sidebar',
  '.rst-footer-buttons', '.sphinxsidebar', '.related',
  '.toc', '#toc', '.table-of-contents', '.edit-this-page', '.edit-page', '.prev-next', '.page-nav', '.copy-button',
].join(', ');

/**
 * Reads a fetched HTML page: its links (from the whole page, navigation included, so a crawl finds
 * every page), its canonical URL, its robots directives, and its main content reduced to a small
 * HTML document. The content container is the first of MAIN_SELECTORS present, else `body`;
 * CHROME is removed from it, and `header` elements holding a heading are unwrapped (Docusaurus puts
 * the page's `h1` in one) while other headers are removed.
 */
export function extractPage(html: string, pageUrl: string, fallbackTitle = ''): ExtractedPage {
  const $ = load(html);
  const base = resolve($('base[href]').first().attr('href'), pageUrl) ?? pageUrl;
  const links: string[] = [];
  $('a[href], area[href]').each((_, element) => {
    const target = resolve($(element).attr('href'), base);
    if (target !== null) links.push(target);
  });
  const canonicalHref = $('link[rel~="canonical"][href]').first().attr('href');
  const directives = $('meta[name="robots" i], meta[name="cairn" i]')
    .toArray()
    .flatMap((element) => ($(element).attr('content') ?? '').toLowerCase().split(/[\s,]+/));
  const noindex = directives.includes('noindex') || directives.includes('none');
  const nofollow = directives.includes('nofollow') || directives.includes('none');

  const main = mainContainer($);
  const content = $(main);
  content.find(CHROME).remove();
  content.find('header').each((_, element) => {
    const header = $(element);
    if (header.find('h1, h2, h3, h4, h5, h6').length > 0) header.replaceWith(header.contents());
    else header.remove();
  });
  const title = clean($('head > title').first().text()) || clean($('title').first().text()) || clean(content.find('h1').first().text()) || fallbackTitle;
  const body = content.html() ?? '';
  return {
    title,
    canonical: resolve(canonicalHref, base),
    links,
    noindex,
    nofollow,
    html: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>\n`,
  };
}

function mainContainer($: CheerioAPI): AnyNode {
  for (const selector of MAIN_SELECTORS) {
    const found = $(selector).toArray().find((element) => clean($(element).text()) !== '');
    if (found !== undefined) return found;
  }
  return ($('body').get(0) ?? $.root().get(0)) as AnyNode;
}

function resolve(href: string | undefined, base: string): string | null {
  if (href === undefined || href.trim() === '') return null;
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return null;
  }
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
