/**
 * A throwaway PostgreSQL server for tests, from the distribution's binaries (Debian: the `postgresql`
 * package, /usr/lib/postgresql/<version>/bin): initdb into a temp dir, pg_ctl start on a free port with
 * its unix socket in that dir and no TCP listener. PostgreSQL refuses to run as root, so as root the
 * server runs as the `postgres` system user (or `nobody`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/** The newest installed server's bin directory (CAMPUS_PAY_POSTGRES_BIN overrides), if any. */
function binDir(): string | undefined {
  const given = process.env.CAMPUS_PAY_POSTGRES_BIN;
  if (given) return given;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(root, versions[0], 'bin');
}

/** Whether PostgreSQL's server binaries are installed. CI requires them; a local run without them skips with a message. */
export function postgresAvailable(): boolean {
  const bin = binDir();
  if (bin && ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(bin, b)))) return true;
  if (process.env.CAMPUS_PAY_REQUIRE_POSTGRES)
    throw new Error(
      'PostgreSQL is required here (CAMPUS_PAY_REQUIRE_POSTGRES) but its server binaries are not installed',
    );
  console.warn(
    'PostgreSQL tests skipped: install the server (apt-get install postgresql) to run them; CI always runs them.',
  );
  return false;
}

/** As root, the user the server runs as, and its uid/gid for the temp dir. */
function serverUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name]).toString().trim());
      return { name, uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, but neither a postgres nor a nobody user exists to run PostgreSQL as');
}

export class PostgresServer {
  readonly #bin: string;
  readonly #user: ReturnType<typeof serverUser>;

  private constructor(
    /** The temp dir: the data directory's parent, and where the unix socket lives. */
    readonly dir: string,
    readonly port: number,
  ) {
    this.#bin = binDir()!;
    this.#user = serverUser();
  }

  static async start(): Promise<PostgresServer> {
    const s = new PostgresServer(mkdtempSync(join(tmpdir(), 'campus-pay-pg-')), await freePort());
    try {
      if (s.#user) chownSync(s.dir, s.#user.uid, s.#user.gid);
      await s.#pg('initdb', [
        '-D',
        s.#data,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]);
      await s.#pg('pg_ctl', [
        '-D',
        s.#data,
        '-l',
        join(s.dir, 'server.log'),
        '-w',
        '-o',
        `-p ${s.port} -k ${s.dir} -c listen_addresses='' -c fsync=off`,
        'start',
      ]);
    } catch (err) {
      rmSync(s.dir, { recursive: true, force: true });
      throw err;
    }
    return s;
  }

  /** What `new pg.Pool(...)` takes to reach this server over its unix socket. */
  get connection() {
    return { host: this.dir, port: this.port, user: 'postgres', database: 'postgres' };
  }

  async stop(): Promise<void> {
    await this.#pg('pg_ctl', ['-D', this.#data, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  get #data() {
    return join(this.dir, 'data');
  }

  #pg(tool: string, args: string[]) {
    const cmd = join(this.#bin, tool);
    return this.#user
      ? run('runuser', ['-u', this.#user.name, '--', cmd, ...args], { timeout: 60_000 })
      : run(cmd, args, { timeout: 60_000 });
  }
}
