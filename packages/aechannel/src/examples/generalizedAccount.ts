/**
 * A generalized account for the examples and tests (PROTOCOL.md §2.9): the `ga_attach` tx
 * that makes an account generalized with an auth contract, and the signer of such an
 * account for the auth scheme of `examples/contracts/ga_auth.aes`.
 *
 * That contract's auth function is `authorize(n : int, s : signature) : bool`: it accepts
 * the owner's Ed25519 signature over `tx hash ++ n` (n as 32 bytes big-endian) when `n` is
 * at least its stored nonce, and stores `n + 1`. So the signer keeps a counter that only
 * grows: an authorization on chain uses its nonce up, and the channel's off-chain
 * authorizations (checked against the store as it was when the channel was created) keep
 * passing with any larger one.
 */
import { buildSignedTx, decode, fixFee, hash, serializeObject, Tag, type Encoded, type TxOf } from '@aechannel/codec';
import { encodeCallData, type Aci } from '@aechannel/fate';
import { gaSigner, memorySigner, type GaSigner, type GaSignerOptions } from '@aechannel/signer';
import { assertAci, contractName } from '../contractAci.js';

/** An auth contract as a scenario fixture holds it (`contracts/<name>.json`). */
export interface GaAuthContract {
  /** `cb_` code, as `aesophia_cli` prints it. */
  code: Encoded<'cb'>;
  /** Its JSON ACI. */
  aci: readonly unknown[];
}

/** The name of the auth function of the test contract. */
export const GA_AUTH_FUNCTION = 'authorize';

/** Parameters of {@link gaAttachTx}. */
export interface GaAttachTxParameters {
  /** The account to make generalized (it signs the attach tx while still basic). */
  owner: Encoded<'ak'>;
  /** Its next nonce. */
  nonce: bigint;
  contract: GaAuthContract;
  /** Gas of `init` (default 50 000) and its price (default 1e9). */
  gas?: bigint;
  gasPrice?: bigint;
  /** `(vm << 16) | abi` (default FATE_03: 0x80003). */
  ctVersion?: bigint;
}

/**
 * The `ga_attach` tx (tag 80) of the test auth contract, `init(owner)`, the fee by the
 * node's rule (§5.3), unsigned.
 * @param p - owner, nonce, contract fixture, gas
 * @returns the unsigned `tx_` for the owner to sign
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` (`contract.aci`) when the ACI holds no contract
 * @example const tx = await memorySigner(secretKey).signTransaction(gaAttachTx({ owner, nonce, contract }), { networkId });
 */
export function gaAttachTx(p: GaAttachTxParameters): Encoded<'tx'> {
  const aci = p.contract.aci as unknown as Aci;
  const tx = fixFee({
    tag: Tag.GaAttachTx, version: 1, ownerId: p.owner, nonce: p.nonce, code: decode(p.contract.code, 'cb'), authFun: hash(new TextEncoder().encode(GA_AUTH_FUNCTION)),
    ctVersion: p.ctVersion ?? 0x80003n, fee: 0n, ttl: 0n, gas: p.gas ?? 50_000n, gasPrice: p.gasPrice ?? 1_000_000_000n,
    callData: encodeCallData(aci, contractName(assertAci(p.contract.aci, 'contract.aci')), 'init', [p.owner]),
  } as TxOf<typeof Tag.GaAttachTx>);
  return buildSignedTx(serializeObject(tx), []);
}

/** Options of {@link gaAuthSigner}. */
export interface GaAuthSignerOptions extends Omit<GaSignerOptions, 'address' | 'authData'> {
  /** The generalized account. */
  address: Encoded<'ak'>;
  /** The owner key its auth contract checks (`sk_…` or bytes): here the account's own key. */
  secretKey: Parameters<typeof memorySigner>[0];
  /** The auth contract's ACI (to encode `authorize`). */
  aci: readonly unknown[];
  /** The first nonce to use (default 1); each authorization uses the next. */
  firstNonce?: bigint;
}

/**
 * A signer for a generalized account of the test auth contract (module doc).
 * @param options - the account, the owner key, the contract's ACI, and `gaSigner` options
 * @returns a `GaSigner`
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` (`aci`) when the ACI holds no contract
 * @example const signer = gaAuthSigner({ address, secretKey, aci: fixture.aci });
 */
export function gaAuthSigner(options: GaAuthSignerOptions): GaSigner {
  const { address, secretKey, aci, firstNonce = 1n, ...rest } = options;
  const owner = memorySigner(secretKey);
  const name = contractName(assertAci(aci, 'aci'));
  let nonce = firstNonce - 1n;
  return gaSigner({
    ...rest,
    address,
    authData: async ({ txHash, signal }) => {
      nonce += 1n;
      const message = new Uint8Array(64);
      message.set(txHash);
      for (let i = 0, x = nonce; i < 32; i += 1, x >>= 8n) message[63 - i] = Number(x & 0xffn);
      const signature = await owner.signBytes(message, signal === undefined ? {} : { signal });
      return encodeCallData(aci as unknown as Aci, name, GA_AUTH_FUNCTION, [nonce, signature]);
    },
  });
}
