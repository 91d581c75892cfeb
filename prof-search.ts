import { loadConfig } from '/work/main/src/config/load-config.js';
import { openCairn } from '/work/main/src/app/open-cairn.js';
import { search } from '/work/main/src/app/search.js';
const config = loadConfig({ env: { CAIRN_HOME: '/tmp/ch2', CAIRN_OFFLINE: '1' } });
const app = await openCairn(config);
const qs = ['how do I write a custom eslint rule', 'prometheus metrics go service', 'react useEffect cleanup', 'helm chart values override', 'rust borrow checker lifetimes', 'configure tls ingress traefik'];
const mode = (process.argv[2] ?? 'lexical') as 'lexical';
await search(app, { collection: 'docs', query: 'warm up', mode });
const t0 = performance.now(); const n = 300;
const acc: Record<string, number> = {};
for (let i = 0; i < n; i++) { const r = await search(app, { collection: 'docs', query: qs[i % qs.length]!, mode }); for (const [k, v] of Object.entries(r.timings)) acc[k] = (acc[k] ?? 0) + (v as number); }
console.log(mode, ((performance.now() - t0) / n).toFixed(3), 'ms/query', Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, (v / n).toFixed(3)])));
await app.close();
