import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataDiskUsage, registerDataDiskGauges } from './data-disk-usage.js';
import { PrometheusTelemetry } from './prometheus-telemetry.js';

test('the data directory filesystem: its size as df reports it, free bytes at most that', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-disk-'));
  try {
    const usage = await dataDiskUsage(dir);
    assert.ok(usage.sizeBytes > 0 && usage.freeBytes >= 0 && usage.freeBytes <= usage.sizeBytes, JSON.stringify(usage));
    // df's 1K-blocks of the same filesystem, rounded down by df itself.
    const [, line] = execFileSync('df', ['-k', '-P', dir], { encoding: 'utf8' }).trim().split('\n');
    const sizeKiB = Number(line!.split(/\s+/)[1]);
    assert.ok(Math.abs(usage.sizeBytes / 1024 - sizeKiB) <= 1, `statfs ${usage.sizeBytes / 1024} KiB, df ${sizeKiB} KiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the disk gauges are exported at each scrape; a vanished directory exports NaN, not 0 and not a failed scrape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-disk-'));
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  registerDataDiskGauges(telemetry, dir);
  const text = (await telemetry.exposition()).text;
  const free = Number(/^cairn_data_disk_free_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)?.[1]);
  const size = Number(/^cairn_data_disk_size_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text)?.[1]);
  assert.ok(size > 0 && free >= 0 && free <= size, text);
  rmSync(dir, { recursive: true, force: true });
  const after = (await telemetry.exposition()).text;
  // prom-client writes "Nan"; Prometheus parses NaN in any case (strconv.ParseFloat).
  assert.match(after, /^cairn_data_disk_free_bytes nan$/im);
  assert.match(after, /^cairn_data_disk_size_bytes nan$/im);
});
