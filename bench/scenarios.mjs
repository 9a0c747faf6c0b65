// The benchmark's scenarios, shared by scripts/bench.mjs (what to run), bench/latchkey/seed.mjs
// (what to seed) and bench/drive-dialects.mjs (what to send and what counts as ok).
//
// driver 'drive':    ../shared/bench/drive.mjs (the anchors' driver), one of its modes, against POST /oauth2/token
// driver 'dialects': bench/drive-dialects.mjs: the vendor dialects and introspection
// anchor: true when the anchors (node-oidc-provider, the limit server) run the same mode (--compare)
// baseline: the /oauth2/token scenario a dialect scenario is compared with (the "vs std" column)
// dpop: every request carries a DPoP proof (ES256, signed by the driver before the clock starts)
// paired baseline (pairedBaseline below): the same grant on /oauth2/token, interleaved with its
// dialect scenario in one driver run (the "vs paired" column)

import { REDIRECT_URI } from './latchkey/env.mjs';

export { REDIRECT_URI };
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob:auto';

/** The clients of each profile the seed creates (one per profile; the standard one is `bench`). */
export const PROFILE_CLIENTS = {
  midnight: { clientId: 'bench-midnight', type: 'public', domain: 'bench', redirectUri: REDIRECT_URI, scope: 'offline_access api:read' },
  // The AWS CLI's own client id (aws-signin clients are named by ARN); AWS's answers carry an ID token on code exchange.
  'aws-signin': { clientId: 'arn:aws:signin:::devtools/same-device', type: 'public', redirectUri: REDIRECT_URI, scope: 'openid' },
  huawei: { clientId: 'bench-huawei', type: 'confidential', redirectUri: REDIRECT_URI, scope: 'offline_access api:read' },
  dressipi: { clientId: 'bench-dressipi', type: 'public', apiKey: true, redirectUri: OOB_REDIRECT_URI, scope: 'offline_access api:read' },
};

const dialect = (name, profile, grant, format) => ({
  name,
  driver: 'dialects',
  profile,
  grant,
  format,
  baseline: grant === 'refresh_token' ? 'refresh_token' : 'authorization_code',
});

export const SCENARIOS = [
  { name: 'refresh_token', driver: 'drive', mode: 'refresh_token', anchor: true, what: 'POST /oauth2/token grant_type=refresh_token (client_secret_basic, form): rotation, one chain per connection' },
  { name: 'authorization_code', driver: 'drive', mode: 'authorization_code', anchor: true, what: 'POST /oauth2/token grant_type=authorization_code with PKCE S256 (client_secret_basic, form): one seeded code per request' },
  { name: 'client_credentials', driver: 'drive', mode: 'client_credentials', anchor: true, what: 'POST /oauth2/token grant_type=client_credentials scope=api:read (client_secret_basic)' },
  {
    ...dialect('dpop_refresh_form', 'standard', 'refresh_token', 'form'),
    dpop: true,
    what: 'POST /oauth2/token grant_type=refresh_token (client_secret_basic, form) with a DPoP proof (ES256) per request: DPoP-bound access tokens; /oauth2/token with the proof work aws-signin does',
  },
  { name: 'introspection', driver: 'dialects', profile: 'standard', grant: 'introspection', format: 'form', what: 'POST /oauth2/introspect (client_secret_basic) of live user access tokens: ok = active true' },
  { ...dialect('midnight_code_json', 'midnight', 'authorization_code', 'json'), what: 'midnight POST /v1/Token/OAuth2/AuthorizationCode, JSON body (public client, Domain, PKCE)' },
  { ...dialect('midnight_code_xml', 'midnight', 'authorization_code', 'xml'), what: 'midnight, the same in XML (<OAuth2AuthTokenRequestModel>)' },
  { dpop: true, ...dialect('aws_refresh_json', 'aws-signin', 'refresh_token', 'json'), what: 'aws-signin POST /v1/token grantType=refresh_token, JSON, a fresh DPoP proof (ES256) per request; refresh tokens bound to its key' },
  { dpop: true, ...dialect('aws_refresh_xml', 'aws-signin', 'refresh_token', 'xml'), what: 'aws-signin refresh in XML (<CreateOAuth2TokenRequest>)' },
  { dpop: true, ...dialect('aws_code_json', 'aws-signin', 'authorization_code', 'json'), what: 'aws-signin code exchange (PKCE, DPoP proof, scope openid: SigV4 credentials + ID token), JSON' },
  { dpop: true, ...dialect('aws_code_xml', 'aws-signin', 'authorization_code', 'xml'), what: 'aws-signin code exchange in XML' },
  { ...dialect('huawei_code_form', 'huawei', 'authorization_code', 'form'), what: 'huawei POST /api/v1/oauth2/token code exchange, form body with client_id + client_secret (PKCE)' },
  { ...dialect('huawei_code_xml', 'huawei', 'authorization_code', 'xml'), what: 'huawei code exchange in XML (<TokenRequest>)' },
  { ...dialect('huawei_refresh_form', 'huawei', 'refresh_token', 'form'), what: 'huawei refresh, form body' },
  { ...dialect('huawei_refresh_xml', 'huawei', 'refresh_token', 'xml'), what: 'huawei refresh in XML' },
  { ...dialect('dressipi_code_json', 'dressipi', 'authorization_code', 'json'), what: 'dressipi POST /oauth/token code exchange with x-api-key, JSON (out-of-band redirect URI, PKCE)' },
  { ...dialect('dressipi_code_xml', 'dressipi', 'authorization_code', 'xml'), what: 'dressipi code exchange in XML (<token_request>)' },
  { ...dialect('dressipi_refresh_json', 'dressipi', 'refresh_token', 'json'), what: 'dressipi refresh, JSON' },
  { ...dialect('dressipi_refresh_xml', 'dressipi', 'refresh_token', 'xml'), what: 'dressipi refresh in XML' },
];

