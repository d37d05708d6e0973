import { describe, expect, it } from 'vitest';
import { parseApiKeys } from '../../service/app/auth.ts';

describe('parseApiKeys', () => {
  it('reads key:tenant pairs, and a bare key as an administrator', () => {
    const keys = parseApiKeys(' acme-key-1:acme , root-key-1:* , plugin-key-1 ');
    expect([...keys]).toEqual([
      ['acme-key-1', 'acme'],
      ['root-key-1', '*'],
      ['plugin-key-1', '*'],
    ]);
    expect(parseApiKeys(undefined).size).toBe(0);
  });

  it('names a bad entry by its position, never by its text', () => {
    expect(() => parseApiKeys('good-key-123:acme,short:acme,other-key-1:x')).toThrow('STRATA_API_KEYS: entry 2 of 3 must be key or key:tenant with a key of 8+ characters');
    // Two keys with the same first characters: the position tells them apart, and no key text is shown.
    const err = (() => {
      try {
        parseApiKeys('secret-aaaa:acme,secret-bbbb:Acme Corp');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toMatch(/^STRATA_API_KEYS: entry 2 of 2 has an invalid tenant/);
    expect(err).not.toMatch(/secret/);
    expect(() => parseApiKeys('dup-key-123:a,dup-key-123:b')).toThrow(/entry 2 of 2 repeats the key/);
  });

  it('accepts tenant names that can never own each other\'s indices, refuses "--" and a trailing "-"', () => {
    expect([...parseApiKeys('k-acme-123:acme,k-corp-123:acme-corp,k-und-1234:a_b')].map(([, t]) => t)).toEqual(['acme', 'acme-corp', 'a_b']);
    for (const bad of ['acme--corp', 'acme-', '-acme', 'Acme', 'a b']) expect(() => parseApiKeys(`some-key-123:${bad}`)).toThrow(/invalid tenant/);
  });
});
