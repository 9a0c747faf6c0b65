import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escapeHtml, formActionSource, pageHeaders, renderErrorPage, renderLoginPage, STYLESHEET } from './login-page.js';

describe('the login page', () => {
  it('escapes the characters that could leave text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('renders a form that posts username, password and the interaction to /oauth2/authorize, all escaped', () => {
    const html = renderLoginPage({ clientName: 'A & <B>', interaction: 'a.b.c', username: '"x"', error: '<oops>' });
    expect(html).toContain('<form method="post" action="/oauth2/authorize">');
    expect(html).toContain('<input type="hidden" name="interaction" value="a.b.c">');
    expect(html).toContain('name="username" type="text" value="&quot;x&quot;"');
    expect(html).toContain('name="password" type="password"');
    expect(html).toContain('<title>Sign in to A &amp; &lt;B&gt;</title>');
    expect(html).toContain('<strong>A &amp; &lt;B&gt;</strong>');
    expect(html).toContain('<p class="error" role="alert">&lt;oops&gt;</p>');
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//i);
    expect(renderLoginPage({ clientName: 'A', interaction: 'i', username: '', error: null })).not.toContain('class="error"');
    expect(renderErrorPage('<bad>')).toContain('&lt;bad&gt;');
  });

  it('allows exactly its own stylesheet, no script, no framing; form-action covers the redirect', () => {
    const hash = createHash('sha256').update(STYLESHEET).digest('base64');
    const login = pageHeaders({ redirectUri: 'https://app.example.com:8443/cb?x=1' });
    expect(login['content-security-policy']).toBe(
      `default-src 'none'; style-src 'sha256-${hash}'; form-action 'self' https://app.example.com:8443; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(login).toMatchObject({ 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
    expect(pageHeaders(null)['content-security-policy']).toContain("form-action 'none'");
    expect(renderLoginPage({ clientName: 'A', interaction: 'i', username: '', error: null })).toContain(`<style>${STYLESHEET}</style>`);
  });

  it('names a redirect URI in form-action by origin, or by scheme for app schemes', () => {
    expect(formActionSource('http://127.0.0.1:4000/cb')).toBe('http://127.0.0.1:4000');
    expect(formActionSource('com.example.app:/oauth/callback')).toBe('com.example.app:');
    expect(formActionSource('urn:ietf:wg:oauth:2.0:oob:auto')).toBe('urn:');
    expect(formActionSource('not a uri')).toBeNull();
  });
});
