import { isAechannelError } from '@aechannel/codec';
import { loadFixtures } from '@aechannel/transcript/fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildChannelUrl,
  parseChannelUrl,
  type ChannelOpenParams,
  type ChannelReconnectParams,
  type ChannelUrlParams,
} from './channelUrl.js';

const initiatorId = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const responderId = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W';
const channelId = 'ch_29rmbxczEmFWBx2JFjD2S8YkhPULNwdUFe6NoZuM3HSA1fEKPC';
const fsmId = 'ba_cQiEQGZ/G5WoXg5o0uLYscwXGrxa+WPteqFwxZ7xsmEctG4/';

const open: ChannelOpenParams = {
  role: 'initiator',
  initiatorId,
  responderId,
  initiatorAmount: 70000000000000n,
  responderAmount: 40000000000000n,
  pushAmount: 1n,
  channelReserve: 2n,
  lockPeriod: 10n,
  host: 'localhost',
  port: 13179,
  keepRunning: false,
};

const reconnect: ChannelReconnectParams = { role: 'responder', existingChannelId: channelId, existingFsmId: fsmId, port: 14035 };

function errorOf(fn: () => unknown): { code: string; context: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    if (isAechannelError(error)) return error as never;
    throw error;
  }
  throw new Error('expected an error');
}

describe('buildChannelUrl / parseChannelUrl against the recordings', () => {
  const urls = loadFixtures().flatMap((fixture) =>
    fixture.sections.flatMap((section) => (section.kind === 'connect' ? [{ name: fixture.name, url: section.url }] : [])),
  );

  it('finds every connect section (2 + 7 + 2)', () => {
    expect(urls.map(({ name }) => name)).toEqual([
      'abort_withdraw.md',
      'abort_withdraw.md',
      ...Array(7).fill('client_reconnect_responder.txt'),
      'opening_ping_pong.md',
      'opening_ping_pong.md',
    ]);
  });

  it.each(urls.map(({ name, url }, i) => [i, name, url] as const))('rebuilds URL %i of %s byte for byte', (_, __, url) => {
    const params = parseChannelUrl(url);
    expect(params.extraParams).toBeUndefined();
    const base = url.split('?')[0];
    expect(buildChannelUrl(base, params, { unchecked: true })).toBe(url);
  });

  it('parses the recorded open URL into typed values', () => {
    const url = urls[0]!.url;
    expect(parseChannelUrl(url)).toEqual({ ...open, protocol: 'json-rpc' });
    // The checked builder accepts it too, and gives the same string.
    expect(buildChannelUrl('ws://localhost:3014/channel', open)).toBe(url);
  });

  it('checks the recorded reconnect URLs: three deliberately bad, then the good one', () => {
    const reconnects = urls.filter(({ url }) => url.includes('existing_channel_id')).map(({ url }) => parseChannelUrl(url));
    expect(reconnects).toHaveLength(5);
    const verdicts = reconnects.map((params) => {
      try {
        buildChannelUrl(undefined, params as ChannelReconnectParams);
        return 'ok';
      } catch (error) {
        return `${(error as { context: { parameter: string } }).context.parameter}`;
      }
    });
    // missing fsm id (node error 2000), 'Invalid', a short ba_ (1016 twice), the old fsm id, the good one
    expect(verdicts).toEqual(['existingFsmId', 'existingFsmId', 'existingFsmId', 'ok', 'ok']);
    expect(reconnects[4]).toMatchObject({ existingFsmId: fsmId, role: 'responder', port: 14035 });
  });
});

