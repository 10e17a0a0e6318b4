/**
 * @packageDocumentation
 * `@aechannel/fate`: a FATE virtual machine in TypeScript whose results (return values, gas
 * used, contract store, call objects, state hashes) are the æternity node's, byte for byte.
 * It applies off-chain contract updates (create contract, call contract) to a channel's
 * state trees for the devnode and for a client that re-executes every contract update
 * before it signs.
 *
 * What it does not do: talk to a node, sign, or keep channel state between calls. It does
 * no I/O and reads no clock or global state: block height, time and other chain values
 * come in as arguments. Workspace imports: `@aechannel/codec` only.
 */
export {};
