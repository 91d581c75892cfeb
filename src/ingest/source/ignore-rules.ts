import ignore, { type Ignore } from 'ignore';

/** The ignore files read in every directory of a walk; later files override earlier ones. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.cairnignore'] as const;

interface RuleLevel {
  /** Directory the rules belong to, relative to the walk root with `/` separators ('' = root). */
  base: string;
  rules: Ignore;
}

/**
 * The `.gitignore`/`.cairnignore` rules in force in one directory: one level per ancestor that has
 * an ignore file, outermost first. Semantics follow gitignore(5): a pattern is matched against the
 * path relative to the directory of the file that holds it, and the deepest level that says
 * anything about a path (ignored, or re-included with `!`) decides. A path under an ignored
 * directory is never seen, because the walk does not enter that directory, so (as in git) a
 * negation cannot re-include a file whose parent directory is excluded.
 *
 * Immutable: `withLevel` returns a new chain, so sibling directories never see each other's rules.
 */
export class IgnoreRules {
  private constructor(
    private readonly levels: readonly RuleLevel[],
    private readonly ignoreCase: boolean,
  ) {}

  /** `ignoreCase` mirrors git's `core.ignorecase`: false on Linux, true on macOS and Windows. */
  static empty(ignoreCase: boolean): IgnoreRules {
    return new IgnoreRules([], ignoreCase);
  }

  get isEmpty(): boolean {
    return this.levels.length === 0;
  }

  /** A chain with the rules of `base` (the texts of its ignore files, in override order) added. */
  withLevel(base: string, texts: readonly string[]): IgnoreRules {
    const rules = ignore({ ignorecase: this.ignoreCase });
    for (const text of texts) rules.add(text);
    return new IgnoreRules([...this.levels, { base, rules }], this.ignoreCase);
  }

  /** Whether the entry at `relativePath` (from the walk root) is ignored. */
  ignores(relativePath: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const level of this.levels) {
      const local = level.base === '' ? relativePath : relativePath.slice(level.base.length + 1);
      if (local === '') continue;
      const result = level.rules.test(isDirectory ? `${local}/` : local);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }
}
