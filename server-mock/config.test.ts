import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadGatewayConfig, loadWorkerConfig, yesNo } from './config.ts';

const SECRET = 's'.repeat(32);
/** The least a gateway needs: a way to check tokens. */
const base = { JWT_SECRET: SECRET };

/** The problems a loader reports, or a failure if it did not throw a ConfigError. */
function problems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadGatewayConfig(base, []);
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      jwtSecret: SECRET,
      allowedOrigins: [],
      heartbeatMs: 25_000,
      authTimeoutMs: 10_000,
      callTimeoutMs: 30_000,
      maxFrameBytes: 65_536,
      callsPerSecond: 50,
      maxPendingCalls: 100,
      maxBufferedBytes: 1_048_576,
      replayMaxBytes: 16_777_216,
      replayStallMs: 10_000,
      brokerTimeoutMs: 3000,
      tokenExpiringMs: 60_000,
      logLevel: 'info',
      prefix: 'tether:',
      historyMaxLen: 1000,
      historyMaxAgeMs: 600_000,
      jwtAudienceCheck: true,
      jwtIssuerCheck: true,
      jwtAllowNoExp: false,
      publicRooms: [],
      roomRules: ['claim', 'public', 'hook', 'proxy'],
      roomPublish: 'members',
      roomProxyTimeoutMs: 2000,
      roomProxyCacheMs: 5000,
      maxRoomsPerConnection: 128,
      maxConnectionsPerUser: 100,
      callsPerSecondPerUser: 100,
      maxPreauthPerAddress: 50,
      upgradesPerSecond: 500,
      maxFramesBeforeAuth: 1,
    });
    for (const k of ['redisUrl', 'jwksUrl', 'jwtIssuer', 'jwtAudience', 'apiKey', 'rpcProxyUrl', 'roomProxyUrl'] as const) expect(c[k]).toBeUndefined();
    expect(c.gatewayId).toMatch(/^gw-[0-9a-f]{8}$/);
    expect(loadGatewayConfig(base, []).gatewayId).not.toBe(c.gatewayId);
  });

  it('reads every setting from the environment', () => {
    const c = loadGatewayConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        REDIS_URL: 'redis://:pw@localhost:6379/2',
        JWKS_URL: 'https://id.example/.well-known/jwks.json',
        JWT_ISSUER: 'https://id.example',
        JWT_AUDIENCE: 'tether',
        API_KEY: 'k-123',
        ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173',
        HEARTBEAT_MS: '1000',
        AUTH_TIMEOUT_MS: '2000',
        CALL_TIMEOUT_MS: '3000',
        MAX_FRAME_BYTES: '1024',
        CALLS_PER_SECOND: '2.5',
        MAX_PENDING_CALLS: '7',
        MAX_BUFFERED_BYTES: '4096',
        REPLAY_MAX_BYTES: '8192',
        REPLAY_STALL_MS: '500',
        BROKER_TIMEOUT_MS: '700',
        RESEND_WINDOW_MS: '5000',
        TOKEN_EXPIRING_MS: '0',
        RPC_PROXY_URL: 'http://django:8000/centrifugo/rpc/',
        GATEWAY_ID: 'gw-a.1',
        LOG_LEVEL: 'DEBUG',
        PREFIX: 'app:',
        HISTORY_MAX_LEN: '10',
        HISTORY_MAX_AGE_MS: '60000',
        JWT_ALLOW_NO_EXP: 'yes',
        PUBLIC_ROOMS: 'lobby, game_*',
        ROOM_RULES: 'proxy,public',
        ROOM_PUBLISH: 'none',
        ROOM_PROXY_URL: 'http://django:8000/centrifugo/subscribe/',
        ROOM_PROXY_TIMEOUT_MS: '500',
        ROOM_PROXY_CACHE_MS: '0',
        MAX_ROOMS_PER_CONNECTION: '16',
        MAX_CONNECTIONS_PER_USER: '5',
        CALLS_PER_SECOND_PER_USER: '20',
        MAX_PREAUTH_PER_ADDRESS: '10',
        UPGRADES_PER_SECOND: '200',
        MAX_FRAMES_BEFORE_AUTH: '3',
      },
      [],
    );
    expect(c).toEqual({
      port: 9000,
      host: '0.0.0.0',
      redisUrl: 'redis://:pw@localhost:6379/2',
      jwksUrl: 'https://id.example/.well-known/jwks.json',
      jwtIssuer: 'https://id.example',
      jwtAudience: 'tether',
      apiKey: 'k-123',
      allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
      heartbeatMs: 1000,
      authTimeoutMs: 2000,
      callTimeoutMs: 3000,
      maxFrameBytes: 1024,
      callsPerSecond: 2.5,
      maxPendingCalls: 7,
      maxBufferedBytes: 4096,
      replayMaxBytes: 8192,
      replayStallMs: 500,
      brokerTimeoutMs: 700,
      resendWindowMs: 5000,
      tokenExpiringMs: 0,
      rpcProxyUrl: 'http://django:8000/centrifugo/rpc/',
      gatewayId: 'gw-a.1',
      logLevel: 'debug',
      prefix: 'app:',
      historyMaxLen: 10,
      historyMaxAgeMs: 60_000,
      jwtAudienceCheck: true,
      jwtIssuerCheck: true,
      jwtAllowNoExp: true,
      publicRooms: ['lobby', 'game_*'],
      roomRules: ['proxy', 'public'],
      roomPublish: 'none',
      roomProxyUrl: 'http://django:8000/centrifugo/subscribe/',
      roomProxyTimeoutMs: 500,
      roomProxyCacheMs: 0,
      maxRoomsPerConnection: 16,
      maxConnectionsPerUser: 5,
      callsPerSecondPerUser: 20,
      maxPreauthPerAddress: 10,
      upgradesPerSecond: 200,
      maxFramesBeforeAuth: 3,
    });
  });

  it('lets flags, in both forms, override the environment', () => {
    const c = loadGatewayConfig({ ...base, PORT: '9000', HEARTBEAT_MS: '1000', API_KEY: 'from-env' }, [
      '--port',
      '9100',
      '--heartbeat-ms=2000',
      '--api-key=from=flag',
      '--allowed-origins',
      'https://a.example',
    ]);
    expect(c).toMatchObject({ port: 9100, heartbeatMs: 2000, apiKey: 'from=flag', allowedOrigins: ['https://a.example'] });
  });

  it('treats an empty variable as unset', () => {
    expect(loadGatewayConfig({ ...base, API_KEY: '', PORT: '', REDIS_URL: '' }, [])).toMatchObject({ port: 8080 });
    expect(loadGatewayConfig({ ...base, API_KEY: '' }, []).apiKey).toBeUndefined();
  });

  it('keeps a secret exactly as given, spaces included', () => {
    expect(loadGatewayConfig({ JWT_SECRET: ` ${SECRET} ` }, []).jwtSecret).toBe(` ${SECRET} `);
  });

  it('reports every bad value at once, with its name, its value and what was expected', () => {
    const found = problems(() =>
      loadGatewayConfig(
        {
          JWT_SECRET: 'short',
          PORT: 'abc',
          HEARTBEAT_MS: '-5',
          CALLS_PER_SECOND: '0',
          REDIS_URL: 'http://user:hunter2@localhost:6379',
          ALLOWED_ORIGINS: 'https://ok.example,not an origin',
          LOG_LEVEL: 'loud',
          GATEWAY_ID: 'has spaces',
          JWKS_URL: 'ftp://x',
        },
        ['--auth-timeout-ms', '99999999999', '--prot', '9000', '--host'],
      ),
    );
    expect(found).toEqual([
      '--prot: unknown flag',
      '"9000": unexpected argument (flags look like --port 8080 or --port=8080)',
      '--host: needs a value (--host <value> or --host=<value>)',
      'PORT: "abc" is not a port number (1-65535)',
      'REDIS_URL: "http://user:***@localhost:6379" is not a redis:// or rediss:// URL',
      'JWT_SECRET: <hidden, 5 characters> is not a secret of at least 32 characters (HS256 needs a 256-bit key)',
      'JWKS_URL: "ftp://x" is not an http:// or https:// URL',
      'ALLOWED_ORIGINS: "https://ok.example,not an origin" is not a comma-separated list of origins like https://app.example.com',
      'HEARTBEAT_MS: "-5" is not a duration in ms (a whole number from 1 to 2147483647)',
      '--auth-timeout-ms: "99999999999" is not a duration in ms (a whole number from 1 to 2147483647)',
      'CALLS_PER_SECOND: "0" is not a number of calls per second > 0',
      'GATEWAY_ID: "has spaces" is not an id of 1-64 letters, digits, ".", "_", ":" or "-"',
      'LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      'JWT_SECRET, JWKS_URL: both set; set only one (HS256 secret or a JWKS for RS256/ES256/EdDSA)',
    ]);
  });

  it('says the whole list in the error message', () => {
    expect(() => loadGatewayConfig({ ...base, PORT: '0', MAX_FRAME_BYTES: '1.5' }, [])).toThrow(
      'Invalid configuration:\n  PORT: "0" is not a port number (1-65535)\n  MAX_FRAME_BYTES: "1.5" is not a whole number ≥ 1',
    );
  });

  it('requires a way to check tokens', () => {
    expect(problems(() => loadGatewayConfig({}, []))).toEqual([
      'JWT_SECRET: missing (expected JWT_SECRET for HS256 tokens, or JWKS_URL for RS256/ES256/EdDSA)',
    ]);
    const jwks = { JWKS_URL: 'http://127.0.0.1:9999/jwks', JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'tether' };
    expect(loadGatewayConfig(jwks, []).jwtSecret).toBeUndefined();
  });

  it('refuses to start with JWKS_URL but no JWT_AUDIENCE or JWT_ISSUER (tokens for other apps would open sockets)', () => {
    expect(problems(() => loadGatewayConfig({ JWKS_URL: 'https://id.example/jwks' }, []))).toEqual([
      'JWT_AUDIENCE: required with JWKS_URL (the identity provider signs tokens for other applications too); set it, or JWT_AUDIENCE_CHECK=off to accept any audience',
      'JWT_ISSUER: required with JWKS_URL (a JWKS may sign for several issuers or tenants); set it, or JWT_ISSUER_CHECK=off to accept any issuer',
    ]);
  });

  it('starts with JWKS_URL alone only when both checks are turned off on purpose', () => {
    const c = loadGatewayConfig({ JWKS_URL: 'https://id.example/jwks', JWT_AUDIENCE_CHECK: 'off' }, ['--no-jwt-issuer-check']);
    expect(c).toMatchObject({ jwtAudienceCheck: false, jwtIssuerCheck: false });
  });

  it('reports the JWKS cross-checks together with unrelated bad values', () => {
    expect(problems(() => loadGatewayConfig({ JWKS_URL: 'https://id.example/jwks', JWT_ISSUER: 'i', PORT: 'x' }, []))).toEqual([
      'PORT: "x" is not a port number (1-65535)',
      'JWT_AUDIENCE: required with JWKS_URL (the identity provider signs tokens for other applications too); set it, or JWT_AUDIENCE_CHECK=off to accept any audience',
    ]);
  });

  it('refuses an audience or issuer whose check is off (which one is meant?)', () => {
    expect(problems(() => loadGatewayConfig({ ...base, JWT_AUDIENCE: 'tether', JWT_AUDIENCE_CHECK: 'off', JWT_ISSUER: 'i', JWT_ISSUER_CHECK: 'no' }, []))).toEqual([
      'JWT_AUDIENCE, JWT_AUDIENCE_CHECK: an audience is set but its check is off; keep one',
      'JWT_ISSUER, JWT_ISSUER_CHECK: an issuer is set but its check is off; keep one',
    ]);
  });

  it('accepts tokens without exp only with JWT_ALLOW_NO_EXP', () => {
    expect(loadGatewayConfig(base, []).jwtAllowNoExp).toBe(false);
    expect(loadGatewayConfig(base, ['--jwt-allow-no-exp']).jwtAllowNoExp).toBe(true);
    expect(problems(() => loadGatewayConfig({ ...base, JWT_ALLOW_NO_EXP: 'sometimes' }, []))).toEqual([
      'JWT_ALLOW_NO_EXP: "sometimes" is not yes or no (true/false, 1/0, yes/no, on/off)',
    ]);
  });

  it('refuses --no-x for a setting that is not yes/no, and stray values after --', () => {
    expect(problems(() => loadGatewayConfig(base, ['--no-port', '--', 'extra']))).toEqual([
      '--no-port: PORT is not a yes/no setting; give it a value instead',
      'unexpected arguments after "--": extra',
    ]);
  });
});

