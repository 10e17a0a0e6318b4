/**
 * The scenario driver over two real `Channel` clients, one per role, talking to a node
 * (the embedded devnode, or any node given with `--url`).
 *
 * Signing decisions reach the channel through its signer: every signing request
 * (`context.kind` is the sign tag, PROTOCOL.md §8.2) asks the engine, and an abort is a
 * `SIGNER_REFUSED` error carrying the abort code, which the channel answers to the node
 * as `{error: code}` (§9.6). Each role keeps one memory store across its sessions, so
 * `reconnect` and `reestablish` resume from what the previous session persisted.
 */
import { AechannelError, Tag, buildPoi, buildSignedTx, decode, fixFee, packTx, type Encoded } from '@aechannel/codec';
import { createSignerRefusedError, isGaSigner, memorySigner, type Signer } from '@aechannel/signer';
import type { SectionInput } from '@aechannel/transcript';
import { Channel, type ChannelClientEvent, type OpenChannelOptions } from '../Channel.js';
import type { ContractAci } from '../contractAci.js';
import { createMemoryStore } from '../createMemoryStore.js';
import type { Store } from '../Store.js';
import { gaAttachTx, gaAuthSigner } from './generalizedAccount.js';
import type { RecordingDriverFactory } from './runExamples.js';
import type { CommandStep, RoleBalances, ScenarioDriver, ScenarioDriverContext } from './runScenario.js';
import { otherRole, type ScenarioRole } from './scenario.js';

/** Where the scenarios run. */
export interface ExamplesEnvironment {
  /** Channel endpoint, e.g. `ws://127.0.0.1:3014/channel`. */
  url: string;
  networkId: string;
  /** Secret keys (`sk_…`) of the two participants. */
  keys: Record<ScenarioRole, string>;
  /** `host` and `port` of the responder's node for the initiator's node (§6.2); a fresh port per scenario. */
  peer(scenarioIndex: number): { host: string; port: number };
  /** Mines blocks (the embedded devnode only). */
  mine?: ((blocks: bigint) => Promise<void>) | undefined;
  /** Direct chain access for misbehaving steps and `gaAttach` (the embedded devnode only). */
  chain?:
    | {
        post(signedTx: Encoded<'tx'>): Promise<unknown>;
        nonce(address: Encoded<'ak'>): bigint;
        /** Resolves once the chain processed what was posted (the embedded devnode: its queue is idle). */
        settled?(): Promise<void>;
        /** Whether an account is generalized on chain. */
        isGeneralized?(address: Encoded<'ak'>): boolean;
      }
    | undefined;
}

interface RoleSession {
  /** Signs without consulting the scenario (for misbehaving steps). */
  key: Signer;
  /** What signs a channel tx once the scenario agreed: the key, or a GA signer after `gaAttach`. */
  auth: Signer;
  /** Every co-signed state this role saw, by round. */
  states: Map<bigint, { state: Encoded<'tx'>; balances: Record<string, bigint> }>;
  signer: Signer;
  store: Store;
  channel: Channel | undefined;
  channelId: Encoded<'ch'> | undefined;
}

/** The `SIGNER_REFUSED` error that makes the channel answer the node with an abort code (§9.6). */
function refusal(code: number, tag: string): Error {
  return createSignerRefusedError({ abortCode: code, reason: `the scenario aborts ${tag}` });
}

/** Camel-cased scenario channel options passed through to `Channel.open` (bigint where the option is an amount). */
function extraOptions(extra: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : value]));
}

/**
 * Creates the factory of scenario drivers over `Channel` clients.
 * @param environment - the node, network id and keys
 * @param firstIndex - the index of the first scenario (picks its responder port)
 * @returns a factory for `runExamples`
 */
export function createChannelDriverFactory(environment: ExamplesEnvironment, firstIndex = 0): RecordingDriverFactory {
  let scenarioIndex = firstIndex;
  return async (context, transcript) => createChannelDriver(context, transcript, environment, scenarioIndex++);
}

