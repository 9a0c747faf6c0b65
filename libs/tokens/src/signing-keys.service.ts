import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { KeyEncryption } from '@latchkey/crypto';
import type { SigningKeyState } from '@latchkey/persistence';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { createPrivateKey, type JsonWebKey as NodeJsonWebKey, type KeyObject } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { RETIRED_KEY_RETENTION_SECONDS } from './token-lifetimes.js';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';

/** A signing key as the admin API and the JWKS show it: public parts only. */
export interface SigningKeyView {
  kid: string;
  alg: SigningAlgorithm;
  state: SigningKeyState;
  createdAt: Date;
  /** kty and the key's public members, plus kid, alg and use "sig". Never a private member. */
  publicJwk: JWK;
}

/** The key that signs right now. */
export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** For node:crypto's one-shot sign, which tokens are signed with (compact-jws.ts). */
  signingKey: KeyObject;
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  state: SigningKeyState;
  publicKey: CryptoKey;
}

/** RFC 7517 §5. */
export interface JsonWebKeySet {
  keys: JWK[];
}

interface KeyRing {
  /** next, active and retired (not yet pruned) keys, in JWKS order. */
  keys: Map<string, VerificationKey & { view: SigningKeyView }>;
  active: ActiveSigningKey;
  loadedAt: number;
}

interface KeyRow {
  kid: string;
  alg: SigningAlgorithm;
  state: SigningKeyState;
  public_jwk: JWK;
  private_jwk_encrypted: Buffer | null;
  created_at: Date;
}

