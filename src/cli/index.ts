#!/usr/bin/env node
/** The `campus-pay` command: a sandbox, any gateway method as JSON, and signature debugging. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CampusPayError } from '../core/errors.js';
import { CAMPUS_PAY_ENV, loadEnvFile, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { OneCardClient } from '../onecard/client.js';
import { oneCardMethods } from '../onecard/methods.js';
import { ZhixiaoPayClient } from '../zhixiao/client.js';
import { zhixiaoMethods } from '../zhixiao/methods.js';
import { decrypt, doctor, signStringFor, verify } from './debug.js';

const HELP: Record<string, string> = {
  main: `campus-pay — SDK command line for Synjones OneCard and Zhixiao gateways

Usage: campus-pay <command> [options]

Commands:
  sandbox                       start both sandbox gateways and print their credentials
  onecard <method> [json|-]     call a OneCard method (e.g. queryCard '{"idtype":"sno","id":"1"}')
  zhixiao <method> [json|-]     call a Zhixiao method (e.g. queryOrder '{"out_trade_no":"A1"}')
  decrypt <onecard|zhixiao> <ciphertext>         decrypt a captured request / param / ret_content
  verify <onecard|zhixiao> <body|->              verify the signature of a captured body
  sign-string <onecard|zhixiao> <method> [json]  the fields and sign string the SDK would send
  doctor <onecard|zhixiao>      check keys, clock and the gateway without side effects

Options: --env-file <path> (default .env), --help
Run "campus-pay <command> --help" for more.`,
  sandbox: `campus-pay sandbox [--port <n>] [--host <addr>] [--token-interval-ms <ms>]

Starts the local sandbox (both gateways, pay pages, dashboard) and prints, as JSON, the URL and the
credentials to give the clients. Stops on Ctrl-C.`,
  onecard: `campus-pay onecard <method> [json|-]

<method> is an SDK method (${Object.keys(oneCardMethods).join(', ')})
or any gateway method name (synjones.onecard.…), sent with the same envelope.
The JSON input is an argument or, with "-", read from stdin. Output: the reply as JSON.

Environment (or .env): ${Object.values(CAMPUS_PAY_ENV.onecard).join(', ')}.
Keys may be PEM (with \\n escapes), bare base64, or a file path.

Careful with a real gateway: each token fetch invalidates the token your running services hold. Set
${CAMPUS_PAY_ENV.onecard.accessToken} to the token they use (e.g. from your Redis store) to avoid a fetch.`,
  zhixiao: `campus-pay zhixiao <method> [json|-]

<method> is one of ${Object.keys(zhixiaoMethods).join(', ')}.
Output: the reply as JSON.

Environment (or .env): ${Object.values(CAMPUS_PAY_ENV.zhixiao).join(', ')}.`,
  decrypt: `campus-pay decrypt <onecard|zhixiao> <ciphertext>

Decrypts a captured OneCard "request" (3DES) or Zhixiao "param"/"ret_content" (AES) with the configured key.`,
  verify: `campus-pay verify <onecard|zhixiao> <body|-> [--reveal]

Checks the signature of a captured body: a OneCard request (form), reply (errcode=…&request=…&sign=…) or
notification, or a Zhixiao request/notification (form) or reply (JSON). Prints whether it verifies and the
sign string; the access token or appSecret in it is masked unless --reveal.`,
  'sign-string': `campus-pay sign-string <onecard|zhixiao> <method> [json|-] [--token <t>] [--timestamp "yyyy-MM-dd HH:mm:ss"] [--reveal]

Prints the exact form fields and sign string the SDK would send. For OneCard <method> is the gateway
method name (synjones.onecard.query.card). The access token, appSecret and the sign are masked unless
--reveal.`,
  doctor: `campus-pay doctor <onecard|zhixiao>

Checks, without fetching a token or moving money: that the private key matches the registered public key
(set ${CAMPUS_PAY_ENV.onecard.merchantPublicKey}), the clock against the gateway's, and that the gateway accepts our
signature, app key and timestamp.`,
};

async function readInput(arg: string | undefined): Promise<unknown> {
  if (arg === undefined) return {};
  const text = arg === '-' ? readFileSync(0, 'utf8') : arg;
  try {
    return JSON.parse(text);
  } catch {
    throw new CampusPayError('validation', 'the input is not JSON');
  }
}

function print(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'env-file': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'token-interval-ms': { type: 'string' },
      token: { type: 'string' },
      timestamp: { type: 'string' },
      reveal: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || (values.help && !HELP[command])) {
    process.stdout.write(`${HELP.main}\n`);
    return command || values.help ? 0 : 1;
  }
  if (values.help) {
    process.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  if (command !== 'sandbox') loadEnvFile(values['env-file']);
  switch (command) {
    case 'sandbox': {
      const { startSandbox } = await import('../sandbox/index.js');
      const sb = await startSandbox({
        port: Number(values.port ?? 0),
        ...(values.host ? { host: values.host } : {}),
        onecard: { tokenMinIntervalMs: Number(values['token-interval-ms'] ?? 120_000) },
      });
      print({ url: sb.url, dashboard: `${sb.url}/`, onecard: sb.onecard, zhixiao: sb.zhixiao });
      process.stderr.write(`sandbox listening on ${sb.url} — Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await sb.close();
      return 0;
    }
    case 'onecard': {
      const [method, input] = rest;
      if (!method) throw new CampusPayError('validation', 'missing <method>; see campus-pay onecard --help');
      const client = new OneCardClient(oneCardOptionsFromEnv());
      const payload = await readInput(input);
      const fn = (client as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method];
      print(
        method in oneCardMethods && fn
          ? await fn.call(client, payload)
          : await client.call(method, payload as Record<string, unknown>),
      );
      return 0;
    }
    case 'zhixiao': {
      const [method, input] = rest;
      if (!method || !(method in zhixiaoMethods))
        throw new CampusPayError(
          'validation',
          `<method> must be one of ${Object.keys(zhixiaoMethods).join(', ')}`,
        );
      const client = new ZhixiaoPayClient(zhixiaoOptionsFromEnv());
      const fn = (client as unknown as Record<string, (p: unknown) => Promise<unknown>>)[method]!;
      print(await fn.call(client, await readInput(input)));
      return 0;
    }
    case 'decrypt':
    case 'verify':
    case 'sign-string':
    case 'doctor': {
      const [gateway, a, b] = rest;
      if (gateway !== 'onecard' && gateway !== 'zhixiao')
        throw new CampusPayError('validation', `${command} needs "onecard" or "zhixiao"; see --help`);
      if (command === 'doctor') {
        const checks = await doctor(gateway);
        print(checks);
        return checks.some((c) => c.status === 'failed') ? 1 : 0;
      }
      if (!a)
        throw new CampusPayError(
          'validation',
          `${command} needs an argument; see campus-pay ${command} --help`,
        );
      if (command === 'decrypt') print(decrypt(gateway, a));
      if (command === 'verify') {
        const r = verify(gateway, a === '-' ? readFileSync(0, 'utf8') : a, values.reveal ?? false);
        print(r);
        return r.valid ? 0 : 1;
      }
      if (command === 'sign-string') {
        print(
          signStringFor(gateway, a, await readInput(b), {
            ...(values.token ? { token: values.token } : {}),
            ...(values.timestamp ? { timestamp: values.timestamp } : {}),
            reveal: values.reveal ?? false,
          }),
        );
      }
      return 0;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP.main}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const out =
      err instanceof CampusPayError ? err.toJSON() : { name: 'Error', message: (err as Error).message };
    process.stderr.write(`${JSON.stringify({ error: out }, null, 2)}\n`);
    process.exitCode = 1;
  },
);
