/**
 * Object tags of PROTOCOL.md §2.3.
 *
 * Every serialized chain object starts with `int(tag), int(version)` (§2.2). The numbers
 * below are the node's; multi-byte tags such as 521 are ordinary minimal big-endian ints.
 */

/**
 * Numeric tag of each object kind we encode or name (§2.3).
 * @example Tag.ChannelCreateTx // 50
 */
export const Tag = {
  Account: 10,
  SignedTx: 11,
  SpendTx: 12,
  Contract: 40,
  ContractCall: 41,
  ChannelCreateTx: 50,
  ChannelSetDelegatesTx: 501,
  ChannelDepositTx: 51,
  ChannelWithdrawTx: 52,
  ChannelForceProgressTx: 521,
  ChannelCloseMutualTx: 53,
  ChannelCloseSoloTx: 54,
  ChannelSlashTx: 55,
  ChannelSettleTx: 56,
  ChannelOffChainTx: 57,
  ChannelOffChainUpdateTransfer: 570,
  ChannelOffChainUpdateDeposit: 571,
  ChannelOffChainUpdateWithdraw: 572,
  ChannelOffChainUpdateCreateContract: 573,
  ChannelOffChainUpdateCallContract: 574,
  ChannelClientReconnectTx: 575,
  ChannelOffChainUpdateMeta: 576,
  Channel: 58,
  ChannelSnapshotSoloTx: 59,
  Poi: 60,
  StateTrees: 62,
  Mtree: 63,
  MtreeValue: 64,
  ContractsMtree: 621,
  CallsMtree: 622,
  ChannelsMtree: 623,
  NameserviceMtree: 624,
  OraclesMtree: 625,
  AccountsMtree: 626,
  GaAttachTx: 80,
  GaMetaTx: 81,
  GaMetaTxAuthData: 810,
  PayingForTx: 82,
} as const;

/** One of the numbers of {@link Tag}. */
export type Tag = (typeof Tag)[keyof typeof Tag];
