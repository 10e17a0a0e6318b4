#!/usr/bin/env node
/**
 * The `aechannel` executable: `aechannel decode|devnode|examples|conformance ...`.
 * All logic lives in {@link runCli}; this file only wires it to the process.
 */
import { runCli } from './runCli.js';

process.exitCode = await runCli(process.argv.slice(2));
