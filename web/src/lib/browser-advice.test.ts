import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserAdvice, speaksOfCommands } from './browser-advice.js';

describe('browserAdvice', () => {
  it('answers the codes a person meets in the browser with what to do there', () => {
    const forbidden = browserAdvice({ code: 'FORBIDDEN', hint: 'Use a key created with `cairn keys create --scope write`.' });
    assert.match(forbidden ?? '', /Settings → API keys/);
    assert.doesNotMatch(forbidden ?? '', /cairn keys/);
    assert.match(browserAdvice({ code: 'COLLECTION_NOT_FOUND', hint: 'List collections with `cairn collections`.' }) ?? '', /Collection box/);
    assert.equal(browserAdvice({ code: 'RATE_LIMITED', retryAfterSeconds: 2.2 }), 'Wait 3 s, then try again.');
  });

  it('keeps other hints unless they speak of commands, routes, variables or flags', () => {
    assert.equal(browserAdvice({ code: 'ORIGINAL_UNAVAILABLE', hint: 'Re-ingest the document, then download it again.' }), 'Re-ingest the document, then download it again.');
    assert.equal(browserAdvice({ code: 'CHAT_SESSION_NOT_FOUND', hint: 'List sessions with GET /v1/chat/sessions.' }), 'Choose another chat from the list, or start a new chat.');
    assert.equal(browserAdvice({ code: 'INPUT_INVALID', hint: 'Pass the nextCursor of the previous page, see `cairn docs list`.' }), undefined);
    assert.equal(browserAdvice({ code: 'UPSTREAM_FAILED' }), undefined);
  });

  it('recognises command-line and API advice', () => {
    for (const hint of ['Run `cairn reembed --collection kb`.', 'curl -H ...', 'Call GET /v1/collections.', 'Set CAIRN_LLM_URL.', 'Retry with --force.']) assert.ok(speaksOfCommands(hint), hint);
    for (const hint of ['Try again later.', 'Upload the file again.', 'Pick another name.']) assert.ok(!speaksOfCommands(hint), hint);
  });
});
