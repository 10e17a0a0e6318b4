/** Value constructors for the fuzz generator. */
import { keyOf } from '../../../src/serialize.js';
import type { FateMap, FateValue } from '../../../src/values.js';

export { EMPTY_MAP, fBits, fBytes, fObject, fSome, fString, fTuple, fTypeRep, listFromArray, NIL, NONE, UNIT, type FateValue } from '../../../src/values.js';

/** A map from pairs. */
export function keyOfMap(pairs: [FateValue, FateValue][]): FateMap {
  return { kind: 'map', entries: new Map(pairs.map(([k, v]) => [keyOf(k), [k, v] as const])) };
}
