/**
 * Configuration of the gateway and the worker: read from environment variables and CLI flags
 * (flags win), validated with zod once at start-up. A bad configuration fails with one error
 * listing every bad value, its name and what was expected, so an operator fixes them all in
 * one go instead of one per restart.
 *
 * Flags are the kebab-case of the variable names: `HEARTBEAT_MS` is `--heartbeat-ms 5000` or
 * `--heartbeat-ms=5000`; yes/no settings also take `--name` and `--no-name`. An empty
 * variable (`API_KEY=` in a compose file) counts as unset.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { GATEWAY_DEFAULTS as D } from './gateway/core.ts';
import { LIMIT_DEFAULTS as L } from './gateway/limits-defaults.ts';
import { publicPatternProblem, ROOM_POLICY_DEFAULTS, ROOM_RULE_NAMES, type RoomPublishMode, type RoomRuleName } from './gateway/room-policy.ts';
import { ROOM_PROXY_DEFAULTS } from './gateway/room-proxy.ts';

/** How one setting is named outside: its variable (and older aliases), and how to show and parse it. */
export interface SettingName {
  /** Environment variable; the flag is its kebab-case. */
  env: string;
  /** Other variables read when `env` is unset (their flags too). */
  aliases?: readonly string[];
  /** Never echo the value in errors. */
  secret?: boolean;
  /** A yes/no setting: `--name` / `--no-name` on the command line. */
  boolean?: boolean;
}

/** Thrown by the loaders; `problems` has one line per bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

// ── value schemas ──────────────────────────────────────────────────────────
// Each takes the raw string and says what it expected in words, which the error repeats.

function value<T>(expected: string, parse: (s: string) => T | undefined, exact = false) {
  return z.string({ error: `missing (expected ${expected})` }).transform((s, ctx) => {
    // Stray spaces around a number or URL are typos; around a secret they may be the secret.
    const v = parse(exact ? s : s.trim());
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: `is not ${expected}` });
      return z.NEVER;
    }
    return v;
  });
}

/** `setTimeout` fires at once past this, so longer durations are refused rather than misbehaving. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const wholeIn = (min: number, max: number) => (s: string) => (/^\d+$/.test(s) && +s >= min && +s <= max ? +s : undefined);
const port = value('a port number (1-65535)', wholeIn(1, 65_535));
const count = (min = 1) => value(`a whole number ≥ ${min}`, wholeIn(min, Number.MAX_SAFE_INTEGER));
const ms = (min = 1) => value(`a duration in ms (a whole number from ${min} to ${MAX_TIMER_MS})`, wholeIn(min, MAX_TIMER_MS));
const rate = value('a number of calls per second > 0', (s) => (/^\d+(\.\d+)?$/.test(s) && +s > 0 ? +s : undefined));
const text = value('a non-empty string', (s) => s || undefined);
const host = value('a host name or IP address', (s) => (/^[^\s/]+$/.test(s) ? s : undefined));
const id = value('an id of 1-64 letters, digits, ".", "_", ":" or "-"', (s) => (/^[\w.:-]{1,64}$/.test(s) ? s : undefined));
const prefix = value('a key prefix without spaces (1-64 characters)', (s) => (/^\S{1,64}$/.test(s) ? s : undefined));
const url = (expected: string, protocols: readonly string[]) =>
  value(expected, (s) => {
    try {
      return protocols.includes(new URL(s).protocol) ? s : undefined;
    } catch {
      return undefined;
    }
  });
const redisUrl = url('a redis:// or rediss:// URL', ['redis:', 'rediss:']);
const httpUrl = url('an http:// or https:// URL', ['http:', 'https:']);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel = value(`one of ${LOG_LEVELS.join(', ')}`, (s) => LOG_LEVELS.find((l) => l === s.toLowerCase()));
/** HS256 keys shorter than the hash are brute-forced offline from any token (RFC 7518 §3.2). */
const hmacSecret = value('a secret of at least 32 characters (HS256 needs a 256-bit key)', (s) => (s.length >= 32 ? s : undefined), true);
const apiKey = value('a non-empty key', (s) => s || undefined, true);
const origins = value('a comma-separated list of origins like https://app.example.com', (s) => {
  const list = s.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean);
  return list.every(isOrigin) ? list : undefined;
});
function isOrigin(o: string): boolean {
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
}
/** For yes/no settings; flags and variables understand them (`--name`, `--no-name`, `NAME=off`). */
export const yesNo = value('yes or no (true/false, 1/0, yes/no, on/off)', (s) => {
  const v = s.toLowerCase();
  return ['true', '1', 'yes', 'on'].includes(v) ? true : ['false', '0', 'no', 'off'].includes(v) ? false : undefined;
});
const randomId = (kind: string) => () => `${kind}-${randomBytes(4).toString('hex')}`;
const commaList = (s: string) => s.split(',').map((x) => x.trim());
const publicRooms = value('a comma-separated list of room names or globs like game_*, none starting with $ or containing #', (s) => {
  const list = commaList(s);
  return list.every((p) => publicPatternProblem(p) === undefined) ? list : undefined;
});
const roomRules = value(`a comma-separated list of ${ROOM_RULE_NAMES.join(', ')}, each at most once, or none`, (s) => {
  if (s.toLowerCase() === 'none') return [] as RoomRuleName[];
  const list = commaList(s);
  const known = list.every((r): r is RoomRuleName => (ROOM_RULE_NAMES as readonly string[]).includes(r));
  return known && new Set(list).size === list.length ? list : undefined;
});
const ROOM_PUBLISH_MODES: readonly RoomPublishMode[] = ['members', 'none'];
const roomPublish = value('members or none', (s) => ROOM_PUBLISH_MODES.find((m) => m === s.toLowerCase()));

