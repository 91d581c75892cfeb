import { randomDocument, seededRandom, assertChunkInvariants } from './chunk-invariants.js';
import { chunkDocument } from './chunk-document.js';
import { estimateTokenCounter } from '../../models/tokenize/estimate-token-counter.js';
const charCounter = { id: 'test:chars', exact: true, count: (text: string) => Math.ceil(text.length / 3) };
const wordCounter = { id: 'w', exact: true, additive: true, count: (text: string) => text.split(/\s+/).filter((w) => w.length > 0).length };
const next = seededRandom(7);
const R = Number(process.argv[2]);
for (let round = 0; round <= R; round++) {
  const document = randomDocument(next);
  const tokenizer = round % 3 === 0 ? charCounter : round % 3 === 1 ? estimateTokenCounter : wordCounter;
  const chunkSize = 16 + Math.floor(next() * 200);
  const o = { tokenizer, chunkSize, chunkOverlap: Math.floor(next() * chunkSize * 0.3), maxTokens: chunkSize + 20 + Math.floor(next() * 300) };
  const chunks = chunkDocument(document, o);
  if (round === R) { console.log(JSON.stringify(o)); for (const b of document.blocks) console.log(b.kind, (b as any).line, JSON.stringify(b.text.slice(0, 60)), b.text.split('\n').length);
  for (const c of chunks.slice(Number(process.argv[3]), Number(process.argv[4]))) console.log('---', c.ordinal, c.tokenCount, c.lineStart, c.lineEnd, JSON.stringify(c.text.slice(0, 300)));
  try { assertChunkInvariants(document, chunks, o, 'r'); } catch (e) { console.log(String(e)); } }
}