describe('loadGatewayConfig: room rules', () => {
  it('refuses public-room patterns that could never apply ($ and # rooms have their own rules)', () => {
    expect(problems(() => loadGatewayConfig({ ...base, PUBLIC_ROOMS: 'lobby,$*' }, []))).toEqual([
      'PUBLIC_ROOMS: "lobby,$*" is not a comma-separated list of room names or globs like game_*, none starting with $ or containing #',
    ]);
    expect(problems(() => loadGatewayConfig({ ...base, PUBLIC_ROOMS: 'dm#*' }, []))).toHaveLength(1);
    expect(problems(() => loadGatewayConfig({ ...base, PUBLIC_ROOMS: 'a,,b' }, []))).toHaveLength(1);
  });

  it('takes ROOM_RULES in any order, none, but no unknown or repeated rule', () => {
    expect(loadGatewayConfig({ ...base, ROOM_RULES: 'none' }, []).roomRules).toEqual([]);
    expect(loadGatewayConfig({ ...base, ROOM_RULES: 'hook, claim' }, []).roomRules).toEqual(['hook', 'claim']);
    expect(problems(() => loadGatewayConfig({ ...base, ROOM_RULES: 'claim,everyone' }, []))).toEqual([
      'ROOM_RULES: "claim,everyone" is not a comma-separated list of claim, public, hook, proxy, each at most once, or none',
    ]);
    expect(problems(() => loadGatewayConfig({ ...base, ROOM_RULES: 'claim,claim' }, []))).toHaveLength(1);
  });

  it('refuses public rooms or a room proxy that ROOM_RULES leaves out (they would be silently ignored)', () => {
    expect(problems(() => loadGatewayConfig({ ...base, ROOM_RULES: 'claim', PUBLIC_ROOMS: '*', ROOM_PROXY_URL: 'http://app/subscribe' }, []))).toEqual([
      'PUBLIC_ROOMS, ROOM_RULES: public rooms are set but ROOM_RULES leaves out public',
      'ROOM_PROXY_URL, ROOM_RULES: a room proxy is set but ROOM_RULES leaves out proxy',
    ]);
  });

  it('refuses room-proxy settings without a room proxy', () => {
    expect(problems(() => loadGatewayConfig({ ...base, ROOM_PROXY_TIMEOUT_MS: '100' }, ['--room-proxy-cache-ms=0']))).toEqual([
      'ROOM_PROXY_TIMEOUT_MS: set, but there is no ROOM_PROXY_URL',
      '--room-proxy-cache-ms: set, but there is no ROOM_PROXY_URL',
    ]);
  });

  it('takes ROOM_PUBLISH members or none only', () => {
    expect(loadGatewayConfig({ ...base, ROOM_PUBLISH: 'None' }, []).roomPublish).toBe('none');
    expect(problems(() => loadGatewayConfig({ ...base, ROOM_PUBLISH: 'everyone' }, []))).toEqual(['ROOM_PUBLISH: "everyone" is not members or none']);
  });

  it('validates the limits like every other number', () => {
    expect(
      problems(() =>
        loadGatewayConfig(
          { ...base, MAX_ROOMS_PER_CONNECTION: '0', MAX_CONNECTIONS_PER_USER: 'lots', CALLS_PER_SECOND_PER_USER: '-1', MAX_PREAUTH_PER_ADDRESS: '1.5', MAX_FRAMES_BEFORE_AUTH: '0' },
          [],
        ),
      ),
    ).toEqual([
      'MAX_ROOMS_PER_CONNECTION: "0" is not a whole number ≥ 1',
      'MAX_CONNECTIONS_PER_USER: "lots" is not a whole number ≥ 1',
      'CALLS_PER_SECOND_PER_USER: "-1" is not a number of calls per second > 0',
      'MAX_PREAUTH_PER_ADDRESS: "1.5" is not a whole number ≥ 1',
      'MAX_FRAMES_BEFORE_AUTH: "0" is not a whole number ≥ 1',
    ]);
  });
});

