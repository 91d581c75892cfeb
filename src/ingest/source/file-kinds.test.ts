import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extensionOf, looksBinary } from './file-kinds.js';

describe('looksBinary', () => {
  it('accepts text: ASCII, UTF-8, byte-order marks, BOM-less UTF-16, empty', () => {
    assert.equal(looksBinary(Buffer.from('hello\tworld\r\n')), false);
    assert.equal(looksBinary(Buffer.from('Grüße, 日本語のテキスト\n')), false);
    assert.equal(looksBinary(Buffer.from('\ufeffwith bom', 'utf8')), false);
    assert.equal(looksBinary(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('utf-16 le', 'utf16le')])), false);
    assert.equal(looksBinary(Buffer.from('no bom here, little endian', 'utf16le')), false);
    assert.equal(looksBinary(Buffer.from('no bom here, little endian', 'utf16le').swap16()), false);
    assert.equal(looksBinary(new Uint8Array(0)), false);
  });

  it('rejects NUL-bearing and control-heavy content', () => {
    assert.equal(looksBinary(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0])), true);
    assert.equal(looksBinary(Buffer.from('text then one NUL\0 and more text')), true);
    const noisy = Buffer.from('ab\x01\x02\x03\x04cd\x05\x06\x07\x08');
    assert.equal(looksBinary(noisy), true);
  });
});

describe('extensionOf', () => {
  it('lower-cases and ignores leading dots', () => {
    assert.equal(extensionOf('README.MD'), 'md');
    assert.equal(extensionOf('archive.tar.gz'), 'gz');
    assert.equal(extensionOf('.gitignore'), '');
    assert.equal(extensionOf('Makefile'), '');
    assert.equal(extensionOf('trailing.'), '');
  });
});
