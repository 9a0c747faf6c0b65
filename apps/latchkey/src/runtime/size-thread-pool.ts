// Imported first by main.ts, for its side effect: see thread-pool-size.ts.
import { sizeThreadPool } from './thread-pool-size.js';

sizeThreadPool();
