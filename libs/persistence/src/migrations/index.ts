import { InitialSchema1763769600000 } from './1763769600000-initial-schema.js';
import { TokenRecordsWithoutForeignKeys1763942400000 } from './1763942400000-token-records-without-foreign-keys.js';
import { ExpiryIndexesForPurge1764028800000 } from './1764028800000-expiry-indexes-for-purge.js';

/** Every migration, oldest first. A schema change is a new file here plus one line. */
export const MIGRATIONS = [InitialSchema1763769600000, TokenRecordsWithoutForeignKeys1763942400000, ExpiryIndexesForPurge1764028800000];
