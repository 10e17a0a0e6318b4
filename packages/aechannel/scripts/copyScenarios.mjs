// Copies the example scenarios of the repository (`examples/*.json`, and the compiled
// contracts they use, `examples/contracts/*.json`) into this package's `scenarios/` folder
// before it is packed, so `aechannel examples` runs after an install
// (runs from a checkout read `examples/` itself). Run by the `prepack` script.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const from = new URL('../../../examples/', import.meta.url);
const to = new URL('../scenarios/', import.meta.url);
const names = readdirSync(from).filter((name) => name.endsWith('.json'));
if (names.length === 0) throw new Error(`no scenario in ${from.pathname}`);
rmSync(to, { recursive: true, force: true });
mkdirSync(to);
for (const name of names) copyFileSync(new URL(name, from), new URL(name, to));
const contracts = readdirSync(new URL('contracts/', from)).filter((name) => name.endsWith('.json'));
mkdirSync(new URL('contracts/', to));
for (const name of contracts) copyFileSync(new URL(`contracts/${name}`, from), new URL(`contracts/${name}`, to));
console.log(`copied ${names.length} scenarios and ${contracts.length} compiled contracts to ${to.pathname}`);
