import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlToBlocks } from '../../parse/html-to-blocks.js';
import { extractPage } from './extract-page.js';

const sphinx = `<!doctype html><html><head><title>Installing — Project 2.0 documentation</title><base href="/en/latest/">
<link rel="canonical" href="https://project.example/en/stable/install.html"><meta name="robots" content="index, follow"></head>
<body><div class="wy-nav-side"><a href="index.html">Home</a><a href="api.html">API</a> NAVSIDE</div>
<section class="wy-nav-content-wrap"><div class="rst-content"><div role="navigation" aria-label="breadcrumbs">BREADCRUMB</div>
<div class="document" itemprop="articleBody"><section id="install"><h1>Installing<a class="headerlink" href="#install">¶</a></h1>
<p>Run <code>pip install project</code>.</p></section></div>
<footer><div class="rst-footer-buttons">Previous Next</div><p>FOOTERTEXT Built with Sphinx.</p></footer></div></section></body></html>`;

const material = `<html><head><title>Setup - Tool</title></head><body><header class="md-header">HEADERBAR</header>
<div class="md-sidebar md-sidebar--primary"><nav class="md-nav"><a href="../other/">Other</a> NAVPRIMARY</nav></div>
<div class="md-content"><article class="md-content__inner md-typeset"><a class="md-content__button" href="edit">EDITBUTTON</a>
<h1 id="setup">Setup</h1><p>Set the token in the config file.</p><h2 id="more">More</h2><p>Details follow.</p></article></div>
<footer class="md-footer">FOOTERMD</footer></body></html>`;

describe('extractPage', () => {
  it('keeps the article of a Sphinx / Read the Docs page and drops its chrome', () => {
    const page = extractPage(sphinx, 'https://project.example/en/latest/install.html');
    assert.equal(page.title, 'Installing — Project 2.0 documentation');
    assert.equal(page.canonical, 'https://project.example/en/stable/install.html');
    assert.deepEqual(page.links, ['https://project.example/en/latest/index.html', 'https://project.example/en/latest/api.html', 'https://project.example/en/latest/#install'], 'links resolve against <base>, as in a browser');
    assert.equal(page.noindex, false);
    const { blocks } = htmlToBlocks(page.html);
    const text = blocks.map((block) => block.text).join('\n');
    assert.deepEqual(blocks[0], { kind: 'heading', level: 1, text: 'Installing' }, 'the ¶ anchor is gone');
    assert.match(text, /pip install project/);
    for (const chrome of ['NAVSIDE', 'BREADCRUMB', 'FOOTERTEXT', 'Previous Next']) assert.doesNotMatch(text, new RegExp(chrome));
  });

  it('keeps the article of an MkDocs Material page', () => {
    const page = extractPage(material, 'https://tool.example/setup/');
    const text = htmlToBlocks(page.html).blocks.map((block) => block.text).join('\n');
    assert.match(text, /Set the token/);
    assert.match(text, /Details follow/);
    for (const chrome of ['HEADERBAR', 'NAVPRIMARY', 'EDITBUTTON', 'FOOTERMD']) assert.doesNotMatch(text, new RegExp(chrome));
    assert.deepEqual(page.links, ['https://tool.example/other/', 'https://tool.example/setup/edit']);
  });

  it('reads robots meta directives and falls back to the body and a given title', () => {
    const page = extractPage('<html><head><meta name="ROBOTS" content="NOINDEX,nofollow"></head><body><p>Plain body text.</p></body></html>', 'https://d.example/x', 'x');
    assert.equal(page.noindex, true);
    assert.equal(page.nofollow, true);
    assert.equal(page.title, 'x');
    assert.match(page.html, /Plain body text/);
    assert.equal(extractPage('<meta name="robots" content="none"><p>t</p>', 'https://d.example/').noindex, true);
  });
});
