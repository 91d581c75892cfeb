/** One file found by a source (a directory walk, a git checkout, a single file, a crawled page), not yet read. */
export interface SourceItem {
  /**
   * Stable identity of the document across runs. `file:///abs/path` for local files;
   * `git+<clone-url>#<path-in-repo>` for files of a cloned repository (the URL without credentials);
   * the canonical URL of a crawled page.
   */
  readonly uri: string;
  /** Path relative to the source root, with `/` separators; used for path filters and display. */
  readonly relativePath: string;
  /** Where the bytes are on this machine now (a clone may live in a temporary directory). */
  readonly absolutePath: string;
  /** Lower-case extension without the dot (`md`, `pdf`), or '' when the name has none. */
  readonly extension: string;
  readonly sizeBytes: number;
  readonly modifiedMs: number;
  /** The root the item was found under (the directory or repository given by the user). */
  readonly sourceRoot: string;
  /** For git sources: the clone URL or local repository path, and the commit the file was read at. */
  readonly git?: { readonly repository: string; readonly commit: string };
  /** The name parsers see (it selects the parser and names the file in messages); default the last segment of `relativePath`. */
  readonly fileName?: string;
  /** Facts about where the bytes came from, stored with the document's metadata (a crawled page's fetched URL, status, validators). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}