/**
 * The scenarios a selection names: each word is a scenario name or the start of names
 * (`aws` = every aws_* scenario, `huawei_code` = both huawei code scenarios). Unknown words throw.
 */
export function selectScenarios(selection) {
  const words = String(selection ?? '').split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return [...SCENARIOS];
  const matches = (s, w) => s.name === w || s.name.startsWith(`${w}_`);
  for (const w of words) {
    if (!SCENARIOS.some((s) => matches(s, w))) throw new Error(`unknown scenario "${w}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return SCENARIOS.filter((s) => words.some((w) => matches(s, w)));
}

/** Names of paired baselines: `std_for_<dialect scenario>`. */
export const PAIRED_PREFIX = 'std_for_';

/**
 * The paired baseline of a dialect scenario: the same grant on POST /oauth2/token (the standard
 * confidential client, client_secret_basic, a form body), by the same driver, carrying the same
 * extra work as the dialect's requests: aws-signin's DPoP proof, and on its code exchange scope
 * openid (an ID token). The bench interleaves it with the dialect scenario in one driver run
 * (alternating slices, bench/drive-dialects.mjs --pair), so that the two are measured on the
 * same server in the same seconds, not at opposite ends of the run. Undefined for scenarios that
 * are not a dialect's (the /oauth2/token ones, introspection).
 */
export function pairedBaseline(s) {
  if (!s?.baseline || s.profile === 'standard') return undefined;
  const openid = s.profile === 'aws-signin' && s.grant === 'authorization_code';
  return {
    name: `${PAIRED_PREFIX}${s.name}`,
    driver: 'dialects',
    profile: 'standard',
    grant: s.grant,
    format: 'form',
    pairs: s.name,
    ...(s.dpop && { dpop: true }),
    ...(openid && { openid: true }),
    what: `${s.grant} on /oauth2/token (client_secret_basic, form)${s.dpop ? ' with a DPoP proof per request' : ''}${openid ? ', scope openid (ID token)' : ''}, interleaved with ${s.name}`,
  };
}

export const scenarioByName = (name) =>
  SCENARIOS.find((s) => s.name === name) ?? (name?.startsWith(PAIRED_PREFIX) ? pairedBaseline(SCENARIOS.find((s) => s.name === name.slice(PAIRED_PREFIX.length))) : undefined);
