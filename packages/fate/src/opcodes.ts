/**
 * The FATE opcode table as data (aebytecode 3.4.0 `aeb_fate_generate_ops`, CONTRACTS.md
 * §4.3): byte, mnemonic, operand kinds, end-of-basic-block, allowed off-chain, allowed in
 * GA authentication, base gas (Iris+) and Lima base gas, first FATE version (1 = FATE_01)
 * and the version notes (`onlyV1`: aborts from FATE_02 on; `noVmCheck`: documented as
 * FATE_02 but the node does not check). `opcodes.test.ts` checks every row against the
 * reference table.
 */

/** Operand kinds: `a` any mode, `is` immediate string, `ii` immediate integer, `li` immediate list of integers. */
export type OperandKind = 'a' | 'is' | 'ii' | 'li';

/** One opcode. */
export interface OpInfo {
  readonly op: number;
  readonly name: string;
  readonly args: readonly OperandKind[];
  readonly endBB: boolean;
  readonly offChain: boolean;
  readonly inAuth: boolean;
  readonly gas: number;
  readonly limaGas: number;
  /** First FATE version (1, 2, 3); 0 for the debug ops. */
  readonly vm: number;
  readonly onlyV1?: true;
  readonly noVmCheck?: true;
}

type Row = readonly [op: number, name: string, args: string, flags: string, gas: number, limaGas: number, vm: string];

