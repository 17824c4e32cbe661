#!/usr/bin/env node
/** The `campus-pay` command: a sandbox, any gateway method as JSON, and signature debugging. */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CampusPayError, ConfigurationError, GatewayError } from '../core/errors.js';
import { defaultCacheDir } from '../core/file-token-store.js';
import { closest } from '../core/options.js';
import { CAMPUS_PAY_ENV, loadEnvFile } from '../env.js';
import { oneCardMethods } from '../onecard/methods.js';
import { TOO_OFTEN } from '../onecard/token.js';
import { zhixiaoMethods } from '../zhixiao/methods.js';
import { badArgument, resolveMethod } from './args.js';
import { oneCardFromEnv, zhixiaoFromEnv } from './clients.js';
import { decrypt, signStringFor, verify } from './debug.js';
import { doctor, doctorReport } from './doctor.js';
import { SANDBOX_ENV } from './env-file.js';
import { EXIT, EXIT_HELP, exitCodeOf } from './exit.js';
import { journalCommand } from './journal.js';
import { methodHelp } from './method-help.js';
import { reconcileCommand } from './reconcile.js';
import { FAULT_KINDS, FAULT_VALUES, sandboxCommand } from './sandbox.js';
import { paySandboxOrder, sandboxUrl, trigger } from './sandbox-tools.js';
import { CONFIG_ENV, DEFAULT_CONFIG, tenantsFor, useTenant } from './tenants.js';

/** What to do about a token refusal, in the CLI's terms (the library's message says why). */
function tooOftenHint(): string {
  return `OneCard allows one access-token fetch per app key every 2 minutes, and each fetch invalidates the token fetched before. Fixes: (1) share one token store between every process using this app key: this CLI keeps its token in ${defaultCacheDir()} between runs (unless --no-token-cache), where a script or a service on this machine shares it through FileTokenStore, and services on several machines use RedisTokenStore; (2) set ${CAMPUS_PAY_ENV.onecard.accessToken} to the token your services hold, so the CLI fetches none; (3) wait 2 minutes and run again.`;
}

