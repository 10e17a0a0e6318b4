#!/usr/bin/env escript
%%! -network_id ae_devnet
%% Runs authorizations of a GA auth contract through the node's own code (the fate-oracle's
%% beams): the contract is created in channel trees (aesc_offchain_update, owner's round 2),
%% then each case is run as the node's channel FSM runs a GA meta layer (aesc_utils
%% verify_meta_tx): aect_dispatch:run with off_chain = false and the tx env's GA tx hash set
%% (no hash: outside the GA context). Prints the call outcomes as JSON.
%% Used by ../ga-auth-vectors.mjs: escript ga-auth.escript <oracle ebin> <shim dir> <input.json>
%% (the shim dir holds an enacl with Ed25519 verify, which the oracle's build lacks).
main([Ebin, Shim, FixtureJson]) ->
    true = code:add_patha(Ebin),
    code:purge(enacl), code:delete(enacl),
    true = code:add_patha(Shim),
    {module, enacl} = code:load_abs(filename:join(Shim, "enacl")),
    persistent_term:put(test_proto, 6),
    application:set_env(aecore, network_id, <<"ae_devnet">>),
    {ok, Bin} = file:read_file(FixtureJson),
    In = jsx:decode(Bin, [return_maps]),
    Code = dec(contract_bytearray, maps:get(<<"bytecode">>, In)),
    Owner = dec(account_pubkey, maps:get(<<"owner">>, In)),
    InitCd = dec(contract_bytearray, maps:get(<<"init">>, In)),
    Env = aetx_env:contract_env(100, 6, 1700000000000, <<0:256>>, 12345, <<0:256>>),
    T0 = aec_trees:new_without_backend(),
    A = aec_accounts_trees:enter(aec_accounts:new(Owner, 1000000), aec_trees:accounts(T0)),
    T1 = aec_trees:set_accounts(T0, A),
    Upd = aesc_offchain_update:op_new_contract(aeser_id:create(account, Owner), 8, 3, Code, 0, InitCd),
    {_, T2} = aesc_offchain_update:apply_on_trees(Upd, T1, aec_trees:new_without_backend(), Env, 2, 0),
    CtPK = aect_contracts:compute_contract_pubkey(Owner, 2),
    Results = [run(T2, Owner, CtPK, C, Env) || C <- maps:get(<<"cases">>, In)],
    %% Auth.tx: the AuthTx contract (round 3) read with a GA tx set in the env, as the
    %% node's meta tx processing sets it (aega_meta_tx add_tx: the tx the layer wraps).
    AuthTxCode = dec(contract_bytearray, maps:get(<<"auth_tx_bytecode">>, In)),
    Upd2 = aesc_offchain_update:op_new_contract(aeser_id:create(account, Owner), 8, 3, AuthTxCode, 0, dec(contract_bytearray, maps:get(<<"auth_tx_init">>, In))),
    {_, T3} = aesc_offchain_update:apply_on_trees(Upd2, T2, aec_trees:new_without_backend(), Env, 3, 0),
    AuthTxPK = aect_contracts:compute_contract_pubkey(Owner, 3),
    TxCases = [run_tx(T3, Owner, AuthTxPK, GaTx, dec(contract_bytearray, maps:get(<<"auth_tx_call">>, In)), Env) || GaTx <- ga_txs(Owner)],
    io:format("~s~n", [jsx:encode(#{contract => enc(contract_pubkey, CtPK), cases => Results,
                                    auth_tx_contract => enc(contract_pubkey, AuthTxPK), auth_tx_cases => TxCases}, [space, {indent, 2}])]).