// flags: E = end BB, O = allowed off-chain, A = allowed in auth
const ROWS: readonly Row[] = [
  [0x00, 'RETURN', '', 'EOA', 10, 10, '01'],
  [0x01, 'RETURNR', 'a', 'EOA', 10, 10, '01'],
  [0x02, 'CALL', 'a', 'EOA', 10, 10, '01'],
  [0x03, 'CALL_R', 'a is a a a', 'EO', 100, 100, '01'],
  [0x04, 'CALL_T', 'a', 'EOA', 10, 10, '01'],
  [0x05, 'CALL_GR', 'a is a a a a', 'EO', 100, 100, '01'],
  [0x06, 'JUMP', 'ii', 'EOA', 10, 10, '01'],
  [0x07, 'JUMPIF', 'a ii', 'EOA', 10, 10, '01'],
  [0x08, 'SWITCH_V2', 'a ii ii', 'EOA', 10, 10, '01'],
  [0x09, 'SWITCH_V3', 'a ii ii ii', 'EOA', 10, 10, '01'],
  [0x0a, 'SWITCH_VN', 'a li', 'EOA', 10, 10, '01'],
  [0x0b, 'CALL_VALUE', 'a', 'OA', 10, 10, '01'],
  [0x0c, 'PUSH', 'a', 'OA', 10, 10, '01'],
  [0x0d, 'DUPA', '', 'OA', 10, 10, '01'],
  [0x0e, 'DUP', 'a', 'OA', 10, 10, '01'],
  [0x0f, 'POP', 'a', 'OA', 10, 10, '01'],
  [0x10, 'INCA', '', 'OA', 10, 10, '01'],
  [0x11, 'INC', 'a', 'OA', 10, 10, '01'],
  [0x12, 'DECA', '', 'OA', 10, 10, '01'],
  [0x13, 'DEC', 'a', 'OA', 10, 10, '01'],
  [0x14, 'ADD', 'a a a', 'OA', 10, 10, '01'],
  [0x15, 'SUB', 'a a a', 'OA', 10, 10, '01'],
  [0x16, 'MUL', 'a a a', 'OA', 10, 10, '01'],
  [0x17, 'DIV', 'a a a', 'OA', 10, 10, '01'],
  [0x18, 'MOD', 'a a a', 'OA', 10, 10, '01'],
  [0x19, 'POW', 'a a a', 'OA', 10, 10, '01'],
  [0x1a, 'STORE', 'a a', 'OA', 10, 10, '01'],
  [0x1b, 'SHA3', 'a a', 'OA', 100, 100, '01'],
  [0x1c, 'SHA256', 'a a', 'OA', 100, 100, '01'],
  [0x1d, 'BLAKE2B', 'a a', 'OA', 100, 100, '01'],
  [0x1e, 'LT', 'a a a', 'OA', 10, 10, '01'],
  [0x1f, 'GT', 'a a a', 'OA', 10, 10, '01'],
  [0x20, 'EQ', 'a a a', 'OA', 10, 10, '01'],
  [0x21, 'ELT', 'a a a', 'OA', 10, 10, '01'],
  [0x22, 'EGT', 'a a a', 'OA', 10, 10, '01'],
  [0x23, 'NEQ', 'a a a', 'OA', 10, 10, '01'],
  [0x24, 'AND', 'a a a', 'OA', 10, 10, '01'],
  [0x25, 'OR', 'a a a', 'OA', 10, 10, '01'],
  [0x26, 'NOT', 'a a', 'OA', 10, 10, '01'],
  [0x27, 'TUPLE', 'a ii', 'OA', 10, 10, '01'],
  [0x28, 'ELEMENT', 'a a a', 'OA', 10, 10, '01'],
  [0x29, 'SETELEMENT', 'a a a a', 'OA', 10, 10, '01'],
  [0x2a, 'MAP_EMPTY', 'a', 'OA', 10, 10, '01'],
  [0x2b, 'MAP_LOOKUP', 'a a a', 'OA', 10, 10, '01'],
  [0x2c, 'MAP_LOOKUPD', 'a a a a', 'OA', 10, 10, '01'],
  [0x2d, 'MAP_UPDATE', 'a a a a', 'OA', 10, 10, '01'],
  [0x2e, 'MAP_DELETE', 'a a a', 'OA', 10, 10, '01'],
  [0x2f, 'MAP_MEMBER', 'a a a', 'OA', 10, 10, '01'],
  [0x30, 'MAP_FROM_LIST', 'a a', 'OA', 10, 10, '01'],
  [0x31, 'MAP_SIZE', 'a a', 'OA', 10, 10, '01'],
  [0x32, 'MAP_TO_LIST', 'a a', 'OA', 10, 10, '01'],
  [0x33, 'IS_NIL', 'a a', 'OA', 10, 10, '01'],
  [0x34, 'CONS', 'a a a', 'OA', 10, 10, '01'],
  [0x35, 'HD', 'a a', 'OA', 10, 10, '01'],
  [0x36, 'TL', 'a a', 'OA', 10, 10, '01'],
  [0x37, 'LENGTH', 'a a', 'OA', 10, 10, '01 only'],
  [0x38, 'NIL', 'a', 'OA', 10, 10, '01'],
  [0x39, 'APPEND', 'a a a', 'OA', 10, 10, '01'],
  [0x3a, 'STR_JOIN', 'a a a', 'OA', 10, 10, '01'],
  [0x3b, 'INT_TO_STR', 'a a', 'OA', 100, 100, '01'],
  [0x3c, 'ADDR_TO_STR', 'a a', 'OA', 100, 100, '01'],
  [0x3d, 'STR_REVERSE', 'a a', 'OA', 100, 100, '01'],
  [0x3e, 'STR_LENGTH', 'a a', 'OA', 10, 10, '01'],
  [0x3f, 'BYTES_TO_INT', 'a a', 'OA', 10, 10, '01'],
  [0x40, 'BYTES_TO_STR', 'a a', 'OA', 100, 100, '01'],
  [0x41, 'BYTES_CONCAT', 'a a a', 'OA', 10, 10, '01'],
  [0x42, 'BYTES_SPLIT', 'a a a', 'OA', 10, 10, '01'],
  [0x43, 'INT_TO_ADDR', 'a a', 'OA', 10, 10, '01'],
  [0x44, 'VARIANT', 'a a a a', 'OA', 10, 10, '01'],
  [0x45, 'VARIANT_TEST', 'a a a', 'OA', 10, 10, '01'],
  [0x46, 'VARIANT_ELEMENT', 'a a a', 'OA', 10, 10, '01'],
  [0x47, 'BITS_NONEA', '', 'OA', 10, 10, '01'],
  [0x48, 'BITS_NONE', 'a', 'OA', 10, 10, '01'],
  [0x49, 'BITS_ALLA', '', 'OA', 10, 10, '01'],
  [0x4a, 'BITS_ALL', 'a', 'OA', 10, 10, '01'],
  [0x4b, 'BITS_ALL_N', 'a a', 'OA', 10, 10, '01'],
  [0x4c, 'BITS_SET', 'a a a', 'OA', 10, 10, '01'],
  [0x4d, 'BITS_CLEAR', 'a a a', 'OA', 10, 10, '01'],
  [0x4e, 'BITS_TEST', 'a a a', 'OA', 10, 10, '01'],
  [0x4f, 'BITS_SUM', 'a a', 'OA', 10, 10, '01'],
  [0x50, 'BITS_OR', 'a a a', 'OA', 10, 10, '01'],
  [0x51, 'BITS_AND', 'a a a', 'OA', 10, 10, '01'],
  [0x52, 'BITS_DIFF', 'a a a', 'OA', 10, 10, '01'],
  [0x53, 'BALANCE', 'a', 'OA', 10, 10, '01'],
  [0x54, 'ORIGIN', 'a', 'OA', 10, 10, '01'],
  [0x55, 'CALLER', 'a', 'OA', 10, 10, '01'],
  [0x56, 'BLOCKHASH', 'a a', 'OA', 1000, 10, '01'],
  [0x57, 'BENEFICIARY', 'a', 'OA', 10, 10, '01'],
  [0x58, 'TIMESTAMP', 'a', 'OA', 10, 10, '01'],
  [0x59, 'GENERATION', 'a', 'OA', 10, 10, '01'],
  [0x5a, 'MICROBLOCK', 'a', 'OA', 10, 10, '01'],
  [0x5b, 'DIFFICULTY', 'a', 'OA', 10, 10, '01'],
  [0x5c, 'GASLIMIT', 'a', 'OA', 10, 10, '01'],
  [0x5d, 'GAS', 'a', 'OA', 10, 10, '01'],
  [0x5e, 'ADDRESS', 'a', 'OA', 10, 10, '01'],
  [0x5f, 'GASPRICE', 'a', 'OA', 10, 10, '01'],
  [0x60, 'LOG0', 'a', 'OA', 1000, 1000, '01'],
  [0x61, 'LOG1', 'a a', 'OA', 1100, 1100, '01'],
  [0x62, 'LOG2', 'a a a', 'OA', 1200, 1200, '01'],
  [0x63, 'LOG3', 'a a a a', 'OA', 1300, 1300, '01'],
  [0x64, 'LOG4', 'a a a a a', 'OA', 1400, 1400, '01'],
  [0x65, 'SPEND', 'a a', 'O', 5000, 100, '01'],
  [0x66, 'ORACLE_REGISTER', 'a a a a a a a', '', 10000, 100, '01'],
  [0x67, 'ORACLE_QUERY', 'a a a a a a a a', '', 10000, 100, '01'],
  [0x68, 'ORACLE_RESPOND', 'a a a a a a', '', 10000, 100, '01'],
  [0x69, 'ORACLE_EXTEND', 'a a a', '', 10000, 100, '01'],
  [0x6a, 'ORACLE_GET_ANSWER', 'a a a a a', 'O', 2000, 100, '01'],
  [0x6b, 'ORACLE_GET_QUESTION', 'a a a a a', 'O', 2000, 100, '01'],
  [0x6c, 'ORACLE_QUERY_FEE', 'a a', 'O', 2000, 100, '01'],
  [0x6d, 'AENS_RESOLVE', 'a a a a', 'O', 2000, 100, '01'],
  [0x6e, 'AENS_PRECLAIM', 'a a a', '', 10000, 100, '01'],
  [0x6f, 'AENS_CLAIM', 'a a a a a', '', 10000, 100, '01'],
  [0x70, 'AENS_UPDATE', 'a a a a a a', '', 10000, 100, '02'],
  [0x71, 'AENS_TRANSFER', 'a a a a', '', 10000, 100, '01'],
  [0x72, 'AENS_REVOKE', 'a a a', '', 10000, 100, '01'],
  [0x73, 'BALANCE_OTHER', 'a a', 'OA', 2000, 50, '01'],
  [0x74, 'VERIFY_SIG', 'a a a a', 'OA', 1300, 1300, '01'],
  [0x75, 'VERIFY_SIG_SECP256K1', 'a a a a', 'OA', 1300, 1300, '01'],
  [0x76, 'CONTRACT_TO_ADDRESS', 'a a', 'OA', 10, 10, '01'],
  [0x77, 'AUTH_TX_HASH', 'a', 'OA', 10, 10, '01'],
  [0x78, 'ORACLE_CHECK', 'a a a a', 'O', 100, 100, '01'],
  [0x79, 'ORACLE_CHECK_QUERY', 'a a a a a', 'O', 100, 100, '01'],
  [0x7a, 'IS_ORACLE', 'a a', 'O', 100, 100, '01'],
  [0x7b, 'IS_CONTRACT', 'a a', 'O', 100, 100, '01'],
  [0x7c, 'IS_PAYABLE', 'a a', 'O', 100, 100, '01'],
  [0x7d, 'CREATOR', 'a', 'OA', 10, 10, '01'],
  [0x7e, 'ECVERIFY_SECP256K1', 'a a a a', 'OA', 1300, 1300, '01'],
  [0x7f, 'ECRECOVER_SECP256K1', 'a a a', 'OA', 1300, 1300, '01'],
  [0x80, 'ADDRESS_TO_CONTRACT', 'a a', 'OA', 10, 10, '01'],
  [0x81, 'BLS12_381_G1_NEG', 'a a', 'OA', 100, 100, '02'],
  [0x82, 'BLS12_381_G1_NORM', 'a a', 'OA', 100, 100, '02'],
  [0x83, 'BLS12_381_G1_VALID', 'a a', 'OA', 2000, 2000, '02'],
  [0x84, 'BLS12_381_G1_IS_ZERO', 'a a', 'OA', 30, 30, '02'],
  [0x85, 'BLS12_381_G1_ADD', 'a a a', 'OA', 100, 100, '02'],
  [0x86, 'BLS12_381_G1_MUL', 'a a a', 'OA', 1000, 1000, '02'],
  [0x87, 'BLS12_381_G2_NEG', 'a a', 'OA', 100, 100, '02'],
  [0x88, 'BLS12_381_G2_NORM', 'a a', 'OA', 100, 100, '02'],
  [0x89, 'BLS12_381_G2_VALID', 'a a', 'OA', 2000, 2000, '02'],
  [0x8a, 'BLS12_381_G2_IS_ZERO', 'a a', 'OA', 30, 30, '02'],
  [0x8b, 'BLS12_381_G2_ADD', 'a a a', 'OA', 100, 100, '02'],
  [0x8c, 'BLS12_381_G2_MUL', 'a a a', 'OA', 1000, 1000, '02'],
  [0x8d, 'BLS12_381_GT_INV', 'a a', 'OA', 100, 100, '02'],
  [0x8e, 'BLS12_381_GT_ADD', 'a a a', 'OA', 100, 100, '02'],
  [0x8f, 'BLS12_381_GT_MUL', 'a a a', 'OA', 100, 100, '02'],
  [0x90, 'BLS12_381_GT_POW', 'a a a', 'OA', 2000, 2000, '02'],
  [0x91, 'BLS12_381_GT_IS_ONE', 'a a', 'OA', 30, 30, '02'],
  [0x92, 'BLS12_381_PAIRING', 'a a a', 'OA', 12000, 12000, '02'],
  [0x93, 'BLS12_381_MILLER_LOOP', 'a a a', 'OA', 5000, 5000, '02'],
  [0x94, 'BLS12_381_FINAL_EXP', 'a a', 'OA', 7000, 7000, '02'],
  [0x95, 'BLS12_381_INT_TO_FR', 'a a', 'OA', 30, 30, '02'],
  [0x96, 'BLS12_381_INT_TO_FP', 'a a', 'OA', 30, 30, '02'],
  [0x97, 'BLS12_381_FR_TO_INT', 'a a', 'OA', 30, 30, '02'],
  [0x98, 'BLS12_381_FP_TO_INT', 'a a', 'OA', 30, 30, '02'],
  [0x99, 'AENS_LOOKUP', 'a a', 'O', 2000, 2000, '02'],
  [0x9a, 'ORACLE_EXPIRY', 'a a', 'O', 2000, 2000, '02'],
  [0x9b, 'AUTH_TX', 'a', 'OA', 100, 100, '02'],
  [0x9c, 'STR_TO_LIST', 'a a', 'OA', 100, 100, '02*'],
  [0x9d, 'STR_FROM_LIST', 'a a', 'OA', 100, 100, '02*'],
  [0x9e, 'STR_TO_UPPER', 'a a', 'OA', 100, 100, '02*'],
  [0x9f, 'STR_TO_LOWER', 'a a', 'OA', 100, 100, '02*'],
  [0xa0, 'CHAR_TO_INT', 'a a', 'OA', 10, 10, '02*'],
  [0xa1, 'CHAR_FROM_INT', 'a a', 'OA', 10, 10, '02*'],
  [0xa2, 'CALL_PGR', 'a is a a a a a', 'EO', 100, 100, '02'],
  [0xa3, 'CREATE', 'a a a', 'EO', 10000, 10000, '02'],
  [0xa4, 'CLONE', 'a a a a', 'EO', 5000, 5000, '02'],
  [0xa5, 'CLONE_G', 'a a a a a', 'EO', 5000, 5000, '02'],
  [0xa6, 'BYTECODE_HASH', 'a a', 'OA', 100, 100, '02'],
  [0xa7, 'FEE', 'a', 'OA', 10, 10, '02'],
  [0xa8, 'ADDRESS_TO_BYTES', 'a a', 'OA', 10, 10, '03'],
  [0xa9, 'POSEIDON', 'a a a', 'OA', 6000, 6000, '03'],
  [0xaa, 'MULMOD', 'a a a a', 'OA', 10, 10, '03'],
  [0xab, 'BAND', 'a a a', 'OA', 10, 10, '03'],
  [0xac, 'BOR', 'a a a', 'OA', 10, 10, '03'],
  [0xad, 'BXOR', 'a a a', 'OA', 10, 10, '03'],
  [0xae, 'BNOT', 'a a', 'OA', 10, 10, '03'],
  [0xaf, 'BSL', 'a a a', 'OA', 10, 10, '03'],
  [0xb0, 'BSR', 'a a a', 'OA', 10, 10, '03'],
  [0xb1, 'BYTES_SPLIT_ANY', 'a a a', 'OA', 10, 10, '03'],
  [0xb2, 'BYTES_SIZE', 'a a', 'OA', 10, 10, '03'],
  [0xb3, 'BYTES_TO_FIXED_SIZE', 'a a a', 'OA', 10, 10, '03'],
  [0xb4, 'INT_TO_BYTES', 'a a a', 'OA', 10, 10, '03'],
  [0xb5, 'STR_TO_BYTES', 'a a', 'OA', 10, 10, '03'],
  [0xb6, 'NETWORK_ID', 'a', 'OA', 10, 10, '03'],
  [0xf0, 'DBG_LOC', 'a a', 'OA', 0, 0, '—'],
  [0xf1, 'DBG_DEF', 'a a', 'OA', 0, 0, '—'],
  [0xf2, 'DBG_UNDEF', 'a a', 'OA', 0, 0, '—'],
  [0xf3, 'DBG_CONTRACT', 'a', 'OA', 0, 0, '—'],
  [0xfa, 'DEACTIVATE', '', 'OA', 10, 10, '01'],
  [0xfb, 'ABORT', 'a', 'EOA', 10, 10, '01'],
  [0xfc, 'EXIT', 'a', 'EOA', 10, 10, '01'],
  [0xfd, 'NOP', '', 'OA', 1, 1, '01'],
];

