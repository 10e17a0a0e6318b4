/**
 * FATE types (typereps and function signatures, CONTRACTS.md §4.6) and the runtime type
 * check the node applies to call arguments and remote return values (`aefa_fate:check_type`).
 */
import type { FateValue, ObjectKind } from './values.js';

/** A FATE type, as the node represents it. */
export type FateType =
  | { readonly t: 'integer' }
  | { readonly t: 'boolean' }
  | { readonly t: 'string' }
  | { readonly t: 'bits' }
  | { readonly t: 'any' }
  | { readonly t: 'contract_bytearray' }
  | { readonly t: 'object'; readonly kind: ObjectKind }
  | { readonly t: 'list'; readonly elem: FateType }
  | { readonly t: 'tuple'; readonly elems: readonly FateType[] }
  | { readonly t: 'map'; readonly key: FateType; readonly value: FateType }
  | { readonly t: 'variant'; readonly constructors: readonly (readonly FateType[])[] }
  | { readonly t: 'bytes'; readonly size: number }
  | { readonly t: 'tvar'; readonly n: number };

/** Shorthands for common types. */
export const T = {
  integer: { t: 'integer' } as FateType,
  boolean: { t: 'boolean' } as FateType,
  string: { t: 'string' } as FateType,
  bits: { t: 'bits' } as FateType,
  any: { t: 'any' } as FateType,
  address: { t: 'object', kind: 'address' } as FateType,
  contract: { t: 'object', kind: 'contract' } as FateType,
  unit: { t: 'tuple', elems: [] } as FateType,
  tuple: (elems: readonly FateType[]): FateType => ({ t: 'tuple', elems }),
  list: (elem: FateType): FateType => ({ t: 'list', elem }),
};

/** Type variable bindings made while matching. */
export type TypeBindings = Map<number, FateType>;

/**
 * Does `value` have type `type` (binding type variables)? The node's `check_type`:
 * `any` and unbound variables match anything; a bound variable must match again.
 * @param type - the expected type
 * @param value - the value
 * @param bytesAny - whether `bytes()` (any size) is known (FATE_03)
 * @param bindings - type variable bindings, extended in place
 * @returns whether it matches
 */
export function matchType(type: FateType, value: FateValue, bytesAny: boolean, bindings: TypeBindings = new Map()): boolean {
  switch (type.t) {
    case 'any':
      return true;
    case 'tvar': {
      const bound = bindings.get(type.n);
      if (bound === undefined) {
        bindings.set(type.n, inferType(value));
        return true;
      }
      return matchType(bound, value, bytesAny, bindings);
    }
    case 'integer':
      return typeof value === 'bigint';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'object' && value.kind === 'string';
    case 'bits':
      return typeof value === 'object' && value.kind === 'bits';
    case 'contract_bytearray':
      return typeof value === 'object' && value.kind === 'contract_bytearray';
    case 'object':
      return typeof value === 'object' && value.kind === type.kind;
    case 'bytes':
      if (typeof value !== 'object' || value.kind !== 'bytes') return false;
      if (type.size === -1) return bytesAny;
      return value.bytes.length === type.size;
    case 'list': {
      if (typeof value !== 'object' || value.kind !== 'list') return false;
      for (let c = value; c.length > 0; c = c.tail!) if (!matchType(type.elem, c.head!, bytesAny, bindings)) return false;
      return true;
    }
    case 'tuple': {
      if (typeof value !== 'object' || value.kind !== 'tuple' || value.elements.length !== type.elems.length) return false;
      return type.elems.every((t, i) => matchType(t, value.elements[i]!, bytesAny, bindings));
    }
    case 'map': {
      if (typeof value !== 'object') return false;
      if (value.kind === 'store_map') return true;
      if (value.kind !== 'map') return false;
      for (const [k, v] of value.entries.values()) {
        if (!matchType(type.key, k, bytesAny, bindings) || !matchType(type.value, v, bytesAny, bindings)) return false;
      }
      return true;
    }
    case 'variant': {
      if (typeof value !== 'object' || value.kind !== 'variant') return false;
      if (value.arities.length !== type.constructors.length) return false;
      if (!type.constructors.every((c, i) => c.length === value.arities[i])) return false;
      const fields = type.constructors[value.tag];
      if (fields === undefined || fields.length !== value.values.length) return false;
      return fields.every((t, i) => matchType(t, value.values[i]!, bytesAny, bindings));
    }
  }
}

/** A type inferred from a value (element types from the first element; `any` for empty collections). */
export function inferType(value: FateValue): FateType {
  if (typeof value === 'bigint') return T.integer;
  if (typeof value === 'boolean') return T.boolean;
  switch (value.kind) {
    case 'string':
      return T.string;
    case 'bits':
      return T.bits;
    case 'bytes':
      return { t: 'bytes', size: value.bytes.length };
    case 'contract_bytearray':
      return { t: 'contract_bytearray' };
    case 'address':
    case 'contract':
    case 'oracle':
    case 'oracle_query':
    case 'channel':
      return { t: 'object', kind: value.kind };
    case 'tuple':
      return T.tuple(value.elements.map(inferType));
    case 'list':
      return T.list(value.length === 0 ? T.any : inferType(value.head!));
    case 'map': {
      const first = value.entries.values().next();
      return first.done === true ? { t: 'map', key: T.any, value: T.any } : { t: 'map', key: inferType(first.value[0]), value: inferType(first.value[1]) };
    }
    case 'store_map':
      return { t: 'map', key: T.any, value: T.any };
    case 'variant':
      return { t: 'variant', constructors: value.arities.map((a, i) => (i === value.tag ? value.values.map(inferType) : Array<FateType>(a).fill(T.any))) };
    case 'typerep':
      return T.any;
  }
}
