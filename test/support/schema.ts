/** The tables of DESIGN.md §3 that migrations must create. */
export const SCHEMA_TABLES = [
  'authorization_codes',
  'clients',
  'grants',
  'issued_tokens',
  'refresh_tokens',
  'signing_keys',
  'users',
];

export const TABLES_QUERY = `
  SELECT table_name FROM information_schema.tables
  WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