function toInfo([op, name, args, flags, gas, limaGas, vm]: Row): OpInfo {
  const info: OpInfo = {
    op,
    name,
    args: args === '' ? [] : (args.split(' ') as OperandKind[]),
    endBB: flags.includes('E'),
    offChain: flags.includes('O'),
    inAuth: flags.includes('A'),
    gas,
    limaGas,
    vm: vm === '—' ? 0 : Number(vm.slice(0, 2)),
    ...(vm === '01 only' ? { onlyV1: true as const } : {}),
    ...(vm === '02*' ? { noVmCheck: true as const } : {}),
  };
  return Object.freeze(info);
}

/** Every opcode, in byte order. */
export const OPCODES: readonly OpInfo[] = Object.freeze(ROWS.map(toInfo));

/** Opcode by byte (undefined = not an instruction). */
export const OPCODE_BY_BYTE: readonly (OpInfo | undefined)[] = (() => {
  const table: (OpInfo | undefined)[] = new Array<OpInfo | undefined>(256).fill(undefined);
  for (const o of OPCODES) table[o.op] = o;
  return Object.freeze(table);
})();

/** Opcode by mnemonic. */
export const OPCODE_BY_NAME: ReadonlyMap<string, OpInfo> = new Map(OPCODES.map((o) => [o.name, o]));

/** The opcode of a mnemonic (throws on an unknown name: a table bug). */
export function opcode(name: string): number {
  const o = OPCODE_BY_NAME.get(name);
  if (o === undefined) throw new Error(`unknown opcode ${name}`);
  return o.op;
}
