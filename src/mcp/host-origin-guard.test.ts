import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertHostAndOrigin, hostOriginPolicy } from './host-origin-guard.js';

const forbidden = { code: 'FORBIDDEN' };

describe('assertHostAndOrigin', () => {
  const local = hostOriginPolicy('127.0.0.1', [], []);

  it('accepts loopback names on any port and requests without an Origin', () => {
    for (const host of ['localhost:7700', '127.0.0.1:7700', '[::1]:7700', 'LOCALHOST', '127.0.0.1']) assertHostAndOrigin(local, host, undefined);
  });

  it('refuses a rebinding name, a missing Host and a malformed one', () => {
    assert.throws(() => assertHostAndOrigin(local, 'attacker.example:7700', undefined), forbidden);
    assert.throws(() => assertHostAndOrigin(local, undefined, undefined), forbidden);
    assert.throws(() => assertHostAndOrigin(local, 'localhost:port', undefined), forbidden);
  });

  it('accepts origins of allowed hosts and listed origins, refuses others and opaque ones', () => {
    assertHostAndOrigin(local, 'localhost:7700', 'http://localhost:7700');
    assert.throws(() => assertHostAndOrigin(local, 'localhost:7700', 'https://attacker.example'), forbidden);
    assert.throws(() => assertHostAndOrigin(local, 'localhost:7700', 'null'), forbidden);
    const withOrigin = hostOriginPolicy('127.0.0.1', [], ['https://app.example/']);
    assertHostAndOrigin(withOrigin, 'localhost:7700', 'https://APP.example');
  });

  it('adds the bound host and configured names; a wildcard bind adds nothing by itself', () => {
    assertHostAndOrigin(hostOriginPolicy('10.0.0.5', [], []), '10.0.0.5:7700', undefined);
    const wildcard = hostOriginPolicy('0.0.0.0', ['cairn.internal', 'kb.example:443'], []);
    assert.throws(() => assertHostAndOrigin(wildcard, '0.0.0.0:7700', undefined), forbidden);
    assertHostAndOrigin(wildcard, 'cairn.internal:7700', undefined);
    assertHostAndOrigin(wildcard, 'kb.example:443', undefined);
    assert.throws(() => assertHostAndOrigin(wildcard, 'kb.example:8443', undefined), forbidden);
  });
});
