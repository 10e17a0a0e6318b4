#!/usr/bin/env escript
%%! -network_id ae_devnet
%% Writes test vectors for the generalized-account layouts and rules (PROTOCOL.md §2.9, §3,
%% §4) computed by the node's own modules (the fate-oracle's ebin: aega_attach_tx,
%% aega_meta_tx, aetx, aesc_channels, aec_governance). Run from packages/codec:
%%
%%   escript scripts/ga-vectors.escript ../../../shared/oracle/ebin > test/fixtures/ga-vectors.json
%%
%% The network id is the command-line flag above (aec_governance reads -network_id).
main([Ebin]) ->
    true = code:add_patha(Ebin),
    Hex = fun(B) -> list_to_binary(lists:flatten([io_lib:format("~2.16.0b", [X]) || <<X>> <= B])) end,
    Pk = fun(N) -> <<N:256>> end,
    I = <<16#11:8, 0:248>>, R = <<16#22:8, 0:248>>, Ga2 = <<16#33:8, 0:248>>,
    Ch = <<16#44:8, 0:248>>,
    %% A channel off-chain tx and a close mutual, built by the node's modules.
    {ok, OffTx} = aesc_offchain_tx:new(#{channel_id => aeser_id:create(channel, Ch), round => 7,
                                          state_hash => <<5:256>>}),
    {ok, CmTx} = aesc_close_mutual_tx:new(#{channel_id => aeser_id:create(channel, Ch),
        from_id => aeser_id:create(account, I), initiator_amount_final => 1000,
        responder_amount_final => 2000, ttl => 0, fee => 17000000000000, nonce => 0}),
    Sig = binary:copy(<<7>>, 64),
    OffSigned = aetx_sign:new(OffTx, [Sig]),
    CmSigned = aetx_sign:new(CmTx, []),
    Meta = fun(Ga, Auth, Signed, Extra) ->
                   {ok, M} = aega_meta_tx:new(maps:merge(#{ga_id => aeser_id:create(account, Ga),
                       auth_data => Auth, abi_version => 3, gas => 50000,
                       gas_price => 1000000000, fee => 100000000000000, tx => Signed}, Extra)),
                   M
           end,
    MetaV2 = Meta(I, <<16#2b, 1, 2, 3>>, OffSigned, #{}),
    MetaV1 = Meta(I, <<16#2b, 9>>, OffSigned, #{ttl => 77}),
    MetaCm = Meta(R, <<16#2b, 4, 5>>, CmSigned, #{}),
    Outer = aetx_sign:new(MetaCm, []),
    MetaBoth = Meta(Ga2, <<16#2b, 6>>, Outer, #{}),
    Ser = fun(Aetx) -> aetx:serialize_to_binary(Aetx) end,
    {ok, Attach} = aega_attach_tx:new(#{owner_id => aeser_id:create(account, I), nonce => 3,
        code => <<1,2,3,4,5>>, auth_fun => aeu_crypto_hash(<<"authorize">>), vm_version => 8,
        abi_version => 3, fee => 123, ttl => 0, gas => 50000, gas_price => 1000000000,
        call_data => <<16#2b, 16#11>>}),
    InnerBin = fun(Signed) -> Ser(aetx_sign:tx(Signed)) end,
    %% The auth tx hash of §3 / aega_meta_tx: blake2b(network id ++ S(tx)), and from Ceres
    %% blake2b(S(auth data [fee, gas_price, that hash])).
    AuthHash = fun(Bin, Fee, GasPrice, Protocol) ->
                       WithId = aec_governance:add_network_id(Bin),
                       case Protocol < 6 of
                           true -> aec_hash:hash(tx, WithId);
                           false -> aec_hash:hash(tx, aega_meta_tx:serialize_auth_data(Fee, GasPrice, WithId))
                       end
               end,
    {_, MetaV2Rec} = aetx:specialize_type(MetaV2),
    {_, MetaCmRec} = aetx:specialize_type(MetaCm),
    {_, MetaBothRec} = aetx:specialize_type(MetaBoth),
    FeeGas = fun(Aetx, P) -> aetx:fee_gas(Aetx, 1, P) end,
    {ok, Create} = aesc_create_tx:new(#{initiator_id => aeser_id:create(account, I), initiator_amount => 100,
        responder_id => aeser_id:create(account, R), responder_amount => 200, channel_reserve => 2,
        lock_period => 10, ttl => 0, fee => 17000000000000, state_hash => <<9:256>>, nonce => 0,
        delegate_ids => {[], []}}),
    Out = #{
      network_id => aec_governance:get_network_id(),
      attach => #{serialized => Hex(Ser(Attach)), owner => Hex(I), nonce => 3, code => <<"0102030405">>,
                  auth_fun => Hex(aeu_crypto_hash(<<"authorize">>)), ct_version => 16#80003, fee => 123, ttl => 0,
                  gas => 50000, gas_price => 1000000000, call_data => <<"2b11">>,
                  fee_gas_iris => FeeGas(Attach, 5)},
      offchain => Hex(Ser(OffTx)),
      offchain_signed => Hex(aetx_sign:serialize_to_binary(OffSigned)),
      close_mutual => Hex(Ser(CmTx)),
      meta_v2 => #{serialized => Hex(Ser(MetaV2)), signed => Hex(aetx_sign:serialize_to_binary(aetx_sign:new(MetaV2, []))),
                   ga => Hex(I), auth_data => <<"2b010203">>,
                   auth_id => Hex(aega_meta_tx:auth_id(MetaV2Rec)),
                   fee_gas_lima => FeeGas(MetaV2, 4), fee_gas_iris => FeeGas(MetaV2, 5), fee_gas_ceres => FeeGas(MetaV2, 6),
                   min_fee_ceres => aetx:min_fee(MetaV2, 1, 6),
                   auth_tx_hash_iris => Hex(AuthHash(InnerBin(OffSigned), 100000000000000, 1000000000, 5)),
                   auth_tx_hash_ceres => Hex(AuthHash(InnerBin(OffSigned), 100000000000000, 1000000000, 6))},
      meta_v1 => #{serialized => Hex(Ser(MetaV1)), ttl => 77},
      meta_both => #{serialized_outer_signed => Hex(aetx_sign:serialize_to_binary(aetx_sign:new(MetaBoth, []))),
                     inner_ga => Hex(R), outer_ga => Hex(Ga2),
                     inner_auth_id => Hex(aega_meta_tx:auth_id(MetaCmRec)),
                     outer_auth_id => Hex(aega_meta_tx:auth_id(MetaBothRec)),
                     %% on chain, each layer authenticates what it wraps (sequential)
                     inner_hash_ceres => Hex(AuthHash(InnerBin(CmSigned), 100000000000000, 1000000000, 6)),
                     outer_hash_ceres => Hex(AuthHash(InnerBin(Outer), 100000000000000, 1000000000, 6))},
      channel_id => #{initiator => Hex(I), responder => Hex(R),
                      auth_id => Hex(aega_meta_tx:auth_id(MetaV2Rec)),
                      with_auth_id => Hex(aesc_channels:pubkey(I, aega_meta_tx:auth_id(MetaV2Rec), R)),
                      with_nonce_185 => Hex(aesc_channels:pubkey(I, 185, R))},
      inner_gas_limit => #{create_ceres => aetx:inner_gas_limit(Create, 1, 6),
                           offchain_ceres => aetx:inner_gas_limit(OffTx, 1, 6),
                           close_mutual_ceres => aetx:inner_gas_limit(CmTx, 1, 6)},
      pk_example => Hex(Pk(1))
     },
    io:format("~s~n", [jsx:encode(Out, [space, {indent, 2}])]).

aeu_crypto_hash(Bin) -> aec_hash:hash(pubkey, Bin).
