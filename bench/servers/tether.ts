/**
 * Tether as the benchmarks run it: the shipped composition (`server-mock/app.ts`, configured
 * from the environment like the CLIs) with the bench method. `ROLE` picks what this process
 * is: `all` (gateway and worker, the embedded broker's only layout), `gateway` or `worker`
 * (separate processes on Redis, the scale-out layout). SIGTERM shuts down as the CLIs do
 * (the gateway closes sockets with 1012).
 */
import { createLogger, onShutdown, openBroker, runGateway, runWorker } from '../../server-mock/app.ts';
import { loadGatewayConfig, loadWorkerConfig } from '../../server-mock/config.ts';
import type { Target } from '../../server-mock/broker/broker.ts';
import type { GatewayServer } from '../../server-mock/gateway/server.ts';
import { describeMethods, type Worker } from '../../server-mock/worker/worker.ts';
import { benchMethods } from './bench-methods.ts';
import { serve } from './control.ts';

const role = process.env.ROLE ?? 'all';
const methods = benchMethods();
// Rooms open to every benchmark client, as in development (the secure default admits none).
const gatewayConfig = role === 'worker' ? undefined : loadGatewayConfig({ PUBLIC_ROOMS: '*', ...process.env }, []);
// The worker CLI's config insists on REDIS_URL; in one process with the embedded broker the
// worker takes its settings the way `npm start` gives them.
const workerCli = role === 'worker' ? loadWorkerConfig({ WORKER_MODULE: '(the bench method)', ...process.env }, []) : undefined;
const workerConfig =
  role === 'gateway'
    ? undefined
    : (workerCli ?? { workerName: 'bench-worker', concurrency: Number(process.env.CONCURRENCY ?? 16), claimIdleMs: 10_000, maxDeliveries: 3 });
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', `bench-${role}`);
const broker = await openBroker((gatewayConfig ?? workerCli)!, logger);

let worker: Worker | undefined;
if (workerConfig) worker = runWorker(workerConfig, { broker, logger, methods });
let gateway: GatewayServer | undefined;
if (gatewayConfig) gateway = await runGateway(gatewayConfig, { broker, logger, describe: () => describeMethods(methods) });

onShutdown(logger, async () => {
  await gateway?.close();
  await worker?.stop();
  await broker.close();
});

serve(
  { port: gateway?.port ?? 0 },
  {
    /** Publish `count` events to `target`, one after another. */
    async publish(args) {
      const target = args.target as Target;
      const count = Number(args.count ?? 1);
      for (let i = 0; i < count; i++) await broker.publish(target, args.body as { type: string });
      return count;
    },
    stats: () => gateway?.core.stats(),
  },
);
