/** The devnode's test contract (`fixtures/counter.aes`, compiled into `fixtures/counter.json`). */
import { readFileSync } from 'node:fs';
import type { Encoded } from '@aechannel/codec';

/** The compiled counter: its bytecode and the calldata of the calls the tests make, by call text. */
export const counter = JSON.parse(readFileSync(new URL('../fixtures/counter.json', import.meta.url), 'utf8')) as {
  bytecode: Encoded<'cb'>;
  calldata: Record<string, Encoded<'cb'>>;
};

/** The calldata of `call` (such as `tick(1)`). */
export const cd = (call: string): Encoded<'cb'> => counter.calldata[call] as Encoded<'cb'>;