// ── gateway ────────────────────────────────────────────────────────────────

const GatewaySchema = z.object({
  port: port.default(8080),
  host: host.default('127.0.0.1'),
  /** Absent: the embedded memory broker (one process). */
  redisUrl: redisUrl.optional(),
  /** HS256 secret; exactly one of this and `jwksUrl`. */
  jwtSecret: hmacSecret.optional(),
  jwksUrl: httpUrl.optional(),
  jwtIssuer: text.optional(),
  jwtAudience: text.optional(),
  /** With JWKS_URL, start only with JWT_AUDIENCE set, unless turned off. */
  jwtAudienceCheck: yesNo.default(true),
  /** With JWKS_URL, start only with JWT_ISSUER set, unless turned off. */
  jwtIssuerCheck: yesNo.default(true),
  /** Accept connection tokens without `exp`. */
  jwtAllowNoExp: yesNo.default(false),
  /** Rooms any authenticated user may join (globs). */
  publicRooms: publicRooms.default([]),
  /** The configured room rules, in order. */
  roomRules: roomRules.default([...ROOM_POLICY_DEFAULTS.rules]),
  /** Who may publish to rooms from a client. */
  roomPublish: roomPublish.default(ROOM_POLICY_DEFAULTS.publish),
  /** Centrifugo-style subscribe proxy deciding room access. */
  roomProxyUrl: httpUrl.optional(),
  roomProxyTimeoutMs: ms().default(ROOM_PROXY_DEFAULTS.timeoutMs),
  roomProxyCacheMs: ms(0).default(ROOM_PROXY_DEFAULTS.cacheMs),
  maxRoomsPerConnection: count().default(L.maxRoomsPerConnection),
  maxConnectionsPerUser: count().default(L.maxConnectionsPerUser),
  callsPerSecondPerUser: rate.default(L.callsPerSecondPerUser),
  maxPreauthPerAddress: count().default(L.maxPreauthPerAddress),
  upgradesPerSecond: rate.default(L.upgradesPerSecond),
  maxFramesBeforeAuth: count().default(L.maxFramesBeforeAuth),
  /** Key of `POST /api/publish`; absent: the publish API is disabled (404). */
  apiKey: apiKey.optional(),
  /** Origins allowed to open a WebSocket; empty: any. */
  allowedOrigins: origins.default([]),
  heartbeatMs: ms().default(D.heartbeatMs),
  authTimeoutMs: ms().default(D.authTimeoutMs),
  callTimeoutMs: ms().default(D.callTimeoutMs),
  maxFrameBytes: count().default(D.maxFrameBytes),
  callsPerSecond: rate.default(D.callsPerSecond),
  maxPendingCalls: count().default(D.maxPendingCalls),
  /** Bytes queued on a socket before its client counts as a slow consumer and is dropped. */
  maxBufferedBytes: count().default(D.maxBufferedBytes),
  /** A replay larger than this is not sent: the client is told `gap` and refetches. */
  replayMaxBytes: count().default(D.replayMaxBytes),
  /** How long a replay may wait for a client that does not read before closing it as a slow consumer. */
  replayStallMs: ms().default(D.replayStallMs),
  /** How long a command waits for an unreachable Redis (then for its answer) before a call is answered -32005. */
  brokerTimeoutMs: ms().default(3000),
  /** How long a call's (user, id) is remembered so a resend is answered, not rerun. Absent: until its deadline plus 10 s. */
  resendWindowMs: ms().optional(),
  /** How long before `exp` the gateway sends `token.expiring`; 0: never. */
  tokenExpiringMs: ms(0).default(D.tokenExpiringMs),
  /** Centrifugo-style RPC proxy: calls are POSTed to this URL instead of going to workers. */
  rpcProxyUrl: httpUrl.optional(),
  gatewayId: id.default(randomId('gw')),
  logLevel: logLevel.default('info' satisfies LogLevel),
  prefix: prefix.default('tether:'),
  historyMaxLen: count().default(1000),
  historyMaxAgeMs: ms().default(600_000),
});
/** The gateway's settings, validated, defaults applied. */
export type GatewayConfig = z.output<typeof GatewaySchema>;

