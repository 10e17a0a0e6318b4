import { MemoryAccount } from '@aeternity/aepp-sdk';
import { encode } from '@aechannel/codec';
import { callbackSigner, createSigner, keyPairFromSeed, memorySigner, webCryptoSigner } from '../src/index.js';
import { accountSigner } from '../src/index.js';
import { nodeCryptoSigner } from '../src/node.js';
import { sodiumSignerWith } from '../src/sodium.js';
import { sodiumNative } from './helpers.js';
import { createTestSigner } from '../src/testing.js';
import { describeSigner } from './describeSigner.js';

describeSigner('memorySigner (noble)', (seed) => memorySigner(seed));
describeSigner('nodeCryptoSigner', (seed) => nodeCryptoSigner(seed));
describeSigner('libsodium (sodium-native)', (seed) => sodiumSignerWith(sodiumNative, seed));
describeSigner('webCryptoSigner (non-extractable)', (seed) => webCryptoSigner(seed));
describeSigner('createSigner (default)', (seed) => createSigner(seed));
describeSigner('callbackSigner returning signatures', (seed) => {
  const key = memorySigner(seed);
  return callbackSigner(key.address, (request) => key.signBytes(request.message));
});
describeSigner('callbackSigner returning signed txs', (seed) => {
  const key = memorySigner(seed);
  return callbackSigner(key.address, (request) =>
    request.type === 'transaction' ? key.signTransaction(request.tx, { networkId: request.networkId }) : key.signBytes(request.message),
  );
});
describeSigner(
  'accountSigner(aepp-sdk MemoryAccount)',
  (seed) => accountSigner(new MemoryAccount(encode(keyPairFromSeed(seed).seed, 'sk'))),
  { hashMode: true },
);
describeSigner('createTestSigner(memorySigner)', (seed) => createTestSigner(memorySigner(seed)));
