/**
 * Runs every benchmark one after another, each in its own process (so peak RSS is per benchmark),
 * and collects their BENCH_RESULT lines. `npm run bench` runs this.
 *
 *   node --import tsx bench/run-all.ts [--limit-files N] [--onnx-limit-files 150] [--out results.json]
 *
 * Order: static-model ingest of the docs corpus (kept in a temporary CAIRN_HOME) with its unchanged
 * re-ingest; search latency on that collection; MiniLM-shaped ingest against the bare ONNX session.
 * The full corpus takes many minutes on 2 cores; --limit-files N runs everything on a subset.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { removeDirectory, temporaryDirectory } from './bench-support.js';

const { values } = parseArgs({
  options: {
    'limit-files': { type: 'string' },
    'onnx-limit-files': { type: 'string', default: '150' },
    out: { type: 'string' },
  },
});

const here = fileURLToPath(new URL('.', import.meta.url));
const work = temporaryDirectory('cairn-bench-all-');
const home = join(work, 'home');
const limit = values['limit-files'] === undefined ? [] : ['--limit-files', values['limit-files']];
const results: unknown[] = [];

try {
  await run('ingest-throughput.ts', ['--home', home, '--collection', 'bench', ...limit]);
  await run('search-latency.ts', ['--home', home, '--collection', 'bench']);
  await run('onnx-baseline.ts', ['--limit-files', values['onnx-limit-files']]);
} finally {
  removeDirectory(work);
}
if (values.out) writeFileSync(values.out, `${JSON.stringify(results, null, 2)}\n`);

/** Runs one benchmark script with the same Node and loader; its stdout is echoed and its result kept. */
function run(script: string, args: string[]): Promise<void> {
  process.stderr.write(`\n== ${script} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString('utf8');
      process.stdout.write(data);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      for (const line of output.split('\n')) if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice('BENCH_RESULT '.length)));
      if (code === 0) resolve();
      else reject(new Error(`${script} exited with code ${code}`));
    });
  });
}