const GATEWAY_NAMES: Names<typeof GatewaySchema> = {
  port: { env: 'PORT' },
  host: { env: 'HOST' },
  redisUrl: { env: 'REDIS_URL' },
  jwtSecret: { env: 'JWT_SECRET', secret: true },
  jwksUrl: { env: 'JWKS_URL' },
  jwtIssuer: { env: 'JWT_ISSUER' },
  jwtAudience: { env: 'JWT_AUDIENCE' },
  jwtAudienceCheck: { env: 'JWT_AUDIENCE_CHECK', boolean: true },
  jwtIssuerCheck: { env: 'JWT_ISSUER_CHECK', boolean: true },
  jwtAllowNoExp: { env: 'JWT_ALLOW_NO_EXP', boolean: true },
  publicRooms: { env: 'PUBLIC_ROOMS' },
  roomRules: { env: 'ROOM_RULES' },
  roomPublish: { env: 'ROOM_PUBLISH' },
  roomProxyUrl: { env: 'ROOM_PROXY_URL' },
  roomProxyTimeoutMs: { env: 'ROOM_PROXY_TIMEOUT_MS' },
  roomProxyCacheMs: { env: 'ROOM_PROXY_CACHE_MS' },
  maxRoomsPerConnection: { env: 'MAX_ROOMS_PER_CONNECTION' },
  maxConnectionsPerUser: { env: 'MAX_CONNECTIONS_PER_USER' },
  callsPerSecondPerUser: { env: 'CALLS_PER_SECOND_PER_USER' },
  maxPreauthPerAddress: { env: 'MAX_PREAUTH_PER_ADDRESS' },
  upgradesPerSecond: { env: 'UPGRADES_PER_SECOND' },
  maxFramesBeforeAuth: { env: 'MAX_FRAMES_BEFORE_AUTH' },
  apiKey: { env: 'API_KEY', secret: true },
  allowedOrigins: { env: 'ALLOWED_ORIGINS' },
  heartbeatMs: { env: 'HEARTBEAT_MS' },
  authTimeoutMs: { env: 'AUTH_TIMEOUT_MS' },
  callTimeoutMs: { env: 'CALL_TIMEOUT_MS' },
  maxFrameBytes: { env: 'MAX_FRAME_BYTES' },
  callsPerSecond: { env: 'CALLS_PER_SECOND' },
  maxPendingCalls: { env: 'MAX_PENDING_CALLS' },
  maxBufferedBytes: { env: 'MAX_BUFFERED_BYTES' },
  replayMaxBytes: { env: 'REPLAY_MAX_BYTES' },
  replayStallMs: { env: 'REPLAY_STALL_MS' },
  brokerTimeoutMs: { env: 'BROKER_TIMEOUT_MS' },
  resendWindowMs: { env: 'RESEND_WINDOW_MS' },
  tokenExpiringMs: { env: 'TOKEN_EXPIRING_MS' },
  rpcProxyUrl: { env: 'RPC_PROXY_URL' },
  gatewayId: { env: 'GATEWAY_ID' },
  logLevel: { env: 'LOG_LEVEL' },
  prefix: { env: 'PREFIX' },
  historyMaxLen: { env: 'HISTORY_MAX_LEN' },
  historyMaxAgeMs: { env: 'HISTORY_MAX_AGE_MS' },
};

