/** Every change of a public entry's export names shows up in review (and needs a changeset). */
import { expect, it } from 'vitest';
import * as main from '@aechannel/signer';
import * as node from '@aechannel/signer/node';
import * as testing from '@aechannel/signer/testing';

it('@aechannel/signer exports', () => {
  expect(Object.keys(main).sort()).toMatchInlineSnapshot(`
    [
      "accountSigner",
      "addressToPublicKey",
      "assertIsNetworkId",
      "callbackSigner",
      "createSigner",
      "createSignerRefusedError",
      "createTransactionVerifier",
      "gaAuthIdOf",
      "gaSigner",
      "generateKeyPair",
      "getEd25519Verify",
      "isCheckedSigner",
      "isGaSigner",
      "isNetworkId",
      "isWebCryptoEd25519Supported",
      "keyPairFromSeed",
      "memorySigner",
      "publicKeyFromSeed",
      "publicKeyToAddress",
      "verifySignature",
      "verifyTransaction",
      "webCryptoSigner",
    ]
  `);
});

it('@aechannel/signer/node exports', () => {
  expect(Object.keys(node).sort()).toMatchInlineSnapshot(`
    [
      "nodeCryptoSigner",
      "verifySignatureSync",
      "verifyTransactionSync",
    ]
  `);
});

it('@aechannel/signer/testing exports', () => {
  expect(Object.keys(testing).sort()).toMatchInlineSnapshot(`
    [
      "createTestSigner",
    ]
  `);
});
