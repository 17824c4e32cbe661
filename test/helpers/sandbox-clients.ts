import { afterAll, beforeAll } from 'vitest';
import { MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

export interface SandboxClients {
  sb: Sandbox;
  onecard: OneCardClient;
  zhixiao: ZhixiaoPayClient;
}

/**
 * A sandbox of the calling file, with a client of each gateway on it: started before its tests, closed
 * after them. OneCard tokens may be fetched back to back, and retries do not wait.
 */
export function sandboxClients(): SandboxClients {
  const t = {} as SandboxClients;
  beforeAll(async () => {
    t.sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
    t.onecard = new OneCardClient({ ...t.sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
    t.zhixiao = new ZhixiaoPayClient({ ...t.sb.zhixiao, retryBaseMs: 1 });
  });
  afterAll(() => t.sb?.close());
  return t;
}
