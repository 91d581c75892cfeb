/** How one programming language is recognised and split into top-level definitions. */
export interface CodeLanguage {
  /** Lower-case language name stored as the document's `language` (`typescript`, `python`). */
  name: string;
  /** A line at column 0 that starts a top-level definition. */
  definition: RegExp;
  /** A line that belongs to the next definition when directly above it (comments, decorators). */
  preamble: RegExp;
}

const C_COMMENTS = /^\s*(?:\/\/|\/\*|\*|@)/;
const HASH_COMMENTS = /^\s*#/;

const jsLike = /^(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\b|class\b|interface\b|type\s+\w|enum\b|const\b|let\b|var\b|namespace\b|module\b)|^export\b|^module\.exports\b|^(?:describe|test|it)\(/;
const cLike = /^(?:typedef|struct|union|enum|class|namespace|template|extern)\b|^(?!(?:if|else|for|while|do|switch|return|case|default|goto)\b)[A-Za-z_][\w\s*&:<>,~]*\w[\s*&]*\(/;

const table: Record<string, Omit<CodeLanguage, 'name'> & { extensions: string[] }> = {
  typescript: { extensions: ['ts', 'tsx', 'mts', 'cts'], definition: jsLike, preamble: C_COMMENTS },
  javascript: { extensions: ['js', 'jsx', 'mjs', 'cjs'], definition: jsLike, preamble: C_COMMENTS },
  vue: { extensions: ['vue'], definition: /^<(?:template|script|style)\b|^(?:export|function|const|class)\b/, preamble: /^\s*(?:\/\/|<!--)/ },
  svelte: { extensions: ['svelte'], definition: /^<(?:script|style)\b|^(?:export|function|const|class)\b/, preamble: /^\s*(?:\/\/|<!--)/ },
  python: { extensions: ['py', 'pyi'], definition: /^(?:async\s+def|def|class)\b/, preamble: /^\s*(?:#|@)/ },
  go: { extensions: ['go'], definition: /^(?:func|type|var|const)\b/, preamble: /^\s*\/\// },
  rust: {
    extensions: ['rs'],
    definition: /^(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+"[^"]*"\s+)?(?:fn|struct|enum|impl|trait|mod|type|const|static|union|macro_rules!)\b/,
    preamble: /^\s*(?:\/\/|#!?\[)/,
  },
  java: { extensions: ['java'], definition: /^(?:(?:public|protected|private|abstract|final|static|sealed|non-sealed|strictfp)\s+)*(?:class|interface|enum|record|@interface)\b/, preamble: C_COMMENTS },
  kotlin: {
    extensions: ['kt', 'kts'],
    definition: /^(?:(?:public|private|internal|protected|open|data|sealed|abstract|inline|suspend|override|enum|annotation|value|const)\s+)*(?:fun|class|interface|object|val|var|typealias)\b/,
    preamble: C_COMMENTS,
  },
  scala: { extensions: ['scala', 'sc'], definition: /^(?:(?:case|abstract|sealed|final|implicit|private|protected|lazy)\s+)*(?:def|class|object|trait|val|var|type|enum|given)\b/, preamble: C_COMMENTS },
  c: { extensions: ['c', 'h'], definition: cLike, preamble: C_COMMENTS },
  cpp: { extensions: ['cpp', 'cc', 'cxx', 'hpp', 'hh', 'hxx'], definition: cLike, preamble: C_COMMENTS },
  csharp: {
    extensions: ['cs'],
    definition: /^(?:\s{0,4})(?:(?:public|internal|private|protected|static|abstract|sealed|partial|readonly|file)\s+)*(?:namespace|class|interface|struct|enum|record|delegate)\b/,
    preamble: /^\s*(?:\/\/|\/\*|\*|\[)/,
  },
  ruby: { extensions: ['rb'], definition: /^(?:def|class|module)\b/, preamble: HASH_COMMENTS },
  php: { extensions: ['php'], definition: /^(?:(?:abstract|final|readonly)\s+)*(?:function|class|interface|trait|enum|namespace)\b/, preamble: /^\s*(?:\/\/|\/\*|\*|#)/ },
  swift: {
    extensions: ['swift'],
    definition: /^(?:(?:public|private|internal|open|fileprivate|final|@\w+)\s+)*(?:func|class|struct|enum|protocol|extension|actor|typealias)\b/,
    preamble: /^\s*(?:\/\/|\/\*|\*|@)/,
  },
  dart: { extensions: ['dart'], definition: /^(?:abstract\s+)?(?:class|enum|mixin|extension|typedef)\b|^[\w<>?,\s]+\s+\w+\s*\([^;]*$/, preamble: /^\s*(?:\/\/|\/\*|\*|@)/ },
  lua: { extensions: ['lua'], definition: /^(?:local\s+)?function\b/, preamble: /^\s*--/ },
  r: { extensions: ['r'], definition: /^[\w.]+\s*(?:<-|=)\s*function\b/, preamble: HASH_COMMENTS },
  elixir: { extensions: ['ex', 'exs'], definition: /^(?:defmodule|defprotocol|defimpl)\b|^ {2}(?:def|defp|defmacro|defstruct)\b/, preamble: /^\s*(?:#|@)/ },
  shell: { extensions: ['sh', 'bash', 'zsh'], definition: /^(?:function\s+[\w-]+|[\w-]+\s*\(\)\s*\{?)/, preamble: HASH_COMMENTS },
  sql: { extensions: ['sql'], definition: /^(?:create|alter|drop|insert|update|delete|select|with|grant|begin|comment)\b/i, preamble: /^\s*--/ },
  yaml: { extensions: ['yaml', 'yml'], definition: /^(?:[\w"'][^:#]*:(?:\s|$)|---)/, preamble: HASH_COMMENTS },
  toml: { extensions: ['toml'], definition: /^\[/, preamble: HASH_COMMENTS },
  css: { extensions: ['css'], definition: /^[^\s}/*]/, preamble: /^\s*\/\*|^\s*\*/ },
  scss: { extensions: ['scss', 'sass', 'less'], definition: /^[^\s}/*]/, preamble: /^\s*(?:\/\/|\/\*|\*)/ },
  protobuf: { extensions: ['proto'], definition: /^(?:message|service|enum|extend)\b/, preamble: /^\s*\/\// },
  dockerfile: { extensions: ['dockerfile'], definition: /^FROM\b/i, preamble: HASH_COMMENTS },
  makefile: { extensions: ['mk'], definition: /^[\w.%/$(){}-]+(?:\s+[\w.%/$(){}-]+)*\s*::?(?!=)/, preamble: HASH_COMMENTS },
};

const byExtension = new Map<string, CodeLanguage>();
const byName = new Map<string, CodeLanguage>();
for (const [name, entry] of Object.entries(table)) {
  const language: CodeLanguage = { name, definition: entry.definition, preamble: entry.preamble };
  byName.set(name, language);
  for (const extension of entry.extensions) byExtension.set(extension, language);
}

/** Extensions (lower-case, no dot) handled as source code. */
export const CODE_EXTENSIONS: readonly string[] = [...byExtension.keys()];

/** Whole file names that identify a language without an extension. */
const byFileName = new Map<string, string>([
  ['dockerfile', 'dockerfile'],
  ['containerfile', 'dockerfile'],
  ['makefile', 'makefile'],
  ['gnumakefile', 'makefile'],
  ['rakefile', 'ruby'],
  ['gemfile', 'ruby'],
  ['vagrantfile', 'ruby'],
  ['jenkinsfile', 'javascript'],
]);

/** The language of a source file, from its extension, its name (`Dockerfile.dev`) or a `#!` line. */
export function codeLanguageFor(extension: string, fileName: string, firstLine = ''): CodeLanguage | undefined {
  const lowerName = fileName.toLowerCase();
  const named = byFileName.get(lowerName) ?? byFileName.get(lowerName.split('.')[0] ?? '');
  if (named) return byName.get(named);
  const fromExtension = byExtension.get(extension);
  if (fromExtension) return fromExtension;
  const shebang = /^#!\s*(?:\/usr\/bin\/env\s+(?:-S\s+)?)?\S*?([\w.-]+)(?:\s|$)/.exec(firstLine)?.[1];
  if (!shebang) return undefined;
  if (/^python/.test(shebang)) return byName.get('python');
  if (/^(?:ba|z|da)?sh$/.test(shebang)) return byName.get('shell');
  if (/^(?:node|deno|bun|tsx|ts-node)$/.test(shebang)) return byName.get(shebang === 'tsx' || shebang === 'ts-node' ? 'typescript' : 'javascript');
  if (shebang === 'ruby') return byName.get('ruby');
  if (shebang === 'php') return byName.get('php');
  return undefined;
}

/** True when the file name alone (no extension needed) marks a source file. */
export function isCodeFileName(fileName: string): boolean {
  const lowerName = fileName.toLowerCase();
  return byFileName.has(lowerName) || byFileName.has(lowerName.split('.')[0] ?? '');
}
