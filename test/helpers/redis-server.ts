import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaled, waitFor } from './timeouts.js';

/** Whether a real redis-server is installed. CI requires it; a local run without one skips with a message. */
export function redisAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CAMPUS_PAY_REQUIRE_REDIS)
      throw new Error('redis-server is required here (CAMPUS_PAY_REQUIRE_REDIS) but is not installed');
    console.warn(
      'Redis tests skipped: install redis-server (apt-get install redis-server) to run them; CI always runs them.',
    );
    return false;
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A throwaway redis-server on loopback, no persistence, restartable on the same port. */
export class RedisServer {
  #proc: ChildProcess | undefined;
  constructor(
    readonly port: number,
    readonly extraArgs: string[] = [],
  ) {}

  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    const s = new RedisServer(await freePort(), extraArgs);
    await s.start();
    return s;
  }

  async start() {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.#proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as a Redis that hangs. */
  pause() {
    this.#proc?.kill('SIGSTOP');
  }

  /** Lets a paused server run again (SIGCONT); it answers what was queued meanwhile. */
  resume() {
    this.#proc?.kill('SIGCONT');
  }

  async stop() {
    const p = this.#proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
}

/**
 * Three throwaway redis-server nodes in cluster mode (no replicas) on loopback, in a temp dir for their
 * nodes.conf files. Every hash slot is assigned before start() resolves.
 */
export class RedisCluster {
  readonly #nodes: RedisServer[] = [];
  #dir = '';

  get ports(): number[] {
    return this.#nodes.map((n) => n.port);
  }

  static async start(size = 3): Promise<RedisCluster> {
    const c = new RedisCluster();
    c.#dir = mkdtempSync(join(tmpdir(), 'campus-pay-cluster-'));
    try {
      for (let i = 0; i < size; i++) {
        const dir = join(c.#dir, String(i));
        mkdirSync(dir);
        const node = new RedisServer(await freePort(), [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, 'nodes.conf'),
          '--dir',
          dir,
        ]);
        c.#nodes.push(node);
        await node.start();
      }
      execFileSync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...c.ports.map((p) => `127.0.0.1:${p}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { stdio: 'ignore', timeout: scaled(20_000) },
      );
      // `create` returns once the slots are assigned; wait until every node agrees the cluster is up.
      for (const port of c.ports)
        await waitFor(
          `redis cluster node ${port} to reach cluster_state:ok`,
          () =>
            execFileSync('redis-cli', ['-p', String(port), 'cluster', 'info']).includes('cluster_state:ok'),
          { withinMs: 10_000, everyMs: 50 },
        );
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  async stop() {
    await Promise.all(this.#nodes.map((n) => n.stop()));
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }
}