%% Txs a GA authorization may wrap: channel txs, a spend, and a close mutual inside another
%% account's meta tx (the outer layer of two, on chain). All with a ttl: for ttl 0 the node
%% puts the atom max_ttl into the record (aetx:ttl/1) and crashes when the value is traversed.
ga_txs(Owner) ->
    Other = <<16#22:8, 0:248>>,
    Ch = aeser_id:create(channel, <<16#44:8, 0:248>>),
    {ok, Create} = aesc_create_tx:new(#{initiator_id => aeser_id:create(account, Owner), initiator_amount => 100,
        responder_id => aeser_id:create(account, Other), responder_amount => 200, channel_reserve => 2,
        lock_period => 10, ttl => 7, fee => 17000000000000, state_hash => <<9:256>>, nonce => 0,
        delegate_ids => {[], []}}),
    {ok, Deposit} = aesc_deposit_tx:new(#{channel_id => Ch, from_id => aeser_id:create(account, Owner), amount => 5000,
        ttl => 1000, fee => 17340000000000, state_hash => <<8:256>>, round => 4, nonce => 0}),
    {ok, Close} = aesc_close_mutual_tx:new(#{channel_id => Ch, from_id => aeser_id:create(account, Other),
        initiator_amount_final => 1000, responder_amount_final => 2000, ttl => 1001, fee => 16900000000000, nonce => 0}),
    {ok, Spend} = aec_spend_tx:new(#{sender_id => aeser_id:create(account, Owner), recipient_id => aeser_id:create(account, Other),
        amount => 12345, fee => 20000000000000, ttl => 1002, nonce => 3, payload => <<"a payload of 21 bytes">>}),
    {ok, Meta} = aega_meta_tx:new(#{ga_id => aeser_id:create(account, Other), auth_data => <<16#2b, 1>>, abi_version => 3,
        gas => 50000, gas_price => 1000000000, fee => 77700000000000, tx => aetx_sign:new(Close, [])}),
    [{<<"channel create">>, Create}, {<<"channel deposit">>, Deposit}, {<<"channel close mutual">>, Close},
     {<<"spend">>, Spend}, {<<"close mutual inside another GA meta tx">>, Meta}].

run_tx(Trees, Owner, CtPK, {Name, GaTx}, CallData, Env0) ->
    Env = aetx_env:set_ga_tx(aetx_env:set_ga_tx_hash(Env0, <<3:256>>), GaTx),
    Call0 = aect_call:new(aeser_id:create(account, Owner), 0, aeser_id:create(contract, CtPK), 100, 1000000000),
    {value, Contract, Code} = aect_state_tree:lookup_contract_with_code(CtPK, aec_trees:contracts(Trees), [no_store]),
    {ok, Store} = aect_state_tree:read_contract_store(CtPK, aec_trees:contracts(Trees)),
    Map = #{amount => 0, call => Call0, call_data => CallData, call_stack => [], caller => Owner,
            code => Code, contract => CtPK, creator => aect_contracts:owner_pubkey(Contract),
            fee => 1, gas => 50000, gas_price => 1000000000, off_chain => false,
            origin => Owner, store => Store, trees => Trees, tx_env => Env},
    {Call, _T, _E} = aect_dispatch:run(aect_contracts:ct_version(Contract), Map),
    #{name => Name, ga_tx => hex(aetx:serialize_to_binary(GaTx)), gas_used => aect_call:gas_used(Call),
      return_type => aect_call:return_type(Call), return_value => enc(contract_bytearray, aect_call:return_value(Call))}.

hex(B) -> string:lowercase(binary:encode_hex(B)).

run(Trees, Owner, CtPK, Case, Env0) ->
    CallData = dec(contract_bytearray, maps:get(<<"auth_data">>, Case)),
    Gas = maps:get(<<"gas">>, Case),
    Env = case maps:get(<<"tx_hash">>, Case, null) of
              null -> Env0;
              H -> aetx_env:set_ga_tx_hash(Env0, hexb(H))
          end,
    Call0 = aect_call:new(aeser_id:create(account, Owner), 0, aeser_id:create(contract, CtPK), 100, 1000000000),
    {value, Contract, Code} = aect_state_tree:lookup_contract_with_code(CtPK, aec_trees:contracts(Trees), [no_store]),
    {ok, Store} = aect_state_tree:read_contract_store(CtPK, aec_trees:contracts(Trees)),
    Map = #{amount => 0, call => Call0, call_data => CallData, call_stack => [], caller => Owner,
            code => Code, contract => CtPK, creator => aect_contracts:owner_pubkey(Contract),
            fee => maps:get(<<"fee">>, Case, 0), gas => Gas, gas_price => 1000000000, off_chain => false,
            origin => Owner, store => Store, trees => Trees, tx_env => Env},
    {Call, _T, _E} = aect_dispatch:run(aect_contracts:ct_version(Contract), Map),
    #{name => maps:get(<<"name">>, Case), gas_used => aect_call:gas_used(Call),
      return_type => aect_call:return_type(Call), return_value => enc(contract_bytearray, aect_call:return_value(Call))}.

hexb(H) -> binary:decode_hex(H).
dec(Type, Bin) -> {ok, V} = aeser_api_encoder:safe_decode(Type, Bin), V.
enc(Type, Bin) -> aeser_api_encoder:encode(Type, Bin).
