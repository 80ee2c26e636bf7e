#!/usr/bin/env node
// The CLI entry: TypeScript sources run through tsx's loader.
import { register } from 'tsx/esm/api';
register();
await import('../cli/etcdop.ts');
