/**
 * Near-duplicate clusters of a whole folder (default ../shared/data/docs-corpus) without ingesting it:
 * the same MinHash, LSH banding and clustering as ingest (core/minhash.ts) over each file's raw text
 * (ingest fingerprints the chunk texts, which differ by markup only), in memory.
 *
 *   node --import tsx bench/near-duplicate-clusters.ts [--threshold 0.8] [--source <dir>] [--boilerplate-df <n>]
 *
 * `--boilerplate-df n`: shingles found in n or more files are boilerplate and left out of the signatures
 * (a file made of nothing else keeps all its shingles), the document-frequency filter of decision 0038.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterFingerprints, estimatedJaccard, lshBandKeys, shingleHashes, signatureOfShingles, type Fingerprint } from '../src/core/minhash.js';
import { DOCS_CORPUS, listFiles, loadAverage, machineFacts, report, round } from './bench-support.js';

const { values } = parseArgs({ options: { source: { type: 'string', default: DOCS_CORPUS }, threshold: { type: 'string', default: '0.8' }, 'boilerplate-df': { type: 'string', default: '0' } } });
const boilerplateDf = Number(values['boilerplate-df']);
const facts = machineFacts();
const threshold = Number(values.threshold);
const paths = listFiles(values.source);
const started = process.cpuUsage();
const shingles = paths.map((path) => shingleHashes(readFileSync(join(values.source, path), 'utf8')));
const df = new Map<number, number>();
if (boilerplateDf > 0) for (const set of shingles) for (const hash of set) df.set(hash, (df.get(hash) ?? 0) + 1);
const fingerprints: (Fingerprint & { path: string })[] = [];
let boilerplateFiles = 0;
for (const [index, path] of paths.entries()) {
  const all = shingles[index]!;
  const kept = boilerplateDf > 0 ? all.filter((hash) => df.get(hash)! < boilerplateDf) : all;
  if (kept.length < all.length) boilerplateFiles++;
  const signature = signatureOfShingles(kept.length > 0 ? kept : all);
  if (signature !== undefined) fingerprints.push({ documentId: index, signature, path });
}
const minhashCpu = process.cpuUsage(started);
const buckets = new Map<number, number[]>();
for (const [at, fingerprint] of fingerprints.entries()) {
  for (const key of lshBandKeys(fingerprint.signature)) {
    const bucket = buckets.get(key) ?? [];
    bucket.push(at);
    buckets.set(key, bucket);
  }
}
// Union of verified candidate pairs, then the components (the ingest-time invariant).
const parent = fingerprints.map((_, i) => i);
const root = (i: number): number => {
  if (parent[i] === i) return i;
  const top = root(parent[i]!);
  parent[i] = top;
  return top;
};
for (const bucket of buckets.values()) {
  for (let i = 0; i < bucket.length; i++) {
    for (let j = i + 1; j < bucket.length; j++) {
      const a = bucket[i]!;
      const b = bucket[j]!;
      if (root(a) !== root(b) && estimatedJaccard(fingerprints[a]!.signature, fingerprints[b]!.signature) >= threshold) parent[Math.max(root(a), root(b))] = Math.min(root(a), root(b));
    }
  }
}
const groups = new Map<number, number[]>();
for (let i = 0; i < fingerprints.length; i++) {
  const members = groups.get(root(i)) ?? [];
  members.push(i);
  groups.set(root(i), members);
}
const clusters = [...groups.values()].filter((members) => members.length > 1).sort((a, b) => b.length - a.length);
// Sanity: re-split each cluster as the store would after a removal (must give the same components).
const split = clusters.filter((members) => new Set(clusterFingerprints(members.map((i) => fingerprints[i]!), threshold).values()).size > 1).length;
const documents = clusters.reduce((sum, members) => sum + members.length, 0);
report('near-duplicate-clusters', {
  ...facts, loadAverageAfter: loadAverage(), files: paths.length, threshold, boilerplateDf, filesWithBoilerplate: boilerplateFiles, distinctShingles: df.size, clusters: clusters.length, documentsInClusters: documents,
  minhashCpuMs: round((minhashCpu.user + minhashCpu.system) / 1000), largest: clusters.slice(0, 12).map((members) => members.map((i) => fingerprints[i]!.path)), resplit: split,
}, [
  `${paths.length} files, threshold ${threshold}: ${clusters.length} clusters holding ${documents} documents (MinHash ${round((minhashCpu.user + minhashCpu.system) / 1000)} ms CPU)`,
  ...clusters.slice(0, 12).map((members) => `  ${members.length}: ${members.slice(0, 4).map((i) => fingerprints[i]!.path).join(', ')}`),
]);
