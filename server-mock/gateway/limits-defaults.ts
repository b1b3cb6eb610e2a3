/**
 * Defaults of the per-user, per-address and pre-auth limits, in one place: `config.ts` reads
 * them for the CLI and the gateway core for `createGateway`, so both agree. (The older
 * per-connection defaults live in `GATEWAY_DEFAULTS`, core.ts.) Each limit, when tripped, is
 * counted by `metrics.limitTripped(name)` under the name given here.
 */
export const LIMIT_DEFAULTS = {
  /** Rooms one connection may be in at once; each costs a subscription and presence upkeep. Metric: `rooms_per_connection`. */
  maxRoomsPerConnection: 128,
  /** Open connections of one user across this gateway; a stolen token cannot open thousands. Metric: `connections_per_user`. */
  maxConnectionsPerUser: 100,
  /** Calls per second of one user across all their sockets (the per-socket `callsPerSecond` still applies). Metric: `calls_per_user`. */
  callsPerSecondPerUser: 100,
  /** Sockets from one address that have not authenticated yet; unauthenticated sockets cost memory and a timer. Metric: `preauth_per_address`. */
  maxPreauthPerAddress: 50,
  /**
   * New sockets this gateway takes per second (a burst of a fifth of a second's worth); past it, upgrades
   * are refused with 503 and clients retry spread over their restart window. Keeps the crowd that
   * comes back after a crash or restart from arriving in one burst. Refusal reason: `busy`.
   */
  upgradesPerSecond: 500,
  /** The socket is closed at its Nth frame before authenticating that is not `auth`; 1: at the first. Metric: `frames_before_auth`. */
  maxFramesBeforeAuth: 1,
} as const;

export type LimitOptions = { [K in keyof typeof LIMIT_DEFAULTS]: number };

/** Limits whose trips are counted, as the `limit` label spells them. */
export const LIMIT_NAMES = [
  'rooms_per_connection',
  'connections_per_user',
  'calls_per_user',
  'calls_per_connection',
  'pending_calls',
  'preauth_per_address',
  'frames_before_auth',
  'frame_size',
  'auth_timeout',
  'slow_consumer',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