describe('loadWorkerConfig', () => {
  it('needs REDIS_URL and a worker module, and applies the defaults', () => {
    expect(problems(() => loadWorkerConfig({}, []))).toEqual([
      'WORKER_MODULE: missing (expected a non-empty string)',
      'REDIS_URL: missing (expected a redis:// or rediss:// URL)',
    ]);
    const c = loadWorkerConfig({ REDIS_URL: 'redis://localhost:6379' }, ['--worker', './methods.js']);
    expect(c).toMatchObject({
      workerModule: './methods.js',
      redisUrl: 'redis://localhost:6379',
      concurrency: 16,
      claimIdleMs: 10_000,
      maxDeliveries: 3,
      prefix: 'tether:',
      logLevel: 'info',
    });
    expect(c.workerName).toMatch(/^worker-[0-9a-f]{8}$/);
  });

  it('reads the environment, takes BATCH for CONCURRENCY, and lets flags win', () => {
    const env = { REDIS_URL: 'rediss://r:6380', WORKER_MODULE: 'm.js', WORKER_NAME: 'w1', BATCH: '4', CLAIM_IDLE_MS: '500', MAX_DELIVERIES: '5', PREFIX: 'x:' };
    expect(loadWorkerConfig(env, [])).toMatchObject({ workerName: 'w1', concurrency: 4, claimIdleMs: 500, maxDeliveries: 5, prefix: 'x:' });
    expect(loadWorkerConfig({ ...env, CONCURRENCY: '8' }, []).concurrency).toBe(8);
    expect(loadWorkerConfig(env, ['--concurrency=2', '--worker-name', 'w2']).concurrency).toBe(2);
    expect(loadWorkerConfig(env, ['--batch', '3']).concurrency).toBe(3);
  });

  it('reports every bad value at once', () => {
    expect(problems(() => loadWorkerConfig({ WORKER: 'm.js', REDIS_URL: 'localhost', CONCURRENCY: 'many' }, ['--max-deliveries=0']))).toEqual([
      'CONCURRENCY: "many" is not a whole number ≥ 1',
      '--max-deliveries: "0" is not a whole number ≥ 1',
      'REDIS_URL: "localhost" is not a redis:// or rediss:// URL',
    ]);
  });
});

