/**
 * Query parameters that carry a credential: a code, a token, a secret, a verifier, a
 * password, an API key, a SigV4 signature (any spelling: snake_case, camelCase). dressipi
 * reads its token parameters from the query string too, so a refresh token can arrive
 * there.
 */
const CREDENTIAL_PARAMETER =
  /^(?:code|token|access_?token|refresh_?token|id_?token(?:_hint)?|client_?secret|code_?verifier|authorization_?code|password|api_?key|x-api-key|secret|assertion|session_?token|x-amz-(?:signature|security-token|credential))$/i;

/** A request URL as the access log may show it: credential values in the query replaced. */
export function loggableUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const params = new URLSearchParams(url.slice(start + 1));
  let redacted = false;
  for (const name of new Set(params.keys())) {
    if (CREDENTIAL_PARAMETER.test(name)) {
      params.set(name, 'REDACTED');
      redacted = true;
    }
  }
  return redacted ? `${url.slice(0, start)}?${params}` : url;
}
