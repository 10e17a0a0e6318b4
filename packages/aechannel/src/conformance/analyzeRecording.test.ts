import { stringifyJson } from '@aechannel/codec';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { analyzeRecording } from './analyzeRecording.js';

describe('analyzeRecording: the accounts of a recording', () => {
  it('takes the participants from transfers and their signing requests when nothing else names them', () => {
    // conflict_two_updates_and_user_abort.md starts mid-channel; without its balance queries
    // only the transfers (update.new, sign.update) name the two accounts.
    const { sections } = loadFixture('conflict_two_updates_and_user_abort.md');
    const full = analyzeRecording(sections).accounts;
    expect(full.initiator).toMatch(/^ak_/);
    expect(full.responder).toMatch(/^ak_/);
    const isQuery = (text: string): boolean => text.includes('balances') || text.includes('"result":[');
    const withoutQueries = sections.filter((s) => !('message' in s) || !isQuery(stringifyJson(s.message)));
    expect(withoutQueries.length).toBeLessThan(sections.length);
    expect(analyzeRecording(withoutQueries).accounts).toEqual(full);
  });

  it('takes them from contract updates (owner of a new contract, caller of a call)', () => {
    const { sections } = loadFixture('contracts_basic.md');
    const { accounts, candidates } = analyzeRecording(sections);
    expect(accounts.initiator).toMatch(/^ak_/);
    expect(accounts.responder).toMatch(/^ak_/);
    expect(accounts.initiator).not.toBe(accounts.responder);
    expect(candidates).toEqual(expect.arrayContaining([accounts.initiator, accounts.responder]));
    // They are the accounts the opening file of the same channel names.
    const open = analyzeRecording(loadFixture('contracts_group_open.md').sections).accounts;
    expect(accounts).toEqual(open);
  });
});
