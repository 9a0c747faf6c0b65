/**
 * Logs in through the login page the way a browser without JavaScript does: follow the
 * authorization URL, fill the form's `username` and `password`, submit it with every other
 * field the page put in the form, carry cookies, and follow redirects until one leaves the
 * server. Answers that final Location (the client's redirect_uri with code, state, iss).
 */
export async function loginThroughForm(
  authorizationUrl: string | URL,
  credentials: { username: string; password: string },
  cookies = new CookieJar(),
): Promise<URL> {
  const start = new URL(authorizationUrl);
  let response = await fetch(start, { redirect: 'manual', headers: { cookie: cookies.header(start) } });
  cookies.store(start, response);
  let page = await response.text();
  if (response.status >= 300 && response.status < 400) return new URL(response.headers.get('location')!, start);
  if (response.status !== 200) throw new Error(`authorization page answered ${response.status}: ${page.slice(0, 300)}`);

  const form = parseForm(page);
  const action = new URL(form.action || start.pathname, start);
  const body = new URLSearchParams({ ...form.fields, username: credentials.username, password: credentials.password });
  response = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies.header(action) },
    body,
  });
  cookies.store(action, response);
  if (response.status >= 300 && response.status < 400) return new URL(response.headers.get('location')!, action);
  page = await response.text();
  throw new LoginFailed(response.status, page);
}

export class LoginFailed extends Error {
  constructor(
    readonly status: number,
    readonly page: string,
  ) {
    super(`login did not redirect: ${status}`);
  }
}

/** The first <form> of a page: its action and its named inputs' values (hidden and prefilled). */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const formTag = /<form\b[^>]*>/i.exec(html);
  if (!formTag) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  const action = decodeEntities(/\baction="([^"]*)"/i.exec(formTag[0])?.[1] ?? '');
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    if (!name || name === 'username' || name === 'password') continue;
    fields[decodeEntities(name)] = decodeEntities(/\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? '');
  }
  return { action, fields };
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Just enough of a cookie jar for one host: name=value pairs, sent back on every request. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(_url: URL, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  header(_url: URL): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get size() {
    return this.cookies.size;
  }
}
