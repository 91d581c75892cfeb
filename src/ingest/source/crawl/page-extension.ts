import { isCodeFileName } from '../../parse/code-languages.js';
import { BINARY_EXTENSIONS } from '../file-kinds.js';

/** Media types of the formats the parsers read, by the extension that selects the parser. */
const EXTENSION_BY_MEDIA_TYPE = new Map<string, string>([
  ['text/html', 'html'],
  ['application/xhtml+xml', 'html'],
  ['application/pdf', 'pdf'],
  ['text/markdown', 'md'],
  ['text/x-markdown', 'md'],
  ['text/csv', 'csv'],
  ['application/json', 'json'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ['text/plain', 'txt'],
]);

/** Types that say little about the content: the URL's extension decides when a parser reads it. */
const VAGUE_MEDIA_TYPES = new Set(['', 'text/plain', 'application/octet-stream', 'binary/octet-stream']);

/** The media type of a `Content-Type` header value, lower-cased without parameters ('' when absent). */
export function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

export function isHtmlMediaType(mediaType: string): boolean {
  return mediaType === 'text/html' || mediaType === 'application/xhtml+xml';
}

/** The lower-case extension of a URL's last path segment, or ''. */
export function urlExtension(url: string): string {
  const segment = new URL(url).pathname.split('/').pop() ?? '';
  const dot = segment.lastIndexOf('.');
  return dot > 0 ? segment.slice(dot + 1).toLowerCase() : '';
}

/** Whether a link's extension names a binary format no parser reads (an image, an archive): it is not fetched. */
export function isBinaryLink(url: string): boolean {
  return BINARY_EXTENSIONS.has(urlExtension(url));
}

/**
 * The extension whose parser reads a fetched body, or null when none does: the media type decides,
 * except for vague types (`text/plain`, `application/octet-stream`, none), where a supported
 * extension of the URL does (`.md` served as text/plain is Markdown).
 */
export function pageExtension(mediaType: string, url: string, isSupported: (extension: string) => boolean): string | null {
  if (VAGUE_MEDIA_TYPES.has(mediaType)) {
    const fromUrl = urlExtension(url);
    if (fromUrl !== '' && !BINARY_EXTENSIONS.has(fromUrl) && isSupported(fromUrl)) return fromUrl;
  }
  const known = EXTENSION_BY_MEDIA_TYPE.get(mediaType);
  return known !== undefined && isSupported(known) ? known : null;
}

/**
 * The file name the parsers see for a page: its last path segment with the extension of its
 * content (`intro.html`, `index.html` for a directory URL), or `page.<extension>` when the segment
 * would be taken for a code file by name (`Makefile.html`).
 */
export function pageFileName(url: string, extension: string): string {
  let segment = new URL(url).pathname.split('/').pop() ?? '';
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape stays as it is.
  }
  segment = segment.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[.-]+/, '');
  if (segment === '') segment = 'index';
  const name = segment.toLowerCase().endsWith(`.${extension}`) ? segment : `${segment}.${extension}`;
  return isCodeFileName(name) ? `page.${extension}` : name;
}
