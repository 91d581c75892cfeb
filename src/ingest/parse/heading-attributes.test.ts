import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitHeadingAttributes } from './heading-attributes.js';

test('attribute lists of MkDocs, Pandoc, kramdown, Writerside and the React docs are split off, the id kept as the anchor', () => {
  assert.deepEqual(splitHeadingAttributes('Dependencies { #dependencies }'), { text: 'Dependencies', anchor: 'dependencies' });
  assert.deepEqual(splitHeadingAttributes('Dependencies {#dependencies}'), { text: 'Dependencies', anchor: 'dependencies' });
  assert.deepEqual(splitHeadingAttributes('Install {: #install .wide }'), { text: 'Install', anchor: 'install' });
  assert.deepEqual(splitHeadingAttributes('Notes {.unnumbered}'), { text: 'Notes' });
  assert.deepEqual(splitHeadingAttributes('Overriding blocks { #overriding-blocks data-toc-label="Overriding blocks" }'), { text: 'Overriding blocks', anchor: 'overriding-blocks' });
  assert.deepEqual(splitHeadingAttributes('Changes to `*.html` files { data-search-exclude }'), { text: 'Changes to `*.html` files' });
  assert.deepEqual(splitHeadingAttributes('Step 1 { id="4.1.2" }'), { text: 'Step 1', anchor: '4.1.2' });
  assert.deepEqual(splitHeadingAttributes('Collapsible {initial-collapse-state="collapsed" collapsible="true"}'), { text: 'Collapsible' });
  assert.deepEqual(splitHeadingAttributes('Adding styles {/*adding-styles*/}'), { text: 'Adding styles', anchor: 'adding-styles' });
});

test('braces that are not an attribute list stay in the heading', () => {
  for (const heading of ['-target {es5|es2015}', '-Xcompiler-plugin-order={plugin.before>plugin.after}', "{'surname': 'Smith', 'name': 'John'}", 'Use {name}', 'Sets {}', 'Plain heading']) {
    assert.deepEqual(splitHeadingAttributes(heading), { text: heading }, heading);
  }
});