const HELP: Record<string, string> = {
  main: `campus-pay — SDK command line for Synjones OneCard and Zhixiao gateways

Usage: campus-pay <command> [options]

Commands:
  sandbox [--write-env <file>]  start both sandbox gateways and print their credentials
  sandbox pay <order> [--fail]  pay a sandbox order as the payer (a second terminal)
  trigger <onecard|zhixiao> --to <url> [json]    send a signed test notification to your endpoint
  onecard <method> [json|-]     call a OneCard method (e.g. queryCard '{"idtype":"sno","id":"1"}')
  zhixiao <method> [json|-]     call a Zhixiao method (e.g. queryOrder '{"out_trade_no":"A1"}')
  decrypt <onecard|zhixiao> <ciphertext>         decrypt a captured request / param / ret_content
  verify <onecard|zhixiao> <body|->              verify the signature of a captured body
  sign-string <onecard|zhixiao> <method> [json]  the fields and sign string the SDK would send
  doctor [onecard|zhixiao]      find expiring certificates, exposed keys, clock skew, gateway faults
  journal <ls|show|sweep>       read and sweep the payment journal (--journal <file> | --redis <url>)
  reconcile <ledger.csv> --out <report.csv>      check your ledger against the gateways, order by order

Options: --env <file> (default .env; --env-file too, but see exit code 9), --no-token-cache, --help,
  --tenant <name>   use a tenant of the config file (--config <file>, else $${CONFIG_ENV}, else ./${DEFAULT_CONFIG})
                    instead of the CAMPUS_PAY_* variables; its secrets come from the environment or files
Run "campus-pay <command> --help" for more, "campus-pay onecard <method> --help" for a method's fields.

${EXIT_HELP}`,
  sandbox: `campus-pay sandbox [--write-env <file> [--tenants <n>]] [--fault <fault>]… [--json]
                  [--port <n>] [--host <addr>] [--strict-tokens | --token-interval-ms <ms>]
campus-pay sandbox pay <order> [--fail] [--url <sandbox url>]

Starts the local sandbox (both gateways, pay pages, the console), prints its URLs and what to run next,
then one line per notification attempt (the order, the URL, the merchant's HTTP status and answer, and
when the next attempt is due). Stops on Ctrl-C. No key is ever printed. --json prints the same as JSON
lines (URLs, app key, appid, paths; no key).

Token fetches are relaxed: the real gateway refuses a fetch within 2 minutes of the last one (60048),
this sandbox serves every fetch, so restarting your service or running an example after the CLI works.
Each fetch still invalidates the previous token, as on the gateway. --strict-tokens keeps the 2-minute
rule (to test how your service lives with it); --token-interval-ms <ms> sets another interval.

--write-env <file> writes every CAMPUS_PAY_* variable of this sandbox to <file> (mode 0600; PEMs
with \\n escapes; other lines of an existing file are kept), which the other commands read (--env,
default .env) and so do the examples: "campus-pay sandbox --write-env .env &", then "campus-pay onecard …".
--tenants <n> (2 to 9) also writes, for tenants 2…n, an app key and an appid this sandbox accepts with
the same keys: CAMPUS_PAY_TENANT<n>_ONECARD_APP_KEY and CAMPUS_PAY_TENANT<n>_ZHIXIAO_APP_ID.

--fault (repeatable) sets the sandbox's fault knobs (README, "Sandbox"):
  <kind>                 the next call (or notice) gets it; <kind>:<n> the next n
  <method>:<kind>[:<n>]  the next n calls of that method, by SDK or gateway name
                         (e.g. transfer:commitThenDrop:2: the next two transfers are booked, then dropped)
  <kind>=<share>         that share of every call, 0 to 1 (e.g. serverError=0.1)
  ${FAULT_VALUES.join('=<n>, ')}=<n> (milliseconds; busyAbove: calls at once)
  kinds: ${FAULT_KINDS.join(', ')}

"sandbox pay <order>" pays, as the payer would on the pay page, a Zhixiao order (out_trade_no) or a
OneCard recharge (order_no) of the running sandbox (--url, else ${SANDBOX_ENV.url} from the env file),
and prints its status; the sandbox then notifies the merchant. --fail makes the payment fail instead.`,
  onecard: `campus-pay onecard <method> [json|-]

<method> is a method of the SDK's table, by its SDK name (${Object.keys(oneCardMethods).join(', ')})
or its gateway name (synjones.onecard.query.card runs queryCard): the input is validated as the client
validates it. Any other gateway method is called by its full name, synjones.…, through the client's
call(): sent as given in the same envelope, never resent. Any other name is refused before anything is
sent, with the closest table method.
The JSON input is an argument or, with "-", read from stdin. Output: the reply as JSON.

Environment (or .env): ${Object.values(CAMPUS_PAY_ENV.onecard).join(', ')}.
Keys may be PEM (with \\n escapes), bare base64, or a file path.

The access token is cached between runs, per gateway URL and app key, in a file only you can read under
$CAMPUS_PAY_CACHE_DIR, else $XDG_CACHE_HOME/campus-pay, else ~/.cache/campus-pay: the gateway allows one
token fetch per 2 minutes, so without it a second run in a row fails with 60048. --no-token-cache fetches
a token for this run only.

Careful with a real gateway: each token fetch invalidates the token your running services hold. Set
${CAMPUS_PAY_ENV.onecard.accessToken} to the token they use (e.g. from your Redis store) to avoid a fetch.`,
  zhixiao: `campus-pay zhixiao <method> [json|-]

<method> is a method of the SDK's table, by its SDK name (${Object.keys(zhixiaoMethods).join(', ')})
or its documented path (/pay_api/…); any other name is refused before anything is sent, with the
closest table method. Output: the reply as JSON.

Environment (or .env): ${Object.values(CAMPUS_PAY_ENV.zhixiao).join(', ')}.`,
  trigger: `campus-pay trigger <onecard|zhixiao> --to <url> [json|-]

Sends a correctly signed payment notice to <url> the way the gateway does (a form POST), so you can test
your own endpoint; prints the endpoint's HTTP status and body. Exit code 0 only if it acknowledged
("ok" for OneCard, "success" for Zhixiao). The JSON overrides fields of the notice, e.g.
'{"out_trade_no":"A1"}' (Zhixiao) or '{"out_id":"R1","order_amount":"250"}' (OneCard, fen).

Zhixiao notices are signed with CAMPUS_PAY_ZHIXIAO_APP_ID, _APP_SECRET and _AES_KEY. OneCard notices are
signed with the platform's private key, which only the sandbox has (${SANDBOX_ENV.platformPrivateKey},
written by "campus-pay sandbox --write-env"), and encrypted with CAMPUS_PAY_ONECARD_DES_KEY: your endpoint
must verify with that sandbox's platform public key.`,
  decrypt: `campus-pay decrypt <onecard|zhixiao> <ciphertext>

Decrypts a captured OneCard "request" (3DES) or Zhixiao "param"/"ret_content" (AES) with the configured key.`,
  verify: `campus-pay verify <onecard|zhixiao> <body|-> [--reveal]

Checks the signature of a captured body: a OneCard request (form), reply (errcode=…&request=…&sign=…) or
notification, or a Zhixiao request/notification (form) or reply (JSON). Prints whether it verifies and the
sign string; the access token or appSecret in it is masked unless --reveal.`,
  'sign-string': `campus-pay sign-string <onecard|zhixiao> <method> [json|-] [--token <t>] [--timestamp "yyyy-MM-dd HH:mm:ss"] [--reveal]

Prints the exact form fields and sign string the SDK would send. <method> is a table method by its SDK
name (queryCard) or gateway name (synjones.onecard.query.card, /pay_api/order_query), or for OneCard any
other synjones.… name as given; anything else is refused with the closest table method. The access
token, appSecret and the sign are masked unless --reveal.`,
  doctor: `campus-pay doctor [onecard|zhixiao] [--tenant <name>] [--config <file>] [--strict] [--verbose] [--format json]

Finds, for each tenant (--tenant: that one; else every tenant of the config file; else the environment's
settings), what would stop the gateway calls, today or soon, without fetching a token or moving money:
  - certificates (a PKCS#12 private key's, platformPublicKey or merchantPublicKey given as X.509): expired,
    or ending within 30 days (bare keys have no expiry: said with --verbose);
  - key and secret files that group or others may read, or that sit in a git work tree (ignored or not);
  - the private key against the registered public key (set ${CAMPUS_PAY_ENV.onecard.merchantPublicKey});
  - proxy variables (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY) that would catch the gateway's host;
  - an https gateway's TLS certificate: expiry, host name, issuer trusted;
  - the gateway itself: reachable (else the host and what the network error means), this clock against
    the gateway's (OneCard refuses more than 6 minutes: 40018), and our app key, keys and signature accepted.
The probe is a query sent by the SDK's client over the same transport as every call (OneCard: with a token
the gateway cannot know, so it answers 40017).

Output: one line per failure (FAIL) and warning (WARN) with what to do, then a summary; --verbose lists
every check; --format json prints every finding as JSON.

Exit codes: 0 no failure (warnings allowed, unless --strict); 1 a failure, or a warning with --strict;
2 the checks could not run (a bad argument or config file; on stderr as JSON).`,
  journal: `campus-pay journal ls [--state <s,…|all>] [--gateway onecard|zhixiao] [--older-than <age>] [--format table|json]
campus-pay journal show <id|order key>
campus-pay journal sweep [--gateway onecard|zhixiao] [--older-than <age>] [--state <s,…>] [--concurrency <n>]
each with --journal <file> (a FileJournalStore) or --redis <url> [--redis-prefix <p>] (a RedisJournalStore;
needs the ioredis package)

The payment journal your service writes (its clients' "journal" option; docs/reliability.md).

ls     entries, by default the unsettled ones (intent, unknown, pending, needs-review); --state all lists
       every one. --older-than: last updated longer ago than that (90s, 10m, 2h, 1d). Output: a table on a
       terminal, else JSON lines, one entry each (--format chooses).
show   one entry as JSON, by its id or by its order key (when that names one entry).
sweep  client.sweep() for each gateway the environment configures (or .env, as for "campus-pay onecard"):
       every unsettled entry of those credentials last updated longer ago than --older-than (default 1m)
       is asked about and moved forward. No onSettled handler runs here: your service's own sweep
       announces what this one settled, so no settlement event is lost to a terminal. A progress bar on
       stderr on a terminal. On stdout, a JSON line per entry the gateway answered for (id, gateway,
       method, orderKey, amount, state, moved, note), then a summary line per gateway with the entries
       that could not be asked; on a terminal, a short summary per gateway.

Journal entries hold nothing secret (no key, token or signature), and nothing secret is printed.

Exit codes: 0 done; 1 needs attention: (show) no such entry, (sweep) entries that could not be asked or
that need a person (needs-review); 2 usage or configuration error; 3, 4, 5 a failure that stopped the
run, by its kind (campus-pay --help; the error is on stderr as JSON); 130 interrupted (Ctrl-C).`,
  reconcile: `campus-pay reconcile <ledger.csv> --out <report.csv> [--resume | --overwrite] [--concurrency <n>]

Checks each row of your ledger against its gateway, one query per order (neither gateway offers a
statement download), with at most --concurrency queries at once (default 4, up to 64), fewer while the
gateway asks to slow down. Clients come from the environment (or .env), as for "campus-pay onecard".

The ledger: CSV in UTF-8 (with or without the byte-order mark Excel writes), CRLF or LF line ends, fields
quoted as Excel quotes them. Its first line is a header naming these columns, in any order (other
columns are ignored):
  gateway     onecard | zhixiao
  order_key   your order number: OneCard recharge order_no, Zhixiao out_trade_no
  amount_fen  the amount in integer fen (1 yuan = 100 fen)
  state       succeeded | failed | pending, as your books have it
  method      (optional) the SDK method that made the order; default recharge (OneCard), createOrder
              (Zhixiao). transfer, payByBarcode and refundOrder have no query: cannot-query
  tenant      (optional) gatewayUrl#appKey or baseUrl#appId: a row of other credentials is cannot-query

The report: CSV (UTF-8 with a byte-order mark, CRLF), one line per ledger row, in ledger order, columns
  row, gateway, order_key, result, ledger_amount_fen, ledger_state, gateway_amount_fen, gateway_state, note
where row is the ledger's line number (its header is line 1) and result is one of
  matched          the gateway agrees: state, and amount where its answer has one (OneCard)
  amount-mismatch  the gateway has another amount
  state-mismatch   the gateway has another state
  missing          the gateway does not know the order
  cannot-query     no query reports the method, or the gateway could not be asked (note says why)
  unreadable       the row itself is wrong (a bad amount, an unknown gateway or state); note names it
A row that cannot be read is reported and the run goes on. At the end, a summary table on stdout; while
running, a progress bar on stderr on a terminal.

An interrupted run (Ctrl-C, a crash) leaves a report of the rows done. --resume reads how many rows it
holds, checks that its last row is this ledger's row, and continues from the next one. Without --resume or
--overwrite an existing report is left alone. Both files are streamed: memory stays flat on any ledger.

Exit codes: 0 every row matched; 1 some row did not (any other result); 2 usage or configuration error
(no header, a report of another ledger, no gateway configured); 3, 4, 5 a failure that stopped the run,
by its kind (campus-pay --help; on stderr as JSON); 130 interrupted (continue with --resume).`,
};

