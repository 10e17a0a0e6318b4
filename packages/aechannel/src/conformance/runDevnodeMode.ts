/**
 * Devnode mode with its own devnode: starts an embedded devnode configured like the node
 * that made the recording (the §11 variant detected from it; the protocol its create tx
 * shows: v1 as on the recorded networks, v2 Ceres as the devnode's default), checks the recording against it in-process, and stops it.
 *
 * Time is under the check's control: a manual clock, blocks mined only on request, and a
 * simulated latency of one clock tick on FSM-to-FSM messages. When the devnode is idle
 * and a recorded message is still due, messages "on the wire" are delivered first (the
 * clock moves one tick), and only then is a block mined. So two requests the recording's
 * clients sent back to back both reach their FSMs before the peer messages they cause,
 * and chain events come when the recording says the chain got there. Before each new
 * request (time passed in the recording) the messages on the wire land.
 */
import { decodeSignedTx, Tag, unpackTx, type Encoded } from '@aechannel/codec';
import { createManualClock, startDevnode, type Devnode } from '@aechannel/devnode';
import type { Section } from '@aechannel/transcript';
import type { RecordingAnalysis } from './analyzeRecording.js';
import { checkDevnodeMode, type ModeResult } from './checkDevnodeMode.js';
import { urlParams } from './compareMessages.js';

/** Options of {@link runDevnodeMode}. */
export interface RunDevnodeModeOptions {
  analysis: RecordingAnalysis;
  /** The recording's network id (the devnode keeps its own for signatures). */
  networkId: string | undefined;
  /** How long to wait for each recorded node message, in ms. */
  waitMs?: number;
  /** The recording this one continues: the devnode opens the channel with its parameters first. */
  previous?: readonly Section[] | undefined;
}

/**
 * Checks one recording against a fresh embedded devnode.
 * @param sections - the recording
 * @param options - its analysis (node variant), network id and wait limit
 * @returns pass, or the first difference
 * @example
 * const result = await runDevnodeMode(fixture.sections, { analysis: analyzeRecording(fixture.sections), networkId: fixture.networkId });
 */
export async function runDevnodeMode(sections: readonly Section[], options: RunDevnodeModeOptions): Promise<ModeResult> {
  let devnode: Devnode | undefined;
  try {
    const clock = createManualClock(1_000_000);
    const latencyMs = 1;
    devnode = await startDevnode({ listen: false, compat: options.analysis.variant, protocol: protocolOf([...(options.previous ?? []), ...sections]), blocks: 'manual', clock, latencyMs });
    const node = devnode;
    const [initiator, responder] = node.accounts;
    if (initiator === undefined || responder === undefined) throw new Error('the devnode has fewer than two accounts');
    return await checkDevnodeMode(
      sections,
      {
        url: 'ws://devnode.invalid/channel',
        networkId: node.networkId,
        accounts: { initiator, responder },
        connect: (url) => node.connect(url),
        idle: () => node.idle(),
        advance: async () => {
          if (node.inFlight() > 0) clock.advance(latencyMs);
          else node.chain.mine(1);
          await node.idle();
        },
        passTime: async (ms) => {
          clock.advance(ms);
          await node.idle();
        },
        post: (signedTx) => node.chain.post(signedTx),
        nextNonce: (address) => (node.chain.getAccount(address)?.nonce ?? 0n) + 1n,
        settle: async () => {
          for (let tick = 0; tick < 1000 && node.inFlight() > 0; tick += 1) {
            clock.advance(latencyMs);
            await node.idle();
          }
        },
      },
      { networkId: options.networkId, analysis: options.analysis, ...preludeOf(options.previous), ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }) },
    );
  } finally {
    await devnode?.stop();
  }
}

/**
 * The protocol of the recording's node, told by its channel create tx (PROTOCOL.md §2.5):
 * version 2 (two delegate lists) is Ceres, whose contract rules (FATE_03, its gas) the
 * devnode then runs; version 1, or none seen, is the Iris node of the recorded networks.
 */
function protocolOf(sections: readonly Section[]): 'ceres' | 'iris' {
  for (const section of sections) {
    if (section.kind !== 'receive' || typeof section.message !== 'object' || section.message === null || Array.isArray(section.message)) continue;
    const { method, params } = section.message as { method?: unknown; params?: { data?: { signed_tx?: unknown; tx?: unknown } } };
    if (method !== 'channels.sign.initiator_sign' && method !== 'channels.sign.responder_sign') continue;
    const tx = params?.data?.signed_tx ?? params?.data?.tx;
    if (typeof tx !== 'string') continue;
    try {
      const inner = unpackTx(decodeSignedTx(tx as Encoded<'tx'>).innerBytes);
      if (inner.tag === Tag.ChannelCreateTx) return inner.version === 2 ? 'ceres' : 'iris';
    } catch {
      // not a tx this code reads: look further
    }
  }
  return 'iris';
}

/** Open parameters taken from the recording continued (its initiator's opening URL, §6.2). */
function preludeOf(previous: readonly Section[] | undefined): { prelude?: Record<string, string> } {
  const url = previous?.find((section): section is Extract<Section, { kind: 'connect' }> => section.kind === 'connect' && section.role === 'initiator')?.url;
  if (url === undefined) return {};
  const params = urlParams(url);
  const prelude: Record<string, string> = {};
  for (const key of ['initiator_amount', 'responder_amount', 'push_amount', 'channel_reserve', 'lock_period', 'ttl', 'fee', 'gas_price']) {
    const value = params[key];
    if (value !== undefined) prelude[key] = value;
  }
  return { prelude };
}
