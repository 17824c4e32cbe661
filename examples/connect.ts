/**
 * Where the examples get their gateways. With the CAMPUS_PAY_* variables set (see the README) they talk
 * to your real gateways; otherwise each example starts an embedded sandbox, so it runs with no credentials.
 */
import {
  FileTokenStore,
  loadEnvFile,
  type OneCardClientOptions,
  oneCardOptionsFromEnv,
  type ZhixiaoPayClientOptions,
  zhixiaoOptionsFromEnv,
} from 'campus-pay';
import { type Sandbox, startSandbox } from 'campus-pay/sandbox';

export interface Gateways {
  onecard: OneCardClientOptions;
  zhixiao: ZhixiaoPayClientOptions;
  /** Present when running against the embedded sandbox. */
  sandbox?: Sandbox;
  close(): Promise<void>;
}

export async function connect(): Promise<Gateways> {
  loadEnvFile();
  if (process.env.CAMPUS_PAY_ONECARD_GATEWAY_URL || process.env.CAMPUS_PAY_ZHIXIAO_BASE_URL) {
    // Options are read when an example asks for them, so a missing variable is named by that example.
    return {
      get onecard() {
        // The CLI's token file: an example run right after `campus-pay onecard …` (or twice within 2
        // minutes) uses the token already fetched instead of being refused with 60048.
        const options = oneCardOptionsFromEnv();
        return { tokenStore: new FileTokenStore(), ...options };
      },
      get zhixiao() {
        return zhixiaoOptionsFromEnv();
      },
      close: async () => {},
    };
  }
  const sandbox = await startSandbox({ notifications: { retryDelaysMs: [0, 200, 500] } });
  return { onecard: sandbox.onecard, zhixiao: sandbox.zhixiao, sandbox, close: () => sandbox.close() };
}

/** ¥ for people, fen for machines. */
export const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)} (${fen} 分)`;

/** Runs an example's main and exits with a readable error. */
export function run(main: () => Promise<void>) {
  main().catch((err: Error & { code?: string }) => {
    console.error(`\n✗ ${err.name}${err.code ? ` [${err.code}]` : ''}: ${err.message}`);
    process.exitCode = 1;
  });
}
