#!/usr/bin/env node
// The `westward` command. In a clone it runs the TypeScript sources (Node strips the types); a
// packed install carries no src/, only the JavaScript that `npm pack` compiles (prepack).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const sources = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(sources) ? sources.href : new URL('../dist/src/cli/main.js', import.meta.url).href);