// Any constant shared by all Latchkey processes: replicas that create or rotate keys at
// the same moment take turns.
const SIGNING_KEYS_LOCK_ID = 0x4c6b_4b79; // "LkKy"
/** A cached key ring is re-read in the background after this long (a backstop for replicas). */
const CACHE_MAX_AGE_MS = 5 * 60 * 1000;
/** An unknown kid reloads the ring at most this often. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1000;
const STATE_ORDER: Record<SigningKeyState, number> = { active: 0, next: 1, retired: 2 };

/**
 * Signing keys: their life cycle (next → active → retired), the in-process key ring that
 * signs and verifies without touching the database, and the JWKS.
 *
 * - At start-up (or first use) there is exactly one `active` key and one `next` key; replicas
 *   that start together create them once (advisory lock).
 * - `rotate()` retires the active key, promotes `next` (already published, so relying
 *   parties that cache the JWKS know it) and generates a new `next`.
 * - A retired key stays published, and keeps verifying, for RETIRED_KEY_RETENTION_SECONDS:
 *   longer than any token it signed can live (the signer clamps lifetimes); then it is pruned.
 * - Private JWKs are stored only AES-256-GCM encrypted under KEY_ENCRYPTION_KEY with the kid
 *   as additional data; only the active key's private half is ever decrypted.
 * - The ring is cached in process. `invalidate()` re-reads it (call it when another replica
 *   rotated); `onChange()` tells listeners when this replica rotated, so that a later
 *   cross-replica channel can publish that. Until then, an unknown kid triggers a reload
 *   and the ring is re-read every few minutes.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SigningKeysService.name);
  private ring: KeyRing | undefined;
  private initializing: Promise<KeyRing> | undefined;
  private pendingLoad: Promise<KeyRing> | undefined;
  private loadChain: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void | Promise<void>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly keyEncryption: KeyEncryption,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ready();
  }

  /** Makes sure the keys exist and the ring is loaded; cheap once it is. */
  async ready(): Promise<void> {
    await this.currentRing();
  }

  /** The key that signs now (from the cache: no database access once loaded). */
  async activeKey(): Promise<ActiveSigningKey> {
    return (await this.currentRing()).active;
  }

  /**
   * The public key with this kid, if it is published (next, active, or retired and not yet
   * pruned). An unknown kid re-reads the table (at most once a second), so a key another
   * replica just activated is found.
   */
  async verificationKey(kid: string): Promise<VerificationKey | undefined> {
    let ring = await this.currentRing();
    let key = ring.keys.get(kid);
    if (!key && Date.now() - ring.loadedAt >= UNKNOWN_KID_RELOAD_INTERVAL_MS) {
      ring = await this.refresh();
      key = ring.keys.get(kid);
    }
    return key && { kid: key.kid, alg: key.alg, state: key.state, publicKey: key.publicKey };
  }

  /** The public keys of the next, active and retired (not yet pruned) keys. */
  async jwks(): Promise<JsonWebKeySet> {
    const ring = await this.currentRing();
    return { keys: [...ring.keys.values()].map((key) => ({ ...key.view.publicJwk })) };
  }

  /** Every published key, read from the database (active, next, then retired newest first). */
  async list(): Promise<SigningKeyView[]> {
    await this.ready();
    return (await this.selectPublished(this.dataSource.manager, false)).map(toView);
  }

  /**
   * Promotes `next` to active, retires the active key, and generates a new `next` (of
   * `nextAlg`, or else of the promoted key's algorithm). Returns the new active key.
   */
  async rotate(nextAlg?: SigningAlgorithm): Promise<SigningKeyView> {
    await this.ready();
    const kid = await this.dataSource.transaction(async (m) => {
      await lockKeys(m);
      const [current] = (await m.query(`SELECT kid, alg FROM signing_keys WHERE state = 'active'`)) as KeyRow[];
      const [next] = (await m.query(
        `SELECT kid, alg FROM signing_keys WHERE state = 'next' ORDER BY created_at, kid LIMIT 1`,
      )) as KeyRow[];
      await m.query(`UPDATE signing_keys SET state = 'retired', retired_at = now() WHERE state = 'active'`);
      let promoted: { kid: string; alg: SigningAlgorithm };
      if (next) {
        await m.query(`UPDATE signing_keys SET state = 'active', activated_at = now() WHERE kid = $1`, [next.kid]);
        promoted = next;
      } else {
        promoted = await this.insertKey(m, 'active', nextAlg ?? current?.alg ?? DEFAULT_SIGNING_ALGORITHM);
      }
      await this.insertKey(m, 'next', nextAlg ?? promoted.alg);
      await pruneRetired(m);
      return promoted.kid;
    });
    this.logger.log(`signing keys rotated: ${kid} is now active`);
    await this.invalidate();
    await this.notify();
    const rows = await this.selectPublished(this.dataSource.manager, false);
    return toView(rows.find((row) => row.kid === kid)!);
  }

  /**
   * Creates the active and next keys if either is missing, and prunes retired keys whose
   * tokens have all expired. Safe to run from many replicas at once.
   */
  async ensureKeys(): Promise<void> {
    const states = (await this.dataSource.query(
      `SELECT state FROM signing_keys WHERE state IN ('active', 'next')`,
    )) as Array<{ state: SigningKeyState }>;
    if (states.some((s) => s.state === 'active') && states.some((s) => s.state === 'next')) return;
    await this.dataSource.transaction(async (m) => {
      await lockKeys(m);
      const rows = (await m.query(
        `SELECT kid, alg, state FROM signing_keys WHERE state IN ('active', 'next') ORDER BY created_at, kid`,
      )) as KeyRow[];
      let active = rows.find((row) => row.state === 'active');
      const next = rows.filter((row) => row.state === 'next');
      if (!active && next.length > 0) {
        active = next.shift()!;
        await m.query(`UPDATE signing_keys SET state = 'active', activated_at = now() WHERE kid = $1`, [active.kid]);
      }
      const activeAlg = active?.alg ?? DEFAULT_SIGNING_ALGORITHM;
      if (!active) {
        const created = await this.insertKey(m, 'active', activeAlg);
        this.logger.log(`created signing key ${created.kid} (${activeAlg}, active)`);
      }
      if (next.length === 0) await this.insertKey(m, 'next', activeAlg);
      await pruneRetired(m);
    });
  }

  /** Re-reads the keys from the database; call it when another replica changed them. */
  async invalidate(): Promise<void> {
    await this.startLoad();
  }

  /** Called after this replica changed the keys (for a cross-replica invalidation channel). */
  onChange(listener: () => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async notify(): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener();
      } catch (error) {
        this.logger.warn({ err: error }, 'a signing-key change listener failed');
      }
    }
  }

  private async currentRing(): Promise<KeyRing> {
    const ring = this.ring;
    if (!ring) {
      this.initializing ??= (async () => {
        await this.ensureKeys();
        return this.refresh();
      })().finally(() => {
        this.initializing = undefined;
      });
      return this.initializing;
    }
    if (Date.now() - ring.loadedAt > CACHE_MAX_AGE_MS && !this.pendingLoad) {
      this.refresh().catch((error) => this.logger.warn({ err: error }, 'could not reload signing keys; using the cached ones'));
    }
    return ring;
  }

  /** Joins a load in flight, or starts one. */
  private refresh(): Promise<KeyRing> {
    return this.pendingLoad ?? this.startLoad();
  }

  /** A load that reads the table after every earlier load; the last one wins. */
  private startLoad(): Promise<KeyRing> {
    const load = this.loadChain
      .catch(() => undefined)
      .then(() => this.load())
      .then((ring) => (this.ring = ring));
    this.pendingLoad = load;
    this.loadChain = load;
    load
      .finally(() => {
        if (this.pendingLoad === load) this.pendingLoad = undefined;
      })
      .catch(() => undefined);
    return load;
  }

  private async load(): Promise<KeyRing> {
    let rows = await this.selectPublished(this.dataSource.manager, true);
    if (!rows.some((row) => row.state === 'active')) {
      await this.ensureKeys();
      rows = await this.selectPublished(this.dataSource.manager, true);
    }
    const keys: KeyRing['keys'] = new Map();
    let active: ActiveSigningKey | undefined;
    for (const row of rows) {
      const view = toView(row);
      keys.set(row.kid, { kid: row.kid, alg: row.alg, state: row.state, publicKey: await importPublic(row), view });
      if (row.state === 'active') {
        active = { kid: row.kid, alg: row.alg, signingKey: this.importPrivate(row) };
      }
    }
    if (!active) throw new Error('no active signing key');
    return { keys, active, loadedAt: Date.now() };
  }

  /** Published keys in JWKS order; the private half only for the active key, when asked. */
  private async selectPublished(m: EntityManager, withActivePrivate: boolean): Promise<KeyRow[]> {
    return m.query(
      `SELECT kid, alg, state, public_jwk, created_at,
              CASE WHEN $2::boolean AND state = 'active' THEN private_jwk_encrypted END AS private_jwk_encrypted
       FROM signing_keys
       WHERE state <> 'retired' OR retired_at > now() - $1::int * interval '1 second'
       ORDER BY CASE state WHEN 'active' THEN ${STATE_ORDER.active} WHEN 'next' THEN ${STATE_ORDER.next} ELSE ${STATE_ORDER.retired} END,
                created_at DESC, kid`,
      [RETIRED_KEY_RETENTION_SECONDS, withActivePrivate],
    );
  }

  private importPrivate(row: KeyRow): KeyObject {
    let plaintext: Buffer;
    try {
      plaintext = this.keyEncryption.decrypt(row.private_jwk_encrypted!, row.kid);
    } catch (error) {
      // AES-GCM only says "Unsupported state or unable to authenticate data". The usual
      // cause: a new DATA_DIR generated a new KEY_ENCRYPTION_KEY for an existing database.
      throw new Error(
        `cannot decrypt signing key ${row.kid}: KEY_ENCRYPTION_KEY is not the key it was encrypted with ` +
          '(set KEY_ENCRYPTION_KEY, or DATA_DIR, to the one this database was used with)',
        { cause: error },
      );
    }
    return createPrivateKey({ key: JSON.parse(plaintext.toString('utf8')) as NodeJsonWebKey, format: 'jwk' });
  }

  private async insertKey(m: EntityManager, state: 'active' | 'next', alg: SigningAlgorithm) {
    const key = await generateSigningKey(alg);
    await m.query(
      `INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_encrypted, state, activated_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'active' THEN now() END)`,
      [key.kid, alg, JSON.stringify(key.publicJwk), this.keyEncryption.encrypt(key.privateJwk, key.kid), state],
    );
    return { kid: key.kid, alg };
  }
}

