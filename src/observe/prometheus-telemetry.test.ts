import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrometheusTelemetry } from './prometheus-telemetry.js';

test('gauges are read at each scrape; labels that vanished are dropped; without a reader a gauge is 0', async () => {
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  let collections = [{ labels: { collection: 'a' }, value: 3 }, { labels: { collection: 'b' }, value: 5 }];
  telemetry.gauge('index.chunks', async () => collections);
  let queued = 2;
  telemetry.gauge('jobs.queueDepth', () => queued);
  const first = (await telemetry.exposition()).text;
  assert.match(first, /^cairn_index_chunks\{collection="a"\} 3$/m);
  assert.match(first, /^cairn_index_chunks\{collection="b"\} 5$/m);
  assert.match(first, /^cairn_jobs_queue_depth 2$/m);
  assert.match(first, /^cairn_jobs_running 0$/m);
  collections = [{ labels: { collection: 'b' }, value: 6 }];
  queued = 0;
  const second = (await telemetry.exposition()).text;
  assert.doesNotMatch(second, /collection="a"/);
  assert.match(second, /^cairn_index_chunks\{collection="b"\} 6$/m);
  assert.match(second, /^cairn_jobs_queue_depth 0$/m);
});

test('a reader answering [] exports no sample, also for a gauge without labels', async () => {
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  let newest: { labels: Record<string, string>; value: number }[] = [];
  telemetry.gauge('backup.lastSizeBytes', () => newest);
  assert.doesNotMatch((await telemetry.exposition()).text, /^cairn_backup_last_size_bytes /m);
  newest = [{ labels: {}, value: 1234 }];
  assert.match((await telemetry.exposition()).text, /^cairn_backup_last_size_bytes 1234$/m);
  newest = [];
  assert.doesNotMatch((await telemetry.exposition()).text, /^cairn_backup_last_size_bytes /m);
});

test('durations are exported in seconds, rates as given; counters add up by label', async () => {
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  telemetry.observe('search.lexicalMs', 250);
  telemetry.observe('answer.tokensPerSecond', 42);
  telemetry.observe('http.requestMs', 12, { method: 'GET', route: '/v1/search', status_code: '200' });
  telemetry.observe('search.totalMs', Number.NaN);
  telemetry.count('ingest.errors', 1, { code: 'PARSE_EMPTY' });
  telemetry.count('ingest.errors', 2, { code: 'PARSE_EMPTY' });
  telemetry.count('ingest.chunks', 0);
  const { contentType, text } = await telemetry.exposition();
  assert.match(contentType, /^text\/plain/);
  assert.match(text, /^cairn_search_stage_duration_seconds_sum\{stage="lexical"\} 0\.25$/m);
  assert.doesNotMatch(text, /stage="total"/, 'NaN is not recorded');
  assert.match(text, /^cairn_answer_tokens_per_second_sum 42$/m);
  assert.match(text, /^cairn_http_request_duration_seconds_count\{method="GET",route="\/v1\/search",status_code="200"\} 1$/m);
  assert.match(text, /^cairn_ingest_errors_total\{code="PARSE_EMPTY"\} 3$/m);
  assert.match(text, /^cairn_ingest_chunks_total 0$/m);
});

test('finished jobs are counted by status, every status exported at 0 before the first one finishes', async () => {
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  const before = (await telemetry.exposition()).text;
  for (const status of ['succeeded', 'failed', 'cancelled']) assert.match(before, new RegExp(`^cairn_jobs_finished_total\\{status="${status}"\\} 0$`, 'm'));
  telemetry.count('jobs.finished', 1, { status: 'failed' });
  telemetry.count('jobs.finished', 1, { status: 'failed' });
  const after = (await telemetry.exposition()).text;
  assert.match(after, /^cairn_jobs_finished_total\{status="failed"\} 2$/m);
  assert.match(after, /^cairn_jobs_finished_total\{status="succeeded"\} 0$/m);
});