async function readInput(command: string, arg: string | undefined): Promise<unknown> {
  if (arg === undefined) return {};
  const text = arg === '-' ? readFileSync(0, 'utf8') : arg;
  try {
    return JSON.parse(text);
  } catch {
    throw badArgument(command, arg === '-' ? '<stdin>' : '[json]', 'is not JSON');
  }
}

function print(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  env: { type: 'string' },
  'env-file': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'token-interval-ms': { type: 'string' },
  token: { type: 'string' },
  timestamp: { type: 'string' },
  reveal: { type: 'boolean' },
  'write-env': { type: 'string' },
  tenants: { type: 'string' },
  fault: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'no-token-cache': { type: 'boolean' },
  fail: { type: 'boolean' },
  url: { type: 'string' },
  to: { type: 'string' },
  journal: { type: 'string' },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  state: { type: 'string' },
  gateway: { type: 'string' },
  'older-than': { type: 'string' },
  concurrency: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'strict-tokens': { type: 'boolean' },
  config: { type: 'string' },
  tenant: { type: 'string' },
  strict: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** The command line, with an unknown or malformed option refused as a usage error naming the closest one. */
function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    const flag = /'(-[^']*)'/.exec((err as Error).message)?.[1] ?? '<option>';
    const near = closest(flag.replace(/^-+/, ''), Object.keys(OPTIONS));
    const why =
      (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `is not an option${near ? `; did you mean --${near}?` : ''}`
        : (err as Error).message.split('.')[0]!;
    throw badArgument(argv.find((a) => !a.startsWith('-')) ?? '', flag, `${why} (see --help)`);
  }
}

