import assert from 'node:assert/strict';
import { test } from 'node:test';
import { condenseQuestionPrompt, groundedPrompt, GROUNDED_SYSTEM_PROMPT } from './grounded-prompt.js';

test('the system message states the grounding rules', () => {
  assert.match(GROUNDED_SYSTEM_PROMPT, /only the numbered sources/);
  assert.match(GROUNDED_SYSTEM_PROMPT, /\[n\]/);
  assert.match(GROUNDED_SYSTEM_PROMPT, /do not contain the answer/);
  assert.match(GROUNDED_SYSTEM_PROMPT, /Never invent sources/);
  assert.match(GROUNDED_SYSTEM_PROMPT, /language of the question/);
});

test('the user message carries the numbered sources, then the question', () => {
  const messages = groundedPrompt({ question: 'How do I rotate keys?', sourcesText: '[1] Keys — file:///k.md\nRun cairn keys rotate.' });
  assert.deepEqual(messages.map((m) => m.role), ['system', 'user']);
  const user = messages[1]?.content ?? '';
  assert.ok(user.indexOf('[1] Keys — file:///k.md') < user.indexOf('Question: How do I rotate keys?'));
});

test('with no sources the model is told so instead of getting an empty block', () => {
  const user = groundedPrompt({ question: 'q?', sourcesText: '' })[1]?.content ?? '';
  assert.match(user, /no sources were found/);
});

test('chat history goes between the system message and the new question, oldest first', () => {
  const messages = groundedPrompt({
    question: 'And for staging?',
    sourcesText: '[1] s — u\nt',
    history: [{ question: 'Q1', answer: 'A1 [1]' }, { question: 'Q2', answer: 'A2' }],
  });
  assert.deepEqual(messages.map((m) => [m.role, m.content.slice(0, 6)]), [
    ['system', GROUNDED_SYSTEM_PROMPT.slice(0, 6)], ['user', 'Q1'], ['assistant', 'A1 [1]'], ['user', 'Q2'], ['assistant', 'A2'], ['user', 'Source'],
  ]);
});

test('the condense prompt includes the conversation and asks for the question only', () => {
  const messages = condenseQuestionPrompt('and the default?', [{ question: 'Which port does Ollama use?', answer: 'It uses 11434 [1].' }]);
  assert.equal(messages.length, 2);
  assert.match(messages[0]?.content ?? '', /standalone question/);
  assert.match(messages[1]?.content ?? '', /User: Which port does Ollama use\?\nAssistant: It uses 11434 \[1\]\./);
  assert.match(messages[1]?.content ?? '', /Last user message: and the default\?/);
});
