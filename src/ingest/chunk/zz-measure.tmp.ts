import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { loadTokenizer } from '../../models/tokenize/load-tokenizer.js';
import { markdownParser } from '../parse/markdown-parser.js';
import { chunkDocument, embeddingInput } from './chunk-document.js';
import type { ParsedDocument } from '../../core/parsed-document.js';
const tokenizer = await loadTokenizer('/work/shared/models/Xenova/all-MiniLM-L6-v2');
function walk(d: string, out: string[]) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p, out); else out.push(p); } return out; }
const step = Number(process.argv[2] ?? 1);
const files = walk('/work/shared/data/docs-corpus', []).sort().filter((_, i) => i % step === 0);
const docs: ParsedDocument[] = []; let bytes = 0;
const tp = performance.now();
for (const f of files) { const b = readFileSync(f); bytes += b.length; try { docs.push(await markdownParser.parse({ bytes: b, fileName: basename(f), extension: f.endsWith('mdx') ? 'mdx' : 'md', relativePath: f })); } catch {} }
console.log('parse s', ((performance.now() - tp) / 1000).toFixed(1), 'files', files.length, 'MB', (bytes / 1e6).toFixed(1));
const opts = { tokenizer, chunkSize: 256, chunkOverlap: 38, maxTokens: 512 };
const t0 = performance.now(); const c0 = process.cpuUsage(); let n = 0; const all = [];
for (const d of docs) { const cs = chunkDocument(d, opts); n += cs.length; all.push(cs); }
const dt = (performance.now() - t0) / 1000; const cu = process.cpuUsage(c0); const cpu = (cu.user + cu.system) / 1e6;
console.log('cpu s', cpu.toFixed(2), 'chunks/cpu-s', Math.round(n / cpu), 'MB/cpu-s', (bytes / 1e6 / cpu).toFixed(2));
console.log('chunks', n, 'sec', dt.toFixed(2), 'chunks/s', Math.round(n / dt), 'MB/s', (bytes / 1e6 / dt).toFixed(2));
// stats
let viol = 0, tokSum = 0; const hist = [0,0,0,0,0];
all.forEach((cs, di) => cs.forEach((c, i) => { tokSum += c.tokenCount; hist[Math.min(4, Math.floor(c.tokenCount / 64))]!++; if (c.ordinal !== i || c.tokenCount > 256 || tokenizer.count(c.text) !== c.tokenCount || tokenizer.count(embeddingInput(docs[di]!.title, c)) > 512) { viol++; if (viol < 4) console.log('VIOL', c.tokenCount, tokenizer.count(c.text)); } }));
console.log('violations', viol, 'mean tokens', (tokSum / n).toFixed(1), 'hist by 64', hist);
