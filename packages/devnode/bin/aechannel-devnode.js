#!/usr/bin/env node
// Launcher kept in the repository so package managers can link the command before a build.
import '../dist/cli.js';