/** Every gateway setting at its default (no JWT secret or JWKS: those have none). */
export function gatewayDefaults(): GatewayConfig {
  return GatewaySchema.parse({});
}

/** The gateway's configuration. Throws a `ConfigError` listing every bad value. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): GatewayConfig {
  return loadConfig(GatewaySchema, GATEWAY_NAMES, env, argv, gatewayChecks);
}

/** Checks that involve several gateway settings. */
function gatewayChecks<K extends keyof GatewayConfig>(given: Partial<Record<K | keyof GatewayConfig, Given>>, valueOf: (key: K | keyof GatewayConfig) => unknown): string[] {
  {
    if (given.jwtSecret && given.jwksUrl) return ['JWT_SECRET, JWKS_URL: both set; set only one (HS256 secret or a JWKS for RS256/ES256/EdDSA)'];
    if (!given.jwtSecret && !given.jwksUrl) return ['JWT_SECRET: missing (expected JWT_SECRET for HS256 tokens, or JWKS_URL for RS256/ES256/EdDSA)'];
    const problems: string[] = [];
    const audienceCheck = valueOf('jwtAudienceCheck') !== false;
    const issuerCheck = valueOf('jwtIssuerCheck') !== false;
    // RFC 8725 §3.9 and §3.8: an identity provider signs tokens for every application and tenant it serves.
    if (given.jwksUrl && audienceCheck && !given.jwtAudience) {
      problems.push('JWT_AUDIENCE: required with JWKS_URL (the identity provider signs tokens for other applications too); set it, or JWT_AUDIENCE_CHECK=off to accept any audience');
    }
    if (given.jwksUrl && issuerCheck && !given.jwtIssuer) {
      problems.push('JWT_ISSUER: required with JWKS_URL (a JWKS may sign for several issuers or tenants); set it, or JWT_ISSUER_CHECK=off to accept any issuer');
    }
    if (given.jwtAudience && !audienceCheck) problems.push('JWT_AUDIENCE, JWT_AUDIENCE_CHECK: an audience is set but its check is off; keep one');
    if (given.jwtIssuer && !issuerCheck) problems.push('JWT_ISSUER, JWT_ISSUER_CHECK: an issuer is set but its check is off; keep one');
    const rules = valueOf('roomRules') as RoomRuleName[] | undefined;
    if (rules && given.publicRooms && !rules.includes('public')) problems.push('PUBLIC_ROOMS, ROOM_RULES: public rooms are set but ROOM_RULES leaves out public');
    if (rules && given.roomProxyUrl && !rules.includes('proxy')) problems.push('ROOM_PROXY_URL, ROOM_RULES: a room proxy is set but ROOM_RULES leaves out proxy');
    for (const key of ['roomProxyTimeoutMs', 'roomProxyCacheMs'] as const) {
      if (given[key] && !given.roomProxyUrl) problems.push(`${given[key].source}: set, but there is no ROOM_PROXY_URL`);
    }
    return problems;
  }
}

