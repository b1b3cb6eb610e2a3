#!/usr/bin/env node
/**
 * A worker process for the fault suite: `tether-worker` with `fault.work` instead of the
 * demo's methods, logging every run to RUNS_FILE. Started by the cases with `runCli('worker',
 * env, { entry: 'server-mock/faults/worker.ts' })`, so it reads the same variables.
 */
import { createLogger, onShutdown, openBroker, runWorker } from '../app.ts';
import { loadWorkerConfig } from '../config.ts';
import { faultMethods } from './methods.ts';

const runsFile = process.env.RUNS_FILE;
if (!runsFile) {
  console.error('RUNS_FILE: missing (the file where fault.work logs its runs)');
  process.exit(2);
}
const config = loadWorkerConfig();
const logger = createLogger(config.logLevel, 'tether-fault-worker');
const broker = await openBroker(config, logger);
const worker = runWorker(config, { broker, logger, methods: faultMethods(runsFile) });
onShutdown(logger, async () => {
  await worker.stop();
  await broker.close();
});
