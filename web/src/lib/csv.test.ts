import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('writes a header from the keys and one CRLF-ended line per row', () => {
    assert.equal(toCsv([{ concurrency: 1, p50Ms: 2.5 }, { concurrency: 2, p50Ms: 3 }]), 'concurrency,p50Ms\r\n1,2.5\r\n2,3\r\n');
  });

  it('quotes commas, quotes and line breaks, doubling inner quotes', () => {
    assert.equal(toCsv([{ a: 'x,y', b: 'say "hi"', c: 'two\nlines' }]), 'a,b,c\r\n"x,y","say ""hi""","two\nlines"\r\n');
  });

  it('keeps the given column order, leaves missing and null fields empty, and serialises objects', () => {
    assert.equal(toCsv([{ b: 1, a: null, c: { k: 1 } }], ['a', 'b', 'c', 'd']), 'a,b,c,d\r\n,1,"{""k"":1}",\r\n');
  });

  it('defuses text that a spreadsheet would run as a formula, but not negative numbers', () => {
    assert.equal(toCsv([{ a: '=SUM(A1)', b: -3, c: '@x' }]), "a,b,c\r\n'=SUM(A1),-3,'@x\r\n");
  });

  it('writes only the header for no rows', () => {
    assert.equal(toCsv([], ['x', 'y']), 'x,y\r\n');
  });
});
