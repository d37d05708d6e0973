#!/usr/bin/env node
// The `strata` command: loads the TypeScript CLI through tsx's loader so no build step is needed.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const main = fileURLToPath(new URL('../service/cli/main.ts', import.meta.url));
await import(main);
