import { readFile } from 'node:fs/promises';
import { readQrels } from './beir-dataset.js';
import { formatFusionStudy, runFusionStudy } from './fusion-study.js';
import { parseTrecRun } from './trec-run.js';

/**
 * Usage: node --import tsx src/eval/fusion-study-cli.ts <lexical.run> <dense.run> <qrels.tsv> [--json]
 * Runs are TREC run files of the two arms (top candidates per query); prints one row per method and weight.
 */
const [lexicalPath, densePath, qrelsPath] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (lexicalPath === undefined || densePath === undefined || qrelsPath === undefined) {
  process.stderr.write('usage: fusion-study-cli.ts <lexical.run> <dense.run> <qrels.tsv> [--json]\n');
  process.exit(2);
}
const rows = runFusionStudy({
  lexical: parseTrecRun(await readFile(lexicalPath, 'utf8'), lexicalPath),
  dense: parseTrecRun(await readFile(densePath, 'utf8'), densePath),
  qrels: await readQrels(qrelsPath),
});
process.stdout.write(process.argv.includes('--json') ? `${JSON.stringify(rows)}\n` : `${formatFusionStudy(rows)}\n`);