describe('loadConfig with yes/no settings', () => {
  const schema = z.object({ pretty: yesNo.default(false), name: z.string().default('x') });
  const names = { pretty: { env: 'PRETTY', boolean: true }, name: { env: 'NAME' } };
  const load = (env: Record<string, string>, argv: string[]) => loadConfig(schema, names, env, argv);

  it('takes --flag, --no-flag, --flag=value and words in variables', () => {
    expect(load({}, []).pretty).toBe(false);
    expect(load({}, ['--pretty']).pretty).toBe(true);
    expect(load({ PRETTY: 'yes' }, []).pretty).toBe(true);
    expect(load({ PRETTY: 'on' }, ['--no-pretty']).pretty).toBe(false);
    expect(load({}, ['--pretty=0']).pretty).toBe(false);
    // A yes/no flag never swallows the next argument.
    expect(load({}, ['--pretty', '--name', 'n'])).toEqual({ pretty: true, name: 'n' });
  });

  it('reports a value that is neither yes nor no', () => {
    expect(problems(() => load({ PRETTY: 'maybe' }, ['--no-pretty=1']))).toEqual([
      '--no-pretty: takes no value',
      'PRETTY: "maybe" is not yes or no (true/false, 1/0, yes/no, on/off)',
    ]);
  });
});