async function createChannelDriver(
  context: ScenarioDriverContext,
  transcript: { write(section: SectionInput): void },
  environment: ExamplesEnvironment,
  scenarioIndex: number,
): Promise<ScenarioDriver> {
  const { scenario } = context;
  const peer = environment.peer(scenarioIndex);
  const sessions = {} as Record<ScenarioRole, RoleSession>;
  for (const role of ['initiator', 'responder'] as const) {
    const base = memorySigner(environment.keys[role]);
    // Every signing request asks the scenario's queued decisions first (§9.6 aborts).
    const signer: Signer = {
      address: base.address,
      // (a generalized account's GA signer after `gaAttach`: the channel sees it as one)
      get generalized() {
        return isGaSigner(sessions[role].auth);
      },
      async signTransaction(tx, options) {
        const tag = options.context?.kind ?? 'unknown';
        const decision = await context.sign(role, { tag });
        if (decision.action === 'abort') throw refusal(Number(decision.code), tag);
        return sessions[role].auth.signTransaction(tx, options);
      },
      signBytes: (bytes, options) => base.signBytes(bytes, options),
    };
    sessions[role] = { key: base, auth: base, states: new Map(), signer, store: createMemoryStore(), channel: undefined, channelId: undefined };
  }
  const address = (role: ScenarioRole): Encoded<'ak'> => sessions[role].signer.address;
  /** The roles that became generalized accounts (`gaAttach`). */
  const gaRoles = (): ScenarioRole[] => (['initiator', 'responder'] as const).filter((r) => isGaSigner(sessions[r].auth));
  const roleOf = new Map<string, ScenarioRole>([
    [address('initiator'), 'initiator'],
    [address('responder'), 'responder'],
  ]);
  const toRoles = (balances: Record<string, bigint>): RoleBalances => ({
    initiator: balances[address('initiator')] ?? 0n,
    responder: balances[address('responder')] ?? 0n,
  });

  const onEvent = (role: ScenarioRole) => (event: ChannelClientEvent) => {
    if (event.type === 'stateChanged') sessions[role].states.set(event.round, { state: event.state, balances: event.balances });
    context.event(role, event.type, event);
    // Status changes are also reported under the status name (`wait: "closing"`), unless
    // the channel has an event of that name already.
    if (event.type === 'statusChanged' && !['closed', 'died'].includes(event.status)) context.event(role, event.status, event);
    if (event.type === 'info' && typeof event.event === 'string') context.event(role, `info:${event.event}`, event);
  };

  const driverOptions = (role: ScenarioRole) => ({
    signer: sessions[role].signer,
    url: environment.url,
    store: sessions[role].store,
    transcript,
    onEvent: onEvent(role),
    // Scenarios drive disputes and reconnects themselves.
    watcher: false,
    reconnect: false,
  });

  /** The contract last created from each fixture (a scenario names contracts by fixture). */
  const contracts = new Map<string, Encoded<'ct'>>();
  const contractOf = (step: CommandStep): { id: Encoded<'ct'>; aci: ContractAci } => {
    const id = contracts.get(step.contract!);
    if (id === undefined) throw new AechannelError('CHANNEL_SCENARIO_NO_CONTRACT', `No ${step.contract} contract was created before this step.`);
    return { id, aci: scenario.contracts[step.contract!]!.aci as ContractAci };
  };
  /** Call arguments: `"@initiator"` / `"@responder"` stand for the participants' accounts. */
  const argsOf = (step: CommandStep): unknown[] =>
    (step.args ?? []).map((arg) => (arg === '@initiator' || arg === '@responder' ? address(arg.slice(1) as ScenarioRole) : arg));

  const channel = (role: ScenarioRole): Channel => {
    const current = sessions[role].channel;
    if (current === undefined) throw new AechannelError('CHANNEL_SCENARIO_NO_CLIENT', `${role} has no channel client (open it first).`);
    return current;
  };

  const resume = async (role: ScenarioRole, kind: 'reconnect' | 'reestablish'): Promise<void> => {
    const channelId = sessions[role].channelId;
    if (channelId === undefined) throw new AechannelError('CHANNEL_SCENARIO_NO_CLIENT', `${role} has no channel to ${kind}.`);
    sessions[role].channel?.dispose();
    const options = { ...driverOptions(role), channelId };
    sessions[role].channel = kind === 'reconnect' ? await Channel.reconnect(options) : await Channel.reestablish(options);
  };

  const run = async (role: ScenarioRole, step: CommandStep): Promise<unknown> => {
    switch (step.command) {
      case 'open': {
        const { channel: params } = scenario;
        const options: OpenChannelOptions = {
          ...driverOptions(role),
          ...(extraOptions(params.extra) as Partial<OpenChannelOptions>),
          role,
          networkId: environment.networkId,
          initiatorId: address('initiator'),
          responderId: address('responder'),
          initiatorAmount: params.initiatorAmount,
          responderAmount: params.responderAmount,
          pushAmount: params.pushAmount,
          channelReserve: params.channelReserve,
          lockPeriod: params.lockPeriod,
          // Both roles know which of them are generalized (after a `gaAttach`).
          ...(gaRoles().length === 0 ? {} : { generalizedAccounts: gaRoles().map(address) }),
          port: peer.port,
          ...(role === 'initiator' ? { host: peer.host } : {}),
        };
        const opened = await Channel.open(options);
        sessions[role].channel = opened;
        sessions[role].channelId = opened.channelId ?? undefined;
        return undefined;
      }
      case 'transfer':
        return channel(role).transfer(address(step.to!), step.amount!, { from: address(step.from!) });
      case 'deposit':
        return channel(role).deposit(step.amount!);
      case 'withdraw':
        return channel(role).withdraw(step.amount!);
      case 'snapshot':
        return channel(role).snapshot();
      case 'shutdown':
        return channel(role).shutdown();
      case 'closeSolo':
        return channel(role).closeSolo();
      case 'slash':
        return channel(role).slash();
      case 'settle':
        return channel(role).settle();
      case 'leave':
        return channel(role).leave();
      case 'reestablish':
      case 'reconnect':
        await resume(role, step.command);
        return undefined;
      case 'disconnect':
        await channel(role).disconnect();
        return undefined;
      case 'message':
        return channel(role).sendMessage(address(step.to ?? otherRole(role)), step.info!);
      case 'ping':
        return channel(role).ping();
      case 'balances':
        return toRoles(await channel(role).balances());
      case 'poi':
        return channel(role).poi();
      case 'state':
        return channel(role).state();
      case 'staleCloseSolo':
        return staleCloseSolo(role, step.round!);
      case 'gaAttach':
        return gaAttach(role, step.contract!);
      case 'createContract': {
        const fixture = scenario.contracts[step.contract!]!;
        const aci = fixture.aci as ContractAci;
        const created = await channel(role).createContract({ code: fixture.code, aci, args: argsOf(step), ...(step.deposit === undefined ? {} : { deposit: step.deposit }) });
        contracts.set(step.contract!, created.contractId);
        // The peer learns the ACI from the scenario (as an application would from its own copy of the contract).
        sessions[otherRole(role)].channel?.setContractAci(created.contractId, aci);
        return created;
      }
      case 'callContract': {
        const { id, aci } = contractOf(step);
        return channel(role).callContract(id, { function: step.function!, args: argsOf(step), aci, ...(step.amount === undefined ? {} : { amount: step.amount }) });
      }
      case 'dryRunContract': {
        const { id, aci } = contractOf(step);
        return channel(role).dryRunContract(id, { function: step.function!, args: argsOf(step), aci });
      }
      case 'getContract': {
        const { id, aci } = contractOf(step);
        channel(role).setContractAci(id, aci);
        return channel(role).getContract(id);
      }
      case 'getContractCall':
        return channel(role).getContractCall(contractOf(step).id, { round: step.round!, caller: address(step.from ?? role) });
      case 'cleanContractCalls':
        return channel(role).cleanContractCalls();
      case 'forceProgress': {
        const { id, aci } = contractOf(step);
        return channel(role).forceProgress({ contractId: id, function: step.function!, args: argsOf(step), aci, gasPrice: step.gasPrice! });
      }
    }
  };

  /** Makes `role`'s account generalized with the auth contract of a fixture (§2.9), then signs with a GA signer. */
  const gaAttach = async (role: ScenarioRole, contract: string): Promise<{ account: Encoded<'ak'>; generalized: boolean }> => {
    const chain = environment.chain;
    if (chain === undefined) throw new AechannelError('CHANNEL_SCENARIO_UNSUPPORTED', 'gaAttach needs the embedded devnode (not available with --url).');
    const fixture = scenario.contracts[contract]!;
    const owner = address(role);
    const unsigned = gaAttachTx({ owner, nonce: chain.nonce(owner) + 1n, contract: { code: fixture.code, aci: fixture.aci } });
    await chain.post(await sessions[role].key.signTransaction(unsigned, { networkId: environment.networkId }));
    await chain.settled?.();
    const generalized = chain.isGeneralized?.(owner) ?? true;
    if (!generalized) throw new AechannelError('CHANNEL_SCENARIO_UNSUPPORTED', `The ga_attach of ${role} was not mined.`);
    sessions[role].auth = gaAuthSigner({ address: owner, secretKey: environment.keys[role], aci: fixture.aci });
    transcript.write({ kind: 'info', role, text: `Attached the auth contract ${contract} on chain: ${role} is a generalized account` });
    return { account: owner, generalized };
  };

  /** Posts a close solo built on an older co-signed state (§2.6, §2.8, §9.11), signed by `role` alone. */
  const staleCloseSolo = async (role: ScenarioRole, round: bigint): Promise<Encoded<'th'> | unknown> => {
    const chain = environment.chain;
    if (chain === undefined) throw new AechannelError('CHANNEL_SCENARIO_UNSUPPORTED', 'Posting a stale close solo needs the embedded devnode (not available with --url).');
    const old = sessions[role].states.get(round);
    const channelId = sessions[role].channelId;
    if (old === undefined || channelId === undefined) throw new AechannelError('CHANNEL_SCENARIO_NO_STATE', `${role} has seen no co-signed state of round ${round}.`);
    const parties = [address('initiator'), address('responder')];
    const tx = fixFee({
      tag: Tag.ChannelCloseSoloTx,
      version: 1,
      channelId,
      fromId: address(role),
      payload: decode(old.state, 'tx'),
      poi: decode(buildPoi(old.balances as Record<Encoded<'ak'>, bigint>, parties), 'pi'),
      ttl: 0n,
      fee: 0n,
      nonce: chain.nonce(address(role)) + 1n,
    } as const);
    const unsigned = buildSignedTx(decode(packTx(tx), 'tx'), []);
    const signed = await sessions[role].key.signTransaction(unsigned, { networkId: environment.networkId });
    // Not channel traffic: noted in the transcript so a reader sees where the close came from.
    transcript.write({ kind: 'info', role, text: `Posted a close solo with the co-signed state of round ${round} directly to the chain` });
    return chain.post(signed);
  };

  return {
    run,
    async balances(role) {
      const balances = channel(role).localBalances;
      for (const account of Object.keys(balances)) {
        if (!roleOf.has(account)) throw new AechannelError('CHANNEL_SCENARIO_UNKNOWN_ACCOUNT', `Balances name an unknown account ${account}.`);
      }
      return toRoles(balances);
    },
    phase: (role) => sessions[role].channel?.status,
    round: (role) => sessions[role].channel?.round,
    async mine(blocks) {
      if (environment.mine === undefined) {
        throw new AechannelError('CHANNEL_SCENARIO_UNSUPPORTED', 'Mining blocks needs the embedded devnode (not available with --url).');
      }
      await environment.mine(blocks);
    },
    async close() {
      for (const role of ['initiator', 'responder'] as const) sessions[role].channel?.dispose();
    },
  };
}
