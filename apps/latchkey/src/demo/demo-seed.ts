import { Injectable, Logger } from '@nestjs/common';
import { LatchkeyEnvironment, resolveIssuer, shouldSeedDemo } from '@latchkey/config';
import { AuthorizationCodeService, s256Challenge } from '@latchkey/authorization-codes';
import { ClientRegistry } from '@latchkey/clients';
import { generateOpaqueToken } from '@latchkey/crypto';
import type { ClientProfile } from '@latchkey/persistence';
import { UsersService } from '@latchkey/users';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';

/** What the demo needs to remember: secrets are shown once by the API, so they are kept here. */
interface DemoCredentials {
  username: string;
  password: string;
  userId: string;
  huaweiSecret: string;
  dressipiApiKey: string;
}

const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
const OOB = 'urn:ietf:wg:oauth:2.0:oob:auto';
export const DEMO_CLIENTS: Record<ClientProfile, string> = {
  standard: 'demo-standard',
  midnight: 'demo-midnight',
  'aws-signin': 'arn:aws:signin:::devtools/same-device',
  huawei: 'demo-huawei',
  dressipi: 'demo-dressipi',
};

/**
 * SEED_DEMO: on an empty database, one demo user and one client per dialect; at every
 * start, a fresh code per client (10 minutes, PKCE S256 with a printed verifier) and a
 * curl line per dialect to try it. The demo's secrets live in DATA_DIR/demo-credentials.json
 * (mode 0600) because the API shows them only once.
 */
@Injectable()
export class DemoSeed {
  private readonly logger = new Logger('Demo');
  private readonly file: string;

  constructor(
    private readonly env: LatchkeyEnvironment,
    private readonly dataSource: DataSource,
    private readonly clients: ClientRegistry,
    private readonly users: UsersService,
    private readonly codes: AuthorizationCodeService,
  ) {
    this.file = join(resolve(env.DATA_DIR), 'demo-credentials.json');
  }

  get enabled(): boolean {
    return shouldSeedDemo(this.env);
  }

  /** Seeds when the database is empty; answers the credentials, or undefined when there is no demo. */
  async seed(): Promise<DemoCredentials | undefined> {
    if (!this.enabled) return undefined;
    const [{ n }] = await this.dataSource.query('SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM users) AS n');
    if (Number(n) === 0) return this.create();
    if (!existsSync(this.file)) return undefined; // a database that was not seeded by us
    return JSON.parse(readFileSync(this.file, 'utf8')) as DemoCredentials;
  }

  private async create(): Promise<DemoCredentials> {
    const password = generateOpaqueToken(12);
    const user = await this.users.create({ username: 'demo', password, name: 'Demo User', email: 'demo@example.com' });
    const common = { redirectUris: [REDIRECT_URI], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'] };
    await this.clients.register({ ...common, clientId: DEMO_CLIENTS.standard, name: 'Demo (standard OAuth 2.0)', profile: 'standard', type: 'public' });
    await this.clients.register({ ...common, clientId: DEMO_CLIENTS.midnight, name: 'Demo (midnight)', profile: 'midnight', type: 'public', domain: 'demo' });
    await this.clients.register({ ...common, clientId: DEMO_CLIENTS['aws-signin'], name: 'Demo (AWS sign-in)', profile: 'aws-signin', type: 'public' });
    const huawei = await this.clients.register({ ...common, clientId: DEMO_CLIENTS.huawei, name: 'Demo (Huawei OneAccess)', profile: 'huawei', type: 'confidential' });
    const dressipi = await this.clients.register({
      ...common,
      redirectUris: [OOB],
      clientId: DEMO_CLIENTS.dressipi,
      name: 'Demo (Dressipi)',
      profile: 'dressipi',
      type: 'public',
    });
    const credentials: DemoCredentials = {
      username: 'demo',
      password,
      userId: user.id,
      huaweiSecret: huawei.clientSecret!,
      dressipiApiKey: dressipi.apiKey!,
    };
    mkdirSync(resolve(this.env.DATA_DIR), { recursive: true });
    writeFileSync(this.file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    this.logger.log(`seeded the demo user and ${Object.keys(DEMO_CLIENTS).length} demo clients`);
    return credentials;
  }

  /** How to try each dialect against `baseUrl`, with fresh codes valid for 10 minutes. */
  async instructions(baseUrl: string, demo: DemoCredentials): Promise<string> {
    const verifier = generateOpaqueToken(32);
    const challenge = s256Challenge(verifier);
    const code = async (clientId: string, redirectUri = REDIRECT_URI) =>
      (
        await this.codes.issueForTrustedFrontEnd({
          clientId,
          userId: demo.userId,
          redirectUri,
          scope: 'openid profile email',
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
          expiresIn: 600,
        })
      ).code;
    const json = (value: unknown) => `'${JSON.stringify(value)}'`;
    const issuer = resolveIssuer(this.env, Number(new URL(baseUrl).port) || undefined);
    const authorize = `${baseUrl}/oauth2/authorize?response_type=code&client_id=${DEMO_CLIENTS.standard}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid%20profile&state=demo&code_challenge=${challenge}&code_challenge_method=S256`;
    return [
      `Demo (SEED_DEMO): user "${demo.username}", password "${demo.password}" (kept in ${this.file}); issuer ${issuer}`,
      `  Log in with a browser: ${authorize}`,
      `  Each line below uses a fresh code, valid for 10 minutes, and the PKCE verifier ${verifier}`,
      `  standard: curl -s ${baseUrl}/oauth2/token -d grant_type=authorization_code -d client_id=${DEMO_CLIENTS.standard} -d code=${await code(DEMO_CLIENTS.standard)} -d redirect_uri=${encodeURIComponent(REDIRECT_URI)} -d code_verifier=${verifier}`,
      `  midnight: curl -s ${baseUrl}/v1/Token/OAuth2/AuthorizationCode -H 'Content-Type: application/json' -d ${json({ Domain: 'demo', AuthorizationCode: await code(DEMO_CLIENTS.midnight), CodeVerifier: verifier, RedirectUri: REDIRECT_URI, UserPoolWebClientId: DEMO_CLIENTS.midnight })}`,
      `  aws-signin: curl -s ${baseUrl}/v1/token -H 'Content-Type: application/json' -d ${json({ clientId: DEMO_CLIENTS['aws-signin'], grantType: 'authorization_code', code: await code(DEMO_CLIENTS['aws-signin']), codeVerifier: verifier, redirectUri: REDIRECT_URI })}`,
      `  huawei: curl -s ${baseUrl}/api/v1/oauth2/token -d grant_type=authorization_code -d client_id=${DEMO_CLIENTS.huawei} -d client_secret=${demo.huaweiSecret} -d code=${await code(DEMO_CLIENTS.huawei)} -d redirect_uri=${encodeURIComponent(REDIRECT_URI)} -d code_verifier=${verifier}`,
      `  dressipi: curl -s ${baseUrl}/oauth/token -H 'x-api-key: ${demo.dressipiApiKey}' -H 'Content-Type: application/json' -d ${json({ grant_type: 'authorization_code', client_id: DEMO_CLIENTS.dressipi, code: await code(DEMO_CLIENTS.dressipi, OOB), code_verifier: verifier, redirect_uri: OOB })}`,
    ].join('\n');
  }
}
