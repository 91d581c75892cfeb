import Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';
const db = new Database('/tmp/ch2/cairn.db', { readonly: true });
const rows = db.prepare("SELECT id, vector FROM chunks WHERE vector IS NOT NULL ORDER BY id").all();
const dim = rows[0].vector.length / 4;
const vecs = rows.map(r => new Float32Array(r.vector.buffer, r.vector.byteOffset, dim));
const n = vecs.length;
console.log('n', n, 'dim', dim);
// queries: 200 random chunk vectors perturbed? use held-out: vectors of random chunks (self excluded)
const qs = []; let seed = 7; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let i = 0; i < 200; i++) { const v = vecs[Math.floor(rnd() * n)]; const q = new Float32Array(dim); for (let j = 0; j < dim; j++) q[j] = v[j] + (rnd() - 0.5) * 0.05; let s = 0; for (const x of q) s += x*x; s = Math.sqrt(s); for (let j=0;j<dim;j++) q[j]/=s; qs.push(q); }
const truth = qs.map(q => { const sc = new Float32Array(n); for (let i = 0; i < n; i++) { let s = 0; const v = vecs[i]; for (let j = 0; j < dim; j++) s += q[j]*v[j]; sc[i] = s; } return [...sc.keys()].sort((a,b)=>sc[b]-sc[a]).slice(0,10); });
const [M, efC, center] = process.argv.slice(2).map(Number);
let mean = new Float32Array(dim); if (center) { for (const v of vecs) for (let j=0;j<dim;j++) mean[j]+=v[j]/n; }
const idx = new hnswlib.HierarchicalNSW(center ? 'ip' : 'cosine', dim); idx.initIndex(n, M, efC, 100);
let t = performance.now();
for (let i = 0; i < n; i++) { const v = vecs[i]; idx.addPoint(center ? Array.from(v, (x, j) => x - mean[j]) : Array.from(v), i); }
console.log(`M${M} efC${efC} center${center} build ${((performance.now()-t)/1000).toFixed(1)} s`);
for (const ef of [80, 200, 400, 800]) {
  idx.setEf(ef); let hit = 0; const lat = [];
  for (let qi = 0; qi < qs.length; qi++) { const q = Array.from(qs[qi]); const t0 = performance.now(); const r = idx.searchKnn(q, 10); lat.push(performance.now()-t0); const s = new Set(truth[qi]); for (const x of r.neighbors) if (s.has(x)) hit++; }
  lat.sort((a,b)=>a-b); console.log(`  ef ${ef} recall ${(hit/qs.length/10).toFixed(4)} p50 ${lat[100].toFixed(3)} ms`);
}
