import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { NO_RATE_LIMITS, ServiceDriver, Tally, type Client, type Reply } from './support/hardening.js';

/**
 * Races (DESIGN.md §5), on the real Postgres: single-use codes, rotating refresh tokens
 * with and without a grace window, and revocations racing refreshes and reuse detection,
 * where each side locks the token rows and the grant in the opposite order.
 */
describe('races at the token endpoint', () => {
  let t: TestApp;
  let d: ServiceDriver;
  let db: DataSource;
  let user: { id: string };
  const tally = new Tally('races');

  beforeAll(async () => {
    t = await startTestApp('hardening-races', { ...NO_RATE_LIMITS, LOG_LEVEL: 'fatal' });
    d = new ServiceDriver(t.baseUrl, tally);
    db = t.app.get(DataSource);
    user = await d.user();
  });
  afterAll(async () => {
    console.info(tally.summary());
    await t?.close();
  });

  const parallel = <T>(n: number, task: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => task(i)));
  const statuses = (replies: Reply[]) => replies.map((r) => r.status);
  const grantOf = async (accessToken: string): Promise<string> =>
    (await db.query(`SELECT grant_id FROM issued_tokens WHERE id = $1`, [decodeJwt(accessToken).jti]))[0].grant_id;
  /** Refresh tokens of a grant that are unconsumed, unrevoked, of a live grant: the family's live heads. */
  const liveRefreshTokens = async (grantId: string): Promise<number> =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id
         WHERE r.grant_id = $1 AND r.consumed_at IS NULL AND r.revoked_at IS NULL AND g.revoked_at IS NULL AND r.expires_at > now()`,
        [grantId],
      )
    )[0].n;
  const inactive = async (token: string, client: Client) => expect(await d.introspect(token, client)).toEqual({ active: false });
  const active = async (token: string, client: Client) => expect((await d.introspect(token, client)).active).toBe(true);

  it('100 parallel redemptions of one code: exactly one 200, 99 invalid_grant, and the replays revoke what the winner got', async () => {
    const client = await d.client();
    const { code, verifier } = await d.code(client, user.id);
    const replies = await parallel(100, () => d.redeem('standard', client, code, verifier));
    const winners = replies.filter((r) => r.status === 200);
    expect(winners, JSON.stringify(statuses(replies))).toHaveLength(1);
    const losers = replies.filter((r) => r.status !== 200);
    expect(losers.every((r) => r.status === 400 && r.body.error === 'invalid_grant'), JSON.stringify(losers.map((r) => r.body))).toBe(true);

    // RFC 6749 §4.1.2: a second redemption revokes every token issued from the code.
    const { access_token, refresh_token } = winners[0]!.body;
    await inactive(access_token, client);
    await inactive(refresh_token, client);
    const grantId = await grantOf(access_token);
    const [grant] = await db.query(`SELECT revoked_at IS NOT NULL AS revoked FROM grants WHERE id = $1`, [grantId]);
    expect(grant.revoked).toBe(true);
    expect(await liveRefreshTokens(grantId)).toBe(0);
    const [codeRow] = await db.query(`SELECT count(*)::int AS n FROM authorization_codes WHERE grant_id = $1 AND consumed_at IS NOT NULL`, [grantId]);
    expect(codeRow.n).toBe(1);
  });

  it('100 parallel refreshes of one token without grace: exactly one new token, and the reuse kills the family', async () => {
    const client = await d.client();
    const first = await d.signIn('standard', client, user.id);
    const replies = await parallel(100, () => d.refresh('standard', client, first.refreshToken!));
    const winners = replies.filter((r) => r.status === 200);
    expect(winners, JSON.stringify(statuses(replies))).toHaveLength(1);
    expect(replies.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(99);

    // The 99 others presented a rotated token: reuse, so the whole family is revoked,
    // the winner's successor and access tokens included.
    const grantId = await grantOf(first.accessToken);
    expect(await liveRefreshTokens(grantId)).toBe(0);
    const [successors] = await db.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE grant_id = $1 AND parent_digest IS NOT NULL`, [grantId]);
    expect(successors.n).toBe(1);
    await inactive(winners[0]!.body.refresh_token, client);
    await inactive(winners[0]!.body.access_token, client);
    await inactive(first.accessToken, client);
  });

  it('two parallel refreshes inside the grace window: both succeed, two live branches, as documented', async () => {
    const client = await d.client({ refreshGraceSeconds: 30 });
    const first = await d.signIn('standard', client, user.id);
    const replies = await parallel(2, () => d.refresh('standard', client, first.refreshToken!));
    expect(statuses(replies)).toEqual([200, 200]);
    const grantId = await grantOf(first.accessToken);
    expect(await liveRefreshTokens(grantId)).toBe(2);
    for (const reply of replies) {
      await active(reply.body.refresh_token, client);
      await active(reply.body.access_token, client);
    }
    // A third presentation is outside the one grace refresh: reuse, and the family dies.
    const third = await d.refresh('standard', client, first.refreshToken!);
    expect([third.status, third.body.error]).toEqual([400, 'invalid_grant']);
    expect(await liveRefreshTokens(grantId)).toBe(0);
    for (const reply of replies) await inactive(reply.body.refresh_token, client);
  });

  it('100 parallel refreshes inside the grace window: never more than the two documented successors', async () => {
    const client = await d.client({ refreshGraceSeconds: 30 });
    const first = await d.signIn('standard', client, user.id);
    const replies = await parallel(100, () => d.refresh('standard', client, first.refreshToken!));
    const winners = replies.filter((r) => r.status === 200);
    expect(winners.length, JSON.stringify(statuses(replies))).toBeGreaterThanOrEqual(1);
    expect(winners.length).toBeLessThanOrEqual(2);
    expect(replies.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(100 - winners.length);
    const grantId = await grantOf(first.accessToken);
    const [successors] = await db.query(`SELECT count(*)::int AS n FROM refresh_tokens WHERE grant_id = $1 AND parent_digest IS NOT NULL`, [grantId]);
    expect(successors.n).toBe(winners.length);
    // The late comers beyond the one grace refresh are reuse: the family is revoked.
    expect(await liveRefreshTokens(grantId)).toBe(0);
    for (const winner of winners) await inactive(winner.body.refresh_token, client);
  });

  it('admin revocation during refresh chains: no token of a revoked grant survives', async () => {
    const client = await d.client();
    const families = 16;
    const results = await parallel(families, async (i) => {
      const first = await d.signIn('standard', client, user.id);
      const grantId = await grantOf(first.accessToken);
      const received = [first.accessToken, first.refreshToken!];
      let refreshToken = first.refreshToken!;
      let revokedAt = -1;
      const chain = (async () => {
        for (let n = 0; n < 40; n++) {
          const res = await d.refresh('standard', client, refreshToken);
          if (res.status !== 200) return res;
          received.push(res.body.access_token, res.body.refresh_token);
          refreshToken = res.body.refresh_token;
        }
        return null;
      })();
      const revocation = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5 + ((i * 37) % 120)));
        const res = await d.admin('DELETE', `/admin/grants/${grantId}`);
        revokedAt = received.length;
        return res;
      })();
      const [end, revoked] = await Promise.all([chain, revocation]);
      return { grantId, received, end, revoked, revokedAt };
    });

    for (const family of results) {
      expect(family.revoked.status).toBe(204);
      // The chain ended with a refusal (the grant is gone), not a 500.
      expect(family.end?.status, JSON.stringify(family.end?.body)).toBe(400);
      expect(family.end?.body.error).toBe('invalid_grant');
      expect(await liveRefreshTokens(family.grantId)).toBe(0);
    }
    // Every token ever handed out for those grants is inactive now.
    for (const family of results) for (const token of family.received) await inactive(token, client);
  });

  it('reuse detection at the same instant as admin, user, client and RFC 7009 revocations: no 500, nothing survives', async () => {
    const rounds = 24;
    const outcome = await parallel(rounds, async (round) => {
      const owner = round % 4 === 2 ? await d.user() : user;
      const client = await d.client();
      const first = await d.signIn('standard', client, owner.id);
      const grantId = await grantOf(first.accessToken);
      const second = await d.refresh('standard', client, first.refreshToken!);
      expect(second.status).toBe(200);
      const live = second.body.refresh_token as string;
      // Many presentations of the live token (one rotates, the rest wait on its row lock
      // and then revoke the family for reuse) and of the rotated one, against a revocation
      // that locks the grant first.
      const revocation = () => {
        switch (round % 4) {
          case 0:
            return d.admin('DELETE', `/admin/grants/${grantId}`);
          case 1:
            return d.request('/oauth2/revoke', {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
              body: new URLSearchParams({ token: live, token_type_hint: 'refresh_token' }).toString(),
            });
          case 2:
            return d.admin('PATCH', `/admin/users/${owner.id}`, { disabled: true });
          default:
            return d.admin('DELETE', `/admin/clients/${encodeURIComponent(client.clientId)}`);
        }
      };
      const replies = await Promise.all([
        ...Array.from({ length: 6 }, () => d.refresh('standard', client, live)),
        revocation(),
        ...Array.from({ length: 3 }, () => d.refresh('standard', client, first.refreshToken!)),
      ]);
      const received = [first.accessToken, first.refreshToken!, second.body.access_token, live];
      for (const r of replies) if (r.status === 200 && r.body.refresh_token) received.push(r.body.access_token, r.body.refresh_token);
      return { round, client, grantId, replies, received };
    });

    const serverErrors = outcome.flatMap((o) => o.replies.filter((r) => r.status >= 500).map((r) => `round ${o.round}: ${r.status} ${r.text}`));
    expect(serverErrors).toEqual([]);
    for (const o of outcome) {
      expect(await liveRefreshTokens(o.grantId), `round ${o.round}`).toBe(0);
      // A deleted client cannot introspect; its grant's tokens are gone with it.
      if (o.round % 4 === 3) continue;
      for (const token of o.received) await inactive(token, o.client);
    }
  });
});
