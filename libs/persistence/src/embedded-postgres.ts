import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Real Postgres (PGlite, compiled to WebAssembly) kept under DATA_DIR, served on a
 * private Unix socket so that the ordinary `pg` driver talks to it exactly as it talks
 * to a Postgres server: the same migrations, the same type parsing, the same SQL.
 * PGlite is single-session, so the pool in front of it holds one connection.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly socketDir: string,
    private readonly lockFile: string,
  ) {}

  /** What to give `pg` (host is the socket's directory, as libpq does it). */
  get connection() {
    return { host: this.socketDir, port: 5432, username: 'postgres', database: 'postgres' };
  }

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const dir = resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lockFile = acquireDirectoryLock(resolve(dataDir, 'pglite.lock'));
    try {
      const db = await PGlite.create({ dataDir: dir });
      // A short private directory: socket paths are limited to ~100 bytes.
      const socketDir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
      const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432') });
      await server.start();
      return new EmbeddedPostgres(db, server, socketDir, lockFile);
    } catch (error) {
      safeUnlink(lockFile);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.socketDir, { recursive: true, force: true });
    safeUnlink(this.lockFile);
  }
}

/** PGlite's files must have one owner: two processes on one DATA_DIR would corrupt it. */
function acquireDirectoryLock(file: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `the embedded database in ${file.replace(/pglite\.lock$/, '')} is in use by process ${owner}; ` +
            'stop it, use another DATA_DIR, or set DATABASE_URL to share a Postgres server',
        );
      }
      safeUnlink(file); // left by a process that died
    }
  }
  throw new Error(`could not lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeUnlink(file: string) {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}