describe('buildChannelUrl', () => {
  it('defaults the base and protocol, sorts keys, writes bigints exactly', () => {
    const url = buildChannelUrl(undefined, { ...open, initiatorAmount: 10n ** 30n, fee: 12345678901234567890n });
    expect(url.startsWith('ws://localhost:3014/channel?channel_reserve=2&fee=12345678901234567890&host=localhost')).toBe(true);
    expect(url).toContain('initiator_amount=1000000000000000000000000000000&');
    expect(url).toContain('protocol=json-rpc');
    const keys = new URL(url).search
      .slice(1)
      .split('&')
      .map((pair) => pair.split('=')[0]!);
    expect(keys).toEqual([...keys].sort());
  });

  it('writes every optional parameter in snake_case', () => {
    const everything: ChannelOpenParams = {
      ...open,
      ttl: 100n,
      fee: 20000n,
      gasPrice: 1000000000n,
      nonce: 7n,
      minimumDepth: 3,
      minimumDepthStrategy: 'plain',
      timeouts: { accept: 1, fundingCreate: 2, fundingSign: 3, fundingLock: 4, idle: 5, sign: 6, initialized: 7, awaitingOpen: 8 },
      bhDeltaNotNewerThan: 0,
      bhDeltaNotOlderThan: 10,
      bhDeltaPick: 1,
      report: { info: true, update: false, leave: true, conflict: false, message: true, error: true, onChainTx: false, minDepth: true, debug: true },
      msgForwarding: true,
      logKeep: 10,
      slogan: 'a b+c/d=e&f',
    };
    const url = buildChannelUrl('wss://node.example/channel', everything);
    const query = Object.fromEntries(url.split('?')[1]!.split('&').map((pair) => pair.split('=') as [string, string]));
    expect(query).toMatchObject({
      ttl: '100',
      fee: '20000',
      gas_price: '1000000000',
      nonce: '7',
      minimum_depth: '3',
      minimum_depth_strategy: 'plain',
      timeout_accept: '1',
      timeout_funding_create: '2',
      timeout_funding_sign: '3',
      timeout_funding_lock: '4',
      timeout_idle: '5',
      timeout_sign: '6',
      timeout_initialized: '7',
      timeout_awaiting_open: '8',
      bh_delta_not_newer_than: '0',
      bh_delta_not_older_than: '10',
      bh_delta_pick: '1',
      keep_running: 'false',
      report_info: 'true',
      report_update: 'false',
      report_leave: 'true',
      report_conflict: 'false',
      report_message: 'true',
      report_error: 'true',
      report_on_chain_tx: 'false',
      report_min_depth: 'true',
      report_debug: 'true',
      msg_forwarding: 'true',
      log_keep: '10',
      slogan: 'a%20b%2Bc%2Fd%3De%26f',
    });
    expect(parseChannelUrl(url)).toEqual({ ...everything, protocol: 'json-rpc' });
  });

  it('percent-encodes + / = like the recordings', () => {
    const url = buildChannelUrl(undefined, reconnect);
    expect(url).toContain('existing_fsm_id=ba_cQiEQGZ%2FG5WoXg5o0uLYscwXGrxa%2BWPteqFwxZ7xsmEctG4%2F');
  });

  it.each([
    'role',
    'initiatorId',
    'responderId',
    'initiatorAmount',
    'responderAmount',
    'pushAmount',
    'channelReserve',
    'lockPeriod',
    'port',
  ] as const)('requires %s to open, naming it', (name) => {
    const params: Record<string, unknown> = { ...open };
    delete params[name];
    const error = errorOf(() => buildChannelUrl(undefined, params as unknown as ChannelOpenParams));
    expect(error.code).toBe('TRANSPORT_INVALID_PARAMS');
    expect(error.context.parameter).toBe(name);
  });

  it('requires host for the initiator only', () => {
    const { host: _, ...withoutHost } = open;
    expect(errorOf(() => buildChannelUrl(undefined, withoutHost)).context.parameter).toBe('host');
    expect(buildChannelUrl(undefined, { ...withoutHost, role: 'responder' })).not.toContain('host=');
  });

  it('requires existingFsmId, role and port to reconnect, and host for an initiator', () => {
    for (const name of ['existingFsmId', 'role', 'port'] as const) {
      const params: Record<string, unknown> = { ...reconnect };
      delete params[name];
      expect(errorOf(() => buildChannelUrl(undefined, params as unknown as ChannelReconnectParams)).context.parameter).toBe(name);
    }
    expect(errorOf(() => buildChannelUrl(undefined, { ...reconnect, role: 'initiator' })).context.parameter).toBe('host');
    expect(buildChannelUrl(undefined, { ...reconnect, role: 'initiator', host: 'peer' })).toContain('host=peer');
  });

  it.each<[string, Partial<ChannelUrlParams> | Record<string, unknown>, string]>([
    ['a broken ak_ checksum', { responderId: 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7X' }, 'responderId'],
    ['a wrong prefix', { initiatorId: channelId }, 'initiatorId'],
    ['any for the initiator', { initiatorId: 'any' }, 'initiatorId'],
    ['an amount as number', { initiatorAmount: 5 }, 'initiatorAmount'],
    ['a negative reserve', { channelReserve: -1n }, 'channelReserve'],
    ['a port out of range', { port: 70000 }, 'port'],
    ['a fractional timeout', { timeouts: { idle: 1.5 } }, 'timeouts.idle'],
    ['an unknown timeout', { timeouts: { nap: 1 } }, 'timeouts.nap'],
    ['a non-boolean report flag', { report: { info: 'yes' } }, 'report.info'],
    ['a bad strategy', { minimumDepthStrategy: 'fast' }, 'minimumDepthStrategy'],
    ['another protocol', { protocol: 'legacy' }, 'protocol'],
    ['a bad role', { role: 'observer' }, 'role'],
    ['an existing channel id that is not ch_', { existingChannelId: 'ch_x', existingFsmId: fsmId }, 'existingChannelId'],
  ])('rejects %s', (_, change, parameter) => {
    const error = errorOf(() => buildChannelUrl(undefined, { ...open, ...change } as ChannelOpenParams));
    expect(error).toMatchObject({ code: 'TRANSPORT_INVALID_PARAMS', context: { parameter } });
  });

  it('accepts any as initiatorId for the responder', () => {
    expect(buildChannelUrl(undefined, { ...open, role: 'responder', initiatorId: 'any' })).toContain('initiator_id=any&');
  });

  it('rejects an existing fsm id that does not encode 32 bytes', () => {
    const error = errorOf(() => buildChannelUrl(undefined, { ...reconnect, existingFsmId: 'ba_0l8E77UMjdvRtTsx' }));
    expect(error.context).toMatchObject({ parameter: 'existingFsmId', key: 'existing_fsm_id' });
  });

  it('builds deliberately bad URLs only when unchecked', () => {
    const bad = { role: 'responder', existingChannelId: channelId, port: 14035 } as const;
    expect(() => buildChannelUrl(undefined, bad as unknown as ChannelReconnectParams)).toThrow();
    expect(buildChannelUrl(undefined, bad, { unchecked: true })).toBe(
      `ws://localhost:3014/channel?existing_channel_id=${channelId}&port=14035&protocol=json-rpc&role=responder`,
    );
  });

  it('writes and reads extra parameters, refusing ones that shadow typed parameters', () => {
    const url = buildChannelUrl(undefined, { ...open, extraParams: { reestablish: 'true', signed_tx: 'tx_a+b' } });
    expect(url).toContain('&reestablish=true&');
    expect(url).toContain('signed_tx=tx_a%2Bb');
    expect(parseChannelUrl(url).extraParams).toEqual({ reestablish: 'true', signed_tx: 'tx_a+b' });
    expect(errorOf(() => buildChannelUrl(undefined, { ...open, extraParams: { port: '1' } })).code).toBe('TRANSPORT_INVALID_PARAMS');
  });

  it('refuses text that is not valid Unicode, even unchecked', () => {
    expect(errorOf(() => buildChannelUrl(undefined, { slogan: 'a\uD800' }, { unchecked: true }))).toMatchObject({
      code: 'TRANSPORT_INVALID_PARAMS',
      context: { parameter: 'slogan' },
    });
  });

  it('refuses a base that already has a query', () => {
    expect(errorOf(() => buildChannelUrl('ws://x/channel?a=1', open)).code).toBe('TRANSPORT_INVALID_URL');
  });
});

describe('parseChannelUrl', () => {
  it.each([
    ['port=abc', 'port'],
    ['initiator_amount=1.5', 'initiatorAmount'],
    ['keep_running=yes', 'keepRunning'],
    ['role=observer', 'role'],
    ['minimum_depth_strategy=fast', 'minimumDepthStrategy'],
    ['port=1&port=2', 'port'],
    ['timeout_idle=99999999999999999999', 'timeouts.idle'],
  ])('rejects %s naming the parameter', (query, parameter) => {
    expect(errorOf(() => parseChannelUrl(`ws://x/channel?${query}`))).toMatchObject({
      code: 'TRANSPORT_INVALID_PARAMS',
      context: { parameter },
    });
  });

  it('rejects broken percent-encoding', () => {
    expect(errorOf(() => parseChannelUrl('ws://x/channel?slogan=%E0%A4%A')).code).toBe('TRANSPORT_INVALID_URL');
  });

  it('reads + as a space (form encoding), an empty query as no parameters, and ignores a fragment', () => {
    expect(parseChannelUrl('ws://x/channel?slogan=a+b#frag')).toEqual({ slogan: 'a b' });
    expect(parseChannelUrl('ws://x/channel')).toEqual({});
    expect(parseChannelUrl(new URL('ws://x/channel?port=1'))).toEqual({ port: 1 });
  });

  it('round-trips arbitrary parameters (property)', () => {
    const bigintArb = fc.bigInt({ min: 0n, max: 10n ** 40n });
    const intArb = fc.nat({ max: 2 ** 31 });
    const params = fc.record(
      {
        role: fc.constantFrom('initiator' as const, 'responder' as const),
        initiatorAmount: bigintArb,
        responderAmount: bigintArb,
        pushAmount: bigintArb,
        channelReserve: bigintArb,
        lockPeriod: bigintArb,
        host: fc.string({ minLength: 1 }),
        port: fc.integer({ min: 1, max: 65535 }),
        nonce: bigintArb,
        minimumDepth: intArb,
        timeouts: fc.record({ idle: intArb, awaitingOpen: intArb }, { requiredKeys: [] }),
        report: fc.record({ debug: fc.boolean(), onChainTx: fc.boolean() }, { requiredKeys: [] }),
        keepRunning: fc.boolean(),
        slogan: fc.string({ unit: 'binary' }).filter((s) => !/[\uD800-\uDFFF]/.test(s)),
        extraParams: fc.dictionary(fc.stringMatching(/^x_[a-z]{1,8}$/), fc.string()),
      },
      { requiredKeys: ['role'] },
    );
    fc.assert(
      fc.property(params, (p) => {
        const normal: ChannelUrlParams = { ...p, protocol: 'json-rpc' };
        if (normal.timeouts && Object.keys(normal.timeouts).length === 0) delete normal.timeouts;
        if (normal.report && Object.keys(normal.report).length === 0) delete normal.report;
        if (normal.extraParams && Object.keys(normal.extraParams).length === 0) delete normal.extraParams;
        const url = buildChannelUrl(undefined, normal, { unchecked: true });
        expect(parseChannelUrl(url)).toEqual(normal);
        expect(buildChannelUrl(undefined, parseChannelUrl(url), { unchecked: true })).toBe(url);
      }),
      { numRuns: 100 },
    );
  });
});
