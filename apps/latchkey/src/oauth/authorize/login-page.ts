import { createHash } from 'node:crypto';

/**
 * The sign-in form and the error page of /oauth2/authorize: plain server-rendered HTML
 * that works without JavaScript, with one small inline stylesheet and no external asset.
 * Every value that comes from a request or the database is HTML-escaped.
 */

/** The one stylesheet; the pages' Content-Security-Policy allows exactly this text by hash. */
export const STYLESHEET = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;color:#1f2933;background:#f3f5f8}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;justify-content:center;padding:24px}
main{width:100%;max-width:380px;background:#fff;border:1px solid #dde3ea;border-radius:12px;padding:32px;box-shadow:0 4px 16px rgba(15,23,42,.06)}
h1{margin:0 0 4px;font-size:1.5rem;font-weight:600}
.client{margin:0 0 24px;color:#52606d}
.client strong{color:#1f2933}
.error{margin:0 0 20px;padding:10px 12px;border-radius:8px;background:#fdecec;border:1px solid #f5c2c2;color:#9b1c1c}
label{display:block;margin:0 0 6px;font-weight:500;font-size:.9rem}
input[type=text],input[type=password]{display:block;width:100%;margin:0 0 16px;padding:10px 12px;font:inherit;border:1px solid #c3ccd6;border-radius:8px;background:#fff;color:inherit}
input:focus{outline:2px solid #2f6fed;outline-offset:1px;border-color:#2f6fed}
button{width:100%;margin-top:8px;padding:11px 12px;font:inherit;font-weight:600;color:#fff;background:#2f6fed;border:0;border-radius:8px;cursor:pointer}
button:hover{background:#2458c6}
footer{margin-top:16px;color:#7b8794;font-size:.8rem}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLESHEET, 'utf8').digest('base64')}'`;

/** `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface LoginPageModel {
  clientName: string;
  interaction: string;
  username: string;
  error: string | null;
}

export function renderLoginPage(model: LoginPageModel): string {
  const client = escapeHtml(model.clientName);
  const error = model.error ? `\n<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  const focusPassword = model.username !== '';
  return page(
    `Sign in to ${client}`,
    `<h1>Sign in</h1>
<p class="client">to continue to <strong>${client}</strong></p>${error}
<form method="post" action="/oauth2/authorize">
<input type="hidden" name="interaction" value="${escapeHtml(model.interaction)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${escapeHtml(model.username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${focusPassword ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${focusPassword ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function renderErrorPage(message: string): string {
  return page(
    'Sign-in cannot continue',
    `<h1>Sign-in cannot continue</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="client">Return to the application you came from and try again.</p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<main>
${body}
</main>
<footer>Latchkey</footer>
</body>
</html>
`;
}

/**
 * The pages' headers. No script, image, font or frame may load; the stylesheet only by
 * its hash. form-action names, besides 'self', the origin of the client's redirect URI:
 * browsers (Chromium at least) apply form-action to the redirect that follows the form's
 * POST, and that redirect goes to the client.
 */
export function pageHeaders(form: { redirectUri: string } | null): Record<string, string> {
  const target = form ? formActionSource(form.redirectUri) : null;
  const formAction = form === null ? "'none'" : target === null ? "'self'" : `'self' ${target}`;
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
  };
}

/**
 * The CSP source expression for a redirect URI: its origin for http(s) (a registered URI
 * parses, and an origin holds no character CSP treats specially), its scheme otherwise
 * (app-claimed schemes like com.example.app:/callback).
 */
export function formActionSource(redirectUri: string): string | null {
  if (!URL.canParse(redirectUri)) return null;
  const url = new URL(redirectUri);
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : null;
}
