import type { HistoryEntry } from '@aechannel/fsm';
import { describe, expect, it } from 'vitest';
import { openSignRoundOf } from './openSignRound.js';

let time = 0n;
const rpt = (tag: string, info: HistoryEntry['info'] = ''): HistoryEntry => ({ type: 'rpt', tag, time: ++time, info });
const req = (tag: string): HistoryEntry => ({ type: 'req', tag, time: ++time, info: '' });
const fsmUp = rpt('channels.info', 'fsm_up');

describe('openSignRoundOf', () => {
  it('finds a sign request reported before the reconnect and never answered', () => {
    expect(openSignRoundOf([rpt('channels.info', 'update'), rpt('channels.sign.update_ack'), fsmUp, req('channels.get.offchain_state')])).toBe('update_ack');
    expect(openSignRoundOf([rpt('channels.info', 'withdraw_created'), rpt('channels.sign.withdraw_ack'), fsmUp])).toBe('withdraw_ack');
    // the short form: tag `sign`, the sign tag in info
    expect(openSignRoundOf([rpt('sign', 'deposit_ack'), rpt('info', { event: 'fsm_up' })])).toBe('deposit_ack');
  });

  it('a round that was answered or ended is not open', () => {
    expect(openSignRoundOf([rpt('channels.sign.update_ack'), req('channels.update_ack'), fsmUp])).toBeNull();
    expect(openSignRoundOf([rpt('channels.sign.update'), rpt('channels.conflict'), fsmUp])).toBeNull();
    expect(openSignRoundOf([rpt('channels.sign.update_ack'), rpt('channels.update'), fsmUp])).toBeNull();
    expect(openSignRoundOf([rpt('channels.sign.withdraw_ack'), rpt('channels.info', 'aborted_update'), fsmUp])).toBeNull();
    expect(openSignRoundOf([rpt('channels.info', 'fsm_up'), req('channels.update.new'), fsmUp])).toBeNull();
  });

  it('a sign request after the reconnect reached the client: not stale', () => {
    expect(openSignRoundOf([fsmUp, rpt('channels.sign.update_ack')])).toBeNull();
    // the latest fsm_up is the reconnect; an older one (the first connection) does not matter
    expect(openSignRoundOf([fsmUp, rpt('channels.sign.update_ack'), fsmUp])).toBe('update_ack');
  });

  it('ignores what it does not know (unknown sign tags, peer messages, an empty log)', () => {
    expect(openSignRoundOf([rpt('channels.sign.dance'), fsmUp])).toBeNull();
    expect(openSignRoundOf([rpt('channels.sign.update_ack'), { type: 'rcv', tag: 'update', time: 1n, info: '' }, fsmUp])).toBe('update_ack');
    expect(openSignRoundOf([])).toBeNull();
  });
});
