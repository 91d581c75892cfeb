/**
 * What a directory walk can decide about a file from its name alone, and the content sniff it
 * falls back on when the name says nothing. Decided here: which directories are never entered.
 */

/**
 * Directory names never entered, at any depth: version-control metadata and dependency or tool
 * caches that are regenerated from other files and would flood a collection with third-party or
 * machine-written text. Build outputs (`dist`, `build`, `target`, `out`) are deliberately NOT in
 * this list: some projects keep real documentation there, and a project's `.gitignore` already
 * excludes them where they are generated. A directory holding `pyvenv.cfg` (any Python virtual
 * environment, whatever its name) is skipped as well; see `isVirtualEnvListing`.
 */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', '.bzr', '_darcs', 'CVS', '.jj', '.pijul',
  'node_modules', 'bower_components', 'jspm_packages', '.yarn', '.pnpm-store',
  '__pycache__', '.venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.ipynb_checkpoints',
  '.gradle', '.terraform', '.next', '.nuxt', '.svelte-kit', '.parcel-cache', '.turbo', '.cache',
]);

/** True when a directory listing is a Python virtual environment (it holds `pyvenv.cfg`). */
export function isVirtualEnvListing(names: readonly string[]): boolean {
  return names.includes('pyvenv.cfg');
}

/**
 * Extensions of formats that are binary by nature and that no parser reads: skipped without
 * opening the file. Document containers a parser may read (pdf, docx, doc, odt, epub, xlsx, pptx)
 * are not here: whether they are read is the parser registry's call, and a failure gets a reason.
 */
export const BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'bmp', 'ico', 'icns', 'webp', 'tif', 'tiff', 'psd', 'heic', 'avif', 'raw', 'xcf',
  'mp3', 'mp4', 'm4a', 'm4v', 'wav', 'ogg', 'oga', 'flac', 'aac', 'opus', 'avi', 'mov', 'mkv', 'webm', 'wmv', 'flv',
  'zip', 'gz', 'tgz', 'bz2', 'xz', 'zst', 'lz4', '7z', 'rar', 'tar', 'jar', 'war', 'ear', 'whl', 'egg', 'apk', 'deb', 'rpm',
  'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'lib', 'class', 'pyc', 'pyo', 'pyd', 'wasm', 'node', 'bin',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'sqlite', 'sqlite3', 'db', 'mdb', 'iso', 'dmg', 'img', 'vmdk', 'qcow2',
  'onnx', 'safetensors', 'pt', 'pth', 'ckpt', 'h5', 'hdf5', 'npy', 'npz', 'parquet', 'arrow', 'feather', 'pkl', 'pickle', 'tflite', 'gguf',
]);

/**
 * Extensions whose files are text (or a document container a parser reads): trusted without a
 * sniff, so a walk opens no file of these types. A text file that is in fact binary is caught by
 * its parser, which reports a reason instead of silently dropping it.
 */
export const TRUSTED_EXTENSIONS: ReadonlySet<string> = new Set([
  'md', 'markdown', 'mdx', 'mdown', 'mkd', 'txt', 'text', 'rst', 'adoc', 'asciidoc', 'org', 'tex', 'bib', 'log',
  'html', 'htm', 'xhtml', 'xml', 'svg', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'json5', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf', 'properties',
  'ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs', 'py', 'pyi', 'rb', 'go', 'rs', 'java', 'kt', 'kts', 'scala', 'groovy', 'gradle',
  'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh', 'hxx', 'cs', 'fs', 'fsx', 'swift', 'm', 'mm', 'php', 'pl', 'pm', 'lua', 'r', 'jl', 'dart',
  'ex', 'exs', 'erl', 'hrl', 'hs', 'ml', 'mli', 'clj', 'cljs', 'elm', 'nim', 'zig', 'vue', 'svelte', 'astro',
  'sh', 'bash', 'zsh', 'fish', 'ps1', 'bat', 'cmd', 'sql', 'graphql', 'gql', 'proto', 'tf', 'hcl', 'cmake', 'mk', 'dockerfile',
  'css', 'scss', 'sass', 'less',
  'pdf', 'docx', 'doc', 'odt', 'rtf', 'epub', 'xlsx', 'pptx',
]);

/** Bytes read from the start of a file whose type the name does not tell. */
export const SNIFF_BYTES = 8192;

/**
 * Content sniff for files with no or an unknown extension. A byte-order mark means text. NUL
 * bytes mean binary unless they sit almost all on one parity, as in BOM-less UTF-16 text. Without
 * NULs, more than 10% C0 control bytes other than tab, LF, VT, FF, CR and ESC means binary.
 * UTF-8 multi-byte sequences are >= 0x80 and never count as control bytes.
 */
export function looksBinary(head: Uint8Array): boolean {
  const length = head.length;
  if (length === 0) return false;
  if (length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return false;
  if (length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return false;
  let nulEven = 0;
  let nulOdd = 0;
  let control = 0;
  for (let i = 0; i < length; i += 1) {
    const byte = head[i]!;
    if (byte === 0) {
      if (i % 2 === 0) nulEven += 1;
      else nulOdd += 1;
    } else if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) || byte === 0x7f) {
      control += 1;
    }
  }
  const nul = nulEven + nulOdd;
  if (nul > 0) {
    const pairs = Math.floor(length / 2);
    const utf16Like = pairs > 0 && nul >= pairs * 0.3 && Math.max(nulEven, nulOdd) >= nul * 0.95 && control <= length * 0.05;
    return !utf16Like;
  }
  return control > length * 0.1;
}

/** Lower-case extension without the dot ('' when none); a leading dot alone is not an extension. */
export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return '';
  return fileName.slice(dot + 1).toLowerCase();
}