/** A fresh key pair: kid = RFC 7638 thumbprint, public JWK with kid/alg/use, private JWK as JSON bytes. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<{ kid: string; publicJwk: JWK; privateJwk: Buffer }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const publicJwk: JWK = { ...publicMembers(exported), kid, alg, use: 'sig' };
  const privateJwk = Buffer.from(JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }), 'utf8');
  return { kid, publicJwk, privateJwk };
}

/** Only the members a public JWK of these key types may carry (RFC 7518 §6.2.1, §6.3.1). */
function publicMembers(jwk: JWK): JWK {
  return jwk.kty === 'RSA' ? { kty: jwk.kty, n: jwk.n, e: jwk.e } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function importPublic(row: KeyRow): Promise<CryptoKey> {
  return (await importJWK(publicMembers(row.public_jwk), row.alg)) as CryptoKey;
}

function toView(row: KeyRow): SigningKeyView {
  return {
    kid: row.kid,
    alg: row.alg,
    state: row.state,
    createdAt: row.created_at,
    publicJwk: { ...publicMembers(row.public_jwk), kid: row.kid, alg: row.alg, use: 'sig' },
  };
}

async function lockKeys(m: EntityManager): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEYS_LOCK_ID]);
}

async function pruneRetired(m: EntityManager): Promise<void> {
  await m.query(
    `DELETE FROM signing_keys WHERE state = 'retired' AND retired_at <= now() - $1::int * interval '1 second'`,
    [RETIRED_KEY_RETENTION_SECONDS],
  );
}