// ── worker ─────────────────────────────────────────────────────────────────

/** The worker settings that do not say where Redis is: shared by `tether-worker` and `tether-dev`. */
const WorkerRunSchema = z.object({
  /** The module with the worker's methods (`export const methods = implement(contract, …)`). */
  workerModule: text,
  /** Consumer name in the workers' group; unique per process. */
  workerName: id.default(randomId('worker')),
  /** Requests taken per read, i.e. handlers running at once (`ConsumeOptions.batch`). */
  concurrency: count().default(16),
  claimIdleMs: ms().default(10_000),
  maxDeliveries: count().default(3),
  /** How long a command waits for an unreachable Redis (then for its answer) before it fails. */
  brokerTimeoutMs: ms().default(3000),
});
const WorkerSchema = WorkerRunSchema.extend({
  /** A standalone worker reaches gateways only through Redis. */
  redisUrl: redisUrl,
  prefix: prefix.default('tether:'),
  logLevel: logLevel.default('info' satisfies LogLevel),
});
/** The worker's settings, validated, defaults applied. */
export type WorkerConfig = z.output<typeof WorkerSchema>;

const WORKER_RUN_NAMES: Names<typeof WorkerRunSchema> = {
  workerModule: { env: 'WORKER_MODULE', aliases: ['WORKER'] },
  workerName: { env: 'WORKER_NAME' },
  concurrency: { env: 'CONCURRENCY', aliases: ['BATCH'] },
  claimIdleMs: { env: 'CLAIM_IDLE_MS' },
  maxDeliveries: { env: 'MAX_DELIVERIES' },
  brokerTimeoutMs: { env: 'BROKER_TIMEOUT_MS' },
};
const WORKER_NAMES: Names<typeof WorkerSchema> = {
  ...WORKER_RUN_NAMES,
  redisUrl: { env: 'REDIS_URL' },
  prefix: { env: 'PREFIX' },
  logLevel: { env: 'LOG_LEVEL' },
};

/** The worker's configuration. Throws a `ConfigError` listing every bad value. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): WorkerConfig {
  return loadConfig(WorkerSchema, WORKER_NAMES, env, argv);
}

// ── development server ─────────────────────────────────────────────────────

/** `tether-dev`: a gateway and a worker in one process (the embedded broker unless REDIS_URL). */
const DevSchema = GatewaySchema.extend(WorkerRunSchema.shape);
export type DevConfig = z.output<typeof DevSchema>;
const { brokerTimeoutMs: _duplicate, ...workerRunOnly } = WORKER_RUN_NAMES;
const DEV_NAMES: Names<typeof DevSchema> = { ...GATEWAY_NAMES, ...workerRunOnly };

/** `tether-dev`'s configuration: the gateway's settings and the worker's. */
export function loadDevConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): DevConfig {
  return loadConfig(DevSchema, DEV_NAMES, env, argv, gatewayChecks);
}

// ── the loader ─────────────────────────────────────────────────────────────

type Shape<S extends z.ZodObject> = S['shape'];
/** The outside name of every field of a schema. */
export type Names<S extends z.ZodObject> = { [K in keyof Shape<S>]: SettingName };
interface Given {
  /** What the user typed: `PORT` or `--port`. */
  source: string;
  raw: string;
}

