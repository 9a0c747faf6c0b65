import { InitialSchema1763769600000 } from './1763769600000-initial-schema.js';

/** Every migration, oldest first. A schema change is a new file here plus one line. */
export const MIGRATIONS = [InitialSchema1763769600000];
