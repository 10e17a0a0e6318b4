/**
 * Names of transaction types as the node writes them in `channels.on_chain_tx` (§8.3).
 */
import { AechannelError } from './errors.js';
import { Tag } from './tag.js';

const names: Readonly<Record<number, string>> = {
  [Tag.SignedTx]: 'signed_tx',
  [Tag.SpendTx]: 'spend_tx',
  [Tag.ChannelCreateTx]: 'channel_create_tx',
  [Tag.ChannelDepositTx]: 'channel_deposit_tx',
  [Tag.ChannelWithdrawTx]: 'channel_withdraw_tx',
  [Tag.ChannelCloseMutualTx]: 'channel_close_mutual_tx',
  [Tag.ChannelCloseSoloTx]: 'channel_close_solo_tx',
  [Tag.ChannelSlashTx]: 'channel_slash_tx',
  [Tag.ChannelSettleTx]: 'channel_settle_tx',
  [Tag.ChannelSnapshotSoloTx]: 'channel_snapshot_solo_tx',
  [Tag.ChannelForceProgressTx]: 'channel_force_progress_tx',
  [Tag.ChannelSetDelegatesTx]: 'channel_set_delegates_tx',
  [Tag.ChannelOffChainTx]: 'channel_offchain_tx',
  [Tag.ChannelClientReconnectTx]: 'channel_client_reconnect_tx',
  [Tag.GaAttachTx]: 'ga_attach_tx',
  [Tag.GaMetaTx]: 'ga_meta_tx',
  [Tag.PayingForTx]: 'paying_for_tx',
};

/**
 * The node's type name of a transaction tag (the `type` of `channels.on_chain_tx`, §8.3).
 * @param tag - a transaction tag, e.g. `Tag.ChannelCreateTx`
 * @returns e.g. `'channel_create_tx'`
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` for a tag that is not a transaction
 * @example txTypeName(Tag.ChannelOffChainTx) // 'channel_offchain_tx'
 */
export function txTypeName(tag: number): string {
  const name = names[tag];
  if (name === undefined) {
    throw new AechannelError('CODEC_UNSUPPORTED_OBJECT', `Tag ${tag} is not a transaction type.`, { context: { tag, version: undefined } });
  }
  return name;
}
