/**
 * What a network hop between a worker and PostgreSQL costs, against loopback, in the same run: two
 * throwaway clusters, one on loopback and one in a network namespace reached over a veth pair and a
 * bridge (test/e2e/network-hosts.ts, as in the multi-host scale-out test), measured in alternating
 * rounds so that the machine's load hits both alike: the round trip of `SELECT 1`, and one transaction
 * inserting 64 rows of a 384-dimension vector with text (about one ingest write batch).
 *
 *   node --import tsx bench/veth-latency.ts [delayMs]    # as root; delayMs: tc netem one-way delay per link
 */
import pg from 'pg';
import { startPrivatePostgres } from '../src/testing/postgres-server.js';
import { createNetworkHosts, networkHostsUnavailable } from '../test/e2e/network-hosts.js';

const ROUNDS = 5;
const PINGS = 50;
const BATCHES = 10;
const delayMs = Number(process.argv[2] ?? 0);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(url: string): Promise<{ selectMs: number; batchMs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS t (id bigserial PRIMARY KEY, body text, embedding vector(384))');
    const pings: number[] = [];
    for (let i = 0; i < PINGS; i += 1) {
      const start = performance.now();
      await client.query('SELECT 1');
      pings.push(performance.now() - start);
    }
    const vector = `[${Array.from({ length: 384 }, (_, i) => (Math.sin(i) / 10).toFixed(5)).join(',')}]`;
    const body = 'Operations text. '.repeat(60);
    const batches: number[] = [];
    for (let b = 0; b < BATCHES; b += 1) {
      const start = performance.now();
      await client.query('BEGIN');
      for (let i = 0; i < 64; i += 1) await client.query('INSERT INTO t (body, embedding) VALUES ($1, $2::vector)', [body, vector]);
      await client.query('COMMIT');
      batches.push(performance.now() - start);
    }
    return { selectMs: median(pings), batchMs: median(batches) };
  } finally {
    await client.end();
  }
}

const unavailable = networkHostsUnavailable();
if (unavailable) throw new Error(unavailable);
const hosts = createNetworkHosts(['db'], { delayMs });
const loopback = await startPrivatePostgres();
const bridged = await startPrivatePostgres({ wrap: hosts.exec('db'), listen: hosts.address('db'), allowCidr: hosts.cidr, password: 'bench' });
if (!loopback || !bridged) throw new Error('PostgreSQL with pgvector is not installed');
try {
  const urls = { loopback: await loopback.createDatabase('veth_bench'), bridge: await bridged.createDatabase('veth_bench') };
  const results: Record<'loopback' | 'bridge', { selectMs: number; batchMs: number }[]> = { loopback: [], bridge: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const where of round % 2 === 0 ? (['loopback', 'bridge'] as const) : (['bridge', 'loopback'] as const)) results[where].push(await measure(urls[where]));
  }
  console.log(`veth-latency (${new Date().toISOString()}, ${delayMs} ms netem delay per link), medians of ${ROUNDS} rounds:`);
  for (const where of ['loopback', 'bridge'] as const) {
    const select = median(results[where].map((r) => r.selectMs));
    const batch = median(results[where].map((r) => r.batchMs));
    console.log(`  ${where.padEnd(8)}: SELECT 1 ${select.toFixed(3)} ms; 64-row insert transaction ${batch.toFixed(1)} ms (${(batch / 64).toFixed(3)} ms per row)`);
  }
} finally {
  await loopback.dispose();
  await bridged.dispose();
  hosts.dispose();
}
