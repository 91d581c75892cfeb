import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer } from './load-tokenizer.js';
const dir = '/work/shared/models/Xenova/all-MiniLM-L6-v2';
const fast = await loadTokenizer(dir);
const ref = await loadTokenizer(dir, { forceReference: true });
console.log(fast.constructor.name, ref.constructor.name);
function walk(d: string, out: string[]) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p, out); else out.push(p); } return out; }
const files = walk('/work/shared/data/docs-corpus', []).sort();
const sample = files.filter((_, i) => i % 5 === 0);
let text = ''; for (const f of sample) text += readFileSync(f, 'utf8') + '\n';
console.log('sample MB', (text.length / 1e6).toFixed(1), 'files', sample.length);
// exactness per file
let mism = 0;
for (const f of sample.slice(0, 800)) { const t = readFileSync(f, 'utf8'); const a = fast.encode(t), b = ref.encode(t); if (a.length !== b.length || a.some((x, i) => x !== b[i])) { mism++; if (mism < 5) { let i = 0; while (a[i] === b[i]) i++; console.log('MISMATCH', f, i, a.slice(i, i + 5), b.slice(i, i + 5)); } } }
console.log('mismatches', mism);
for (const [name, tk] of [['fast-cold', fast], ['fast-warm', fast], ['ref', ref]] as const) {
  const t0 = performance.now(); let n = 0;
  const lim = name === 'ref' ? text.slice(0, 4_000_000) : text;
  n = tk.encode(lim).length;
  const dt = (performance.now() - t0) / 1000; console.log(name, 'encode', n, 'tokens', (n / dt / 1e6).toFixed(2), 'M tok/s', (lim.length / dt / 1e6).toFixed(1), 'MB/s');
}
const t0 = performance.now(); const c = fast.count(text); const dt = (performance.now() - t0) / 1000; console.log('fast count', c, (c / dt / 1e6).toFixed(2), 'M tok/s');
