import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CairnError } from '../core/cairn-error.js';
import type { Qrels } from './evaluate-run.js';

/**
 * A BEIR-format folder (https://github.com/beir-cellar/beir): `corpus.jsonl` (`_id`, `title`, `text`),
 * `queries.jsonl` (`_id`, `text`) and `qrels/<split>.tsv` (`query-id`, `corpus-id`, `score`, tab-separated,
 * with an optional header line). Ids are read as strings even when the file has them as numbers.
 */
export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirDataset {
  /** Folder name, used as the dataset label in reports (`scifact`). */
  name: string;
  dir: string;
  split: string;
  /** Streams the corpus from disk each time it is iterated (corpora can be large). */
  corpus(): AsyncIterable<BeirDocument>;
  /** Query id → text, only for queries judged in the split, in qrels order. */
  queries: Map<string, string>;
  qrels: Qrels;
  /** Judged query ids that `queries.jsonl` lacks (left out of `queries` and `qrels`). */
  missingQueryIds: string[];
}

export async function loadBeirDataset(dir: string, split = 'test'): Promise<BeirDataset> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new CairnError('SOURCE_NOT_FOUND', `BEIR dataset folder not found: ${root}`, {
      hint: 'Pass a folder holding corpus.jsonl, queries.jsonl and qrels/<split>.tsv.',
    });
  }
  const corpusPath = requireFile(root, 'corpus.jsonl');
  const queriesPath = requireFile(root, 'queries.jsonl');
  const qrelsPath = requireFile(root, join('qrels', `${split}.tsv`));

  const qrels = parseQrels(await readFile(qrelsPath, 'utf8'), qrelsPath);
  const allQueries = new Map<string, string>();
  for await (const { record } of readJsonLines(queriesPath)) {
    allQueries.set(record.id, record.text);
  }
  const queries = new Map<string, string>();
  const missingQueryIds: string[] = [];
  for (const queryId of [...qrels.keys()]) {
    const text = allQueries.get(queryId);
    if (text === undefined) {
      missingQueryIds.push(queryId);
      qrels.delete(queryId);
    } else {
      queries.set(queryId, text);
    }
  }
  if (queries.size === 0) {
    throw new CairnError('INPUT_INVALID', `No query of ${qrelsPath} is in ${queriesPath}.`, {
      hint: 'Check that the qrels split belongs to this dataset (query ids must match queries.jsonl).',
    });
  }
  return {
    name: basename(root),
    dir: root,
    split,
    queries,
    qrels,
    missingQueryIds,
    corpus: () => readCorpus(corpusPath),
  };
}

function requireFile(root: string, relative: string): string {
  const path = join(root, relative);
  if (!existsSync(path)) {
    throw new CairnError('SOURCE_NOT_FOUND', `BEIR dataset file missing: ${path}`, {
      hint: 'A BEIR folder holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv; check the folder and --split.',
    });
  }
  return path;
}

async function* readCorpus(path: string): AsyncGenerator<BeirDocument> {
  for await (const { record } of readJsonLines(path)) yield record;
}

async function* readJsonLines(path: string): AsyncGenerator<{ record: BeirDocument; line: number }> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw malformed(path, lineNumber, 'is not valid JSON', error);
    }
    if (typeof value !== 'object' || value === null) throw malformed(path, lineNumber, 'is not a JSON object');
    const fields = value as Record<string, unknown>;
    const id = fields._id;
    if (typeof id !== 'string' && typeof id !== 'number') throw malformed(path, lineNumber, 'has no string `_id`');
    const text = fields.text;
    if (typeof text !== 'string') throw malformed(path, lineNumber, 'has no string `text`');
    const title = typeof fields.title === 'string' ? fields.title : '';
    yield { record: { id: String(id), title, text }, line: lineNumber };
  }
}

/** Reads a BEIR `queries.jsonl` on its own (`_id`, `text`): query id → text, in file order. */
export async function readQueries(path: string): Promise<Map<string, string>> {
  if (!existsSync(path)) {
    throw new CairnError('SOURCE_NOT_FOUND', `queries file not found: ${path}`, { hint: 'Pass a queries.jsonl file: one {"_id": …, "text": …} per line.' });
  }
  const queries = new Map<string, string>();
  for await (const { record } of readJsonLines(path)) queries.set(record.id, record.text);
  return queries;
}

/** Reads a BEIR qrels TSV on its own (the fusion study takes one beside two run files). */
export async function readQrels(path: string): Promise<Qrels> {
  if (!existsSync(path)) {
    throw new CairnError('SOURCE_NOT_FOUND', `qrels file not found: ${path}`, { hint: 'Pass a qrels/<split>.tsv file.' });
  }
  return parseQrels(await readFile(path, 'utf8'), path);
}

function parseQrels(content: string, path: string): Qrels {
  const qrels: Qrels = new Map();
  const lines = content.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') continue;
    const columns = line.split('\t');
    if (index === 0 && columns[2] !== undefined && !/^-?\d+$/.test(columns[2].trim())) continue;
    const [queryId, docId, score] = columns.map((column) => column.trim());
    if (columns.length !== 3 || !queryId || !docId || score === undefined || !/^-?\d+$/.test(score)) {
      throw malformed(path, index + 1, 'is not `query-id<TAB>corpus-id<TAB>integer score`');
    }
    let judged = qrels.get(queryId);
    if (judged === undefined) {
      judged = new Map();
      qrels.set(queryId, judged);
    }
    judged.set(docId, Number(score));
  }
  if (qrels.size === 0) {
    throw new CairnError('INPUT_INVALID', `${path} has no judgments.`, { hint: 'Check the qrels file and --split.' });
  }
  return qrels;
}

function malformed(path: string, line: number, problem: string, cause?: unknown): CairnError {
  return new CairnError('INPUT_INVALID', `${path} line ${line} ${problem}.`, {
    hint: 'The BEIR format is one JSON object per line with `_id`, `title` and `text`; qrels are tab-separated.',
    ...(cause === undefined ? {} : { cause }),
  });
}
