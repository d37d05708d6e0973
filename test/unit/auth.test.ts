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

  it('refuses short keys and bad tenants without echoing the key', () => {
    expect(() => parseApiKeys('short:acme')).toThrow(/entry "shor\.\.\." must be key or key:tenant/);
    expect(() => parseApiKeys('long-enough-key:Acme Corp')).toThrow(/lower-case tenant/);
  });
});
