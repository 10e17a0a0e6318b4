import { describe, expect, it } from 'vitest';
import { contractFixtureNames, fixtureNames, loadFixture } from './fixtures.js';

describe('contract fixtures', () => {
  it('load by name, apart from the other fixtures, with their network id', () => {
    expect(contractFixtureNames).toEqual(['contracts_group_open.md', 'contracts_basic.md']);
    for (const name of contractFixtureNames) {
      expect(fixtureNames).not.toContain(name);
      const fixture = loadFixture(name);
      expect(fixture.networkId).toBe('local_iris_testnet');
      expect(fixture.sections.length).toBeGreaterThan(10);
    }
    const basic = loadFixture('contracts_basic.md');
    const methods = new Set(basic.sections.flatMap((s) => (s.kind === 'send' ? [String((s.message as { method?: unknown }).method)] : [])));
    expect(methods).toContain('channels.update.new_contract');
    expect(methods).toContain('channels.update.call_contract');
  });
});