/**
 * Loads --env (or --env-file, or .env when it exists). A file that is not there or cannot be read is a
 * configuration error naming the option, not Node's own message.
 */
function readEnvFile(path: string | undefined, viaEnv: boolean): void {
  const option = viaEnv ? '--env' : '--env-file';
  if (path !== undefined && !existsSync(path))
    throw new ConfigurationError(
      option,
      `${path} does not exist (run "campus-pay sandbox --write-env ${path}", or give another file)`,
    );
  try {
    loadEnvFile(path);
  } catch (err) {
    if (err instanceof CampusPayError) throw err;
    throw new ConfigurationError(
      option,
      `cannot read ${path ?? '.env'} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (!command || (values.help && !HELP[command])) {
    // Without a command, the help is the error message.
    (command || values.help ? process.stdout : process.stderr).write(`${HELP.main}\n`);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  if (values.help) {
    const gateway = command === 'onecard' || command === 'zhixiao' ? command : undefined;
    const method = gateway && rest[0] && !rest[0].startsWith('synjones.') ? rest[0] : undefined;
    process.stdout.write(`${method ? methodHelp(gateway!, method) : HELP[command]}\n`);
    return 0;
  }
  const startsSandbox = command === 'sandbox' && rest[0] === undefined;
  if (!startsSandbox)
    readEnvFile(values.env === undefined ? values['env-file'] : values.env, values.env !== undefined);
  // A tenant's settings take the place of the environment's for this run (doctor reads each tenant's).
  if (values.tenant !== undefined && !startsSandbox && command !== 'doctor')
    useTenant(tenantsFor(values)[0]!);
  switch (command) {
    case 'sandbox': {
      if (rest[0] === 'pay') {
        if (!rest[1]) throw badArgument('sandbox pay', '<order>', 'missing; see campus-pay sandbox --help');
        const { result, ok } = await paySandboxOrder(sandboxUrl(values.url), rest[1], !values.fail);
        print(result);
        return ok ? 0 : 1;
      }
      if (rest[0] !== undefined)
        throw badArgument('sandbox', '<subcommand>', `"${rest[0]}" is not one; see --help`);
      return sandboxCommand(values);
    }
    case 'onecard': {
      const [name, input] = rest;
      const target = resolveMethod('onecard', oneCardMethods, name, RAW_ONECARD);
      const { client, noteRefusal } = await oneCardFromEnv(values['no-token-cache'] ?? false);
      const payload = await readInput(command, input);
      try {
        print(
          'method' in target
            ? await callTableMethod(client, target.method, payload)
            : await client.call(target.raw, payload as Record<string, unknown>),
        );
      } catch (err) {
        await noteRefusal(err);
        throw err;
      }
      return 0;
    }
    case 'trigger': {
      const [gateway, input] = rest;
      if (gateway !== 'onecard' && gateway !== 'zhixiao')
        throw badArgument(command, '<gateway>', 'must be "onecard" or "zhixiao"; see --help');
      const { result, acknowledged } = await trigger(gateway, values.to, await readInput(command, input));
      print(result);
      return acknowledged ? 0 : 1;
    }
    case 'zhixiao': {
      const [name, input] = rest;
      const target = resolveMethod('zhixiao', zhixiaoMethods, name);
      const client = zhixiaoFromEnv();
      const payload = await readInput(command, input);
      print(await callTableMethod(client, target.method, payload));
      return 0;
    }
    case 'journal':
      return journalCommand(rest[0], rest.slice(1), values);
    case 'reconcile':
      return reconcileCommand(rest[0], values);
    case 'doctor': {
      const gateway = rest[0];
      if (gateway !== undefined && gateway !== 'onecard' && gateway !== 'zhixiao')
        throw badArgument(
          command,
          '<gateway>',
          'must be "onecard" or "zhixiao" (or left out: both); see --help',
        );
      const findings = await doctor(tenantsFor(values), gateway ? { gateway } : {});
      const report = doctorReport(findings, { ...values, json: values.format === 'json' });
      process.stdout.write(report.text);
      return report.exitCode;
    }
    case 'decrypt':
    case 'verify':
    case 'sign-string': {
      const [gateway, a, b] = rest;
      if (gateway !== 'onecard' && gateway !== 'zhixiao')
        throw badArgument(command, '<gateway>', 'must be "onecard" or "zhixiao"; see --help');
      if (!a) throw badArgument(command, '<argument>', `missing; see campus-pay ${command} --help`);
      if (command === 'decrypt') print(decrypt(gateway, a));
      if (command === 'verify') {
        const r = verify(gateway, a === '-' ? readFileSync(0, 'utf8') : a, values.reveal ?? false);
        print(r);
        return r.valid ? 0 : 1;
      }
      if (command === 'sign-string') {
        print(
          signStringFor(gateway, wireName(gateway, a), await readInput(command, b), {
            ...(values.token ? { token: values.token } : {}),
            ...(values.timestamp ? { timestamp: values.timestamp } : {}),
            reveal: values.reveal ?? false,
          }),
        );
      }
      return 0;
    }
    default: {
      const near = closest(
        command,
        Object.keys(HELP).filter((c) => c !== 'main'),
      );
      throw badArgument(
        command,
        '<command>',
        `"${command}" is not a command${near ? `; did you mean ${near}?` : ''} (campus-pay --help lists them)`,
      );
    }
  }
}

/**
 * The gateway's name for `<method>` (SDK or wire name; OneCard: any synjones.… name as given): a
 * queryCard must not be signed as \`method: queryCard\`. Anything else is refused with the closest name.
 */
function wireName(gateway: 'onecard' | 'zhixiao', name: string): string {
  const target =
    gateway === 'onecard'
      ? resolveMethod('onecard', oneCardMethods, name, RAW_ONECARD)
      : resolveMethod('zhixiao', zhixiaoMethods, name);
  if ('raw' in target) return target.raw;
  const table: Record<string, { wire: string | undefined }> =
    gateway === 'onecard' ? oneCardMethods : zhixiaoMethods;
  return table[target.method]!.wire ?? target.method;
}

/** OneCard methods outside the table, by their full name. */
const RAW_ONECARD = {
  accepts: (n: string) => n.startsWith('synjones.'),
  hint: 'a gateway method outside it by its full name, synjones.…',
};

/** Runs a table method by name: the client has one method per table entry (its type says so). */
function callTableMethod(client: object, method: string, payload: unknown): Promise<unknown> {
  return (client as Record<string, (p: unknown) => Promise<unknown>>)[method]!.call(client, payload);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const out =
      err instanceof CampusPayError ? err.toJSON() : { name: 'Error', message: (err as Error).message };
    if (err instanceof GatewayError && TOO_OFTEN.has(err.gatewayCode)) out.hint = tooOftenHint();
    process.stderr.write(`${JSON.stringify({ error: out }, null, 2)}\n`);
    process.exitCode = exitCodeOf(err);
  },
);