const flagOf = (env: string) => env.toLowerCase().replace(/_/g, '-');

/**
 * Reads `schema`'s fields from flags, then variables; validates; throws one `ConfigError`
 * with every problem. `cross` adds checks that involve several settings, given what was set
 * and each setting's value (`undefined` when that one is invalid, already reported).
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  names: Names<S>,
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
  cross?: (given: Partial<Record<keyof Shape<S>, Given>>, valueOf: (key: keyof Shape<S> & string) => unknown) => string[],
): z.output<S> {
  const fields = Object.entries(names) as [keyof Shape<S> & string, SettingName][];
  const { flags, problems } = parseFlags(argv, fields);
  const given: Partial<Record<keyof Shape<S>, Given>> = {};
  for (const [key, name] of fields) {
    const flag = flags.get(key);
    if (flag) {
      given[key] = flag;
      continue;
    }
    const v = [name.env, ...(name.aliases ?? [])].find((n) => env[n]);
    if (v) given[key] = { source: v, raw: env[v] as string };
  }
  const input = Object.fromEntries(fields.map(([key]) => [key, given[key]?.raw]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] as keyof Shape<S> & string;
      const g = given[key];
      const name = names[key];
      if (!g || !name) problems.push(`${name?.env ?? String(key)}: ${issue.message}`);
      else problems.push(`${g.source}: ${show(g.raw, name)} ${issue.message}`);
    }
  }
  // Field by field, so one bad value does not hide the cross-checks of the others.
  const valueOf = (key: keyof Shape<S> & string): unknown => {
    const r = (schema.shape[key] as z.ZodType).safeParse(input[key]);
    return r.success ? r.data : undefined;
  };
  problems.push(...(cross?.(given, valueOf) ?? []));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** The value as the error shows it: quoted, with secrets and URL passwords hidden. */
function show(raw: string, name: SettingName): string {
  if (name.secret) return `<hidden, ${raw.length} characters>`;
  return JSON.stringify(raw.replace(/(\/\/[^/@:]*:)[^/@]*@/, '$1***@'));
}

function parseFlags(argv: readonly string[], fields: readonly [string, SettingName][]) {
  const byFlag = new Map<string, [string, SettingName]>();
  for (const field of fields) for (const env of [field[1].env, ...(field[1].aliases ?? [])]) byFlag.set(flagOf(env), field);
  const flags = new Map<string, Given>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      if (i + 1 < argv.length) problems.push(`unexpected arguments after "--": ${argv.slice(i + 1).join(' ')}`);
      break;
    }
    const m = /^--([a-z0-9-]+)(?:=([\s\S]*))?$/i.exec(arg);
    if (!m) {
      problems.push(`${JSON.stringify(arg)}: unexpected argument (flags look like --port 8080 or --port=8080)`);
      continue;
    }
    const flag = (m[1] as string).toLowerCase();
    const inline = m[2];
    const negated = flag.startsWith('no-') ? byFlag.get(flag.slice(3)) : undefined;
    const field = byFlag.get(flag) ?? negated;
    if (!field) {
      problems.push(`--${flag}: unknown flag`);
      continue;
    }
    const [key, name] = field;
    const source = `--${flag}`;
    if (negated && !byFlag.has(flag)) {
      if (!name.boolean) problems.push(`${source}: ${name.env} is not a yes/no setting; give it a value instead`);
      else if (inline !== undefined) problems.push(`${source}: takes no value`);
      else flags.set(key, { source, raw: 'false' });
    } else if (inline !== undefined) {
      flags.set(key, { source, raw: inline });
    } else if (name.boolean) {
      flags.set(key, { source, raw: 'true' });
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) problems.push(`${source}: needs a value (--${flag} <value> or --${flag}=<value>)`);
      else {
        flags.set(key, { source, raw: next });
        i++;
      }
    }
  }
  return { flags, problems };
}
