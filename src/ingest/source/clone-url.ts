import { createHash } from 'node:crypto';
import { CairnError } from '../../core/cairn-error.js';

/** A git remote the user named, split into what git is given and what identifies it in URIs. */
export interface CloneUrl {
  /** Passed to `git clone`/`git fetch`: as typed (credentials kept), without the `#ref` fragment. */
  cloneUrl: string;
  /** Identity in document URIs and the display root: `cloneUrl` with credentials removed. */
  repository: string;
  /** Branch or tag from the `#ref` fragment (or a forge's `/tree/<ref>` path); absent: the default branch. */
  ref?: string;
  /** Cache folder name under `<home>/cache/git`: readable repository name plus a hash of repository and ref. */
  cacheKey: string;
}

const SCHEME = /^(?:https?|ssh|git|git\+ssh|ssh\+git|file):\/\//i;
const SCP_LIKE = /^[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;
/** Forges whose web URLs are also clone URLs (`https://github.com/org/repo`). */
const FORGES = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'git.sr.ht']);
/** Forges that accept and canonically use the `.git` suffix. */
const GIT_SUFFIX_FORGES = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org']);

/** True when `input` has a URL scheme git can clone from (it is never taken as a local path then). */
export function hasCloneScheme(input: string): boolean {
  return SCHEME.test(input);
}

/** True for scp-like remotes (`git@github.com:org/repo.git`). */
export function isScpLike(input: string): boolean {
  return SCP_LIKE.test(input);
}

/**
 * Parses a clone URL: `https://…` (ending `.git`, or on a known forge), `http://…`, `ssh://…`,
 * `git://…`, `file://…` or scp-like `user@host:path`, with an optional `#ref`. Credentials in the
 * user-info part of http(s) URLs are removed from `repository` (tokens are often put in the user
 * name); an ssh user name is an account, not a secret, and stays. Trailing slashes are dropped and
 * known forges get their canonical `.git` suffix so that `…/repo` and `…/repo.git` are one repository.
 */
export function parseCloneUrl(input: string): CloneUrl {
  const hashAt = input.indexOf('#');
  const withoutRef = hashAt < 0 ? input : input.slice(0, hashAt);
  let ref = hashAt < 0 ? undefined : decodeURIComponent(input.slice(hashAt + 1)) || undefined;

  if (isScpLike(withoutRef)) {
    const cloneUrl = withoutRef.replace(/\/+$/, '');
    return finish(cloneUrl, cloneUrl, ref);
  }
  let url: URL;
  try {
    url = new URL(withoutRef);
  } catch (error) {
    throw new CairnError('INPUT_INVALID', `Not a valid clone URL: ${redact(withoutRef)}`, {
      cause: error,
      hint: 'Give a local path, or a clone URL such as https://github.com/org/repo.git or git@github.com:org/repo.git.',
    });
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const host = url.hostname.toLowerCase();
  let pathname = url.pathname.replace(/\/+$/, '');

  if (scheme === 'http' || scheme === 'https') {
    const segments = pathname.split('/').filter((segment) => segment !== '');
    if (FORGES.has(host)) {
      const treeAt = host === 'gitlab.com' ? segments.indexOf('-') : segments.indexOf('tree') === 2 ? 2 : -1;
      if (treeAt >= 2) {
        const treeRef = host === 'gitlab.com' ? (segments[treeAt + 1] === 'tree' ? segments[treeAt + 2] : undefined) : segments[treeAt + 1];
        ref ??= treeRef;
        segments.length = treeAt;
      } else if (host !== 'gitlab.com' && segments.length > 2) {
        segments.length = 2;
      }
      if (segments.length < 2) throw notARepository(input);
      if (GIT_SUFFIX_FORGES.has(host) && !segments[segments.length - 1]!.endsWith('.git')) {
        segments[segments.length - 1] = `${segments[segments.length - 1]!}.git`;
      }
      pathname = `/${segments.join('/')}`;
    } else if (!pathname.endsWith('.git')) {
      throw notARepository(input);
    }
    url.pathname = pathname;
    url.hash = '';
    const cloneUrl = url.href;
    url.username = '';
    url.password = '';
    return finish(cloneUrl, url.href, ref);
  }

  url.pathname = pathname;
  url.hash = '';
  const cloneUrl = url.href;
  url.password = '';
  return finish(cloneUrl, url.href, ref);
}

function finish(cloneUrl: string, repository: string, ref: string | undefined): CloneUrl {
  const lastSegment = repository.split(/[/:]/).filter((segment) => segment !== '').pop() ?? 'repo';
  const name = lastSegment.replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48) || 'repo';
  const hash = createHash('sha256').update(`${repository}#${ref ?? ''}`).digest('hex').slice(0, 16);
  return { cloneUrl, repository, ...(ref === undefined ? {} : { ref }), cacheKey: `${name}-${hash}` };
}

function notARepository(input: string): CairnError {
  return new CairnError('INPUT_INVALID', `Not a git repository URL: ${redact(input)}`, {
    hint: 'Web pages are not a source. For a git repository give its clone URL ending in .git (https://host/org/repo.git).',
  });
}

/** The input with any `user:password@` part masked, for messages. */
export function redact(text: string): string {
  return text.replace(/^([a-z+]+:\/\/)[^/@\s]*@/i, '$1***@');
}
