#!/usr/bin/env node
// The `carousel` command. Carousel runs its TypeScript sources directly through tsx's loader, so
// there is no build step between a checkout and a running system.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv);
