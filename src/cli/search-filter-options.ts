import type { Command } from 'commander';
import { collect } from './cli-context.js';

/** The filter flags of every command that retrieves (`search`, `ask`, `chat`); values as commander parsed them. */
export interface SearchFilterFlags {
  path?: string;
  glob?: string;
  lang?: string[];
  type?: string[];
  tag?: string[];
  after?: string;
  before?: string;
}

export function addSearchFilterOptions(command: Command): Command {
  return command
    .option('--path <prefix>', 'only documents whose path starts with this prefix')
    .option('--glob <pattern>', 'only documents whose path matches this glob (e.g. "src/**/*.ts")')
    .option('--lang <language>', 'only code in this language (repeatable)', collect)
    .option('--type <type>', 'only this file type or format: pdf, markdown, md, code… (repeatable)', collect)
    .option('--tag <tag>', 'only documents with this tag (repeatable; all must match)', collect)
    .option('--after <date>', 'only documents modified on or after this date')
    .option('--before <date>', 'only documents modified on or before this date');
}

/** The filter for the use-case input (validated there by `searchFilterSchema`); undefined when no flag is set. */
export function searchFilterFromFlags(flags: SearchFilterFlags): Record<string, string | string[]> | undefined {
  const filter = {
    pathPrefix: flags.path,
    pathGlob: flags.glob,
    language: flags.lang,
    fileType: flags.type,
    tags: flags.tag,
    modifiedAfter: flags.after,
    modifiedBefore: flags.before,
  };
  const set = Object.entries(filter).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined);
  return set.length > 0 ? Object.fromEntries(set) : undefined;
}
