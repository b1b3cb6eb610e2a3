/**
 * The protocol conformance suite: one set of scenarios, written from docs/protocol.md and the
 * schemas in `src/protocol`, run against the real gateway and against every fake the tests
 * use, so a fake cannot drift from what the client meets in production. Each target has a
 * small test file that says how to start it and which optional features it has:
 *
 * - `server-mock/conformance/real-gateway.conformance.test.ts`: the gateway (must do everything);
 * - `src/testing/conformance/msw-fake.conformance.test.ts`: `src/testing/fake-gateway.ts`, in happy-dom;
 * - `src/testing/conformance/ws-fake.conformance.test.ts`: `e2e/support/fake-gateway.ts`, in Node.
 *
 * Run them all: `npx vitest run conformance`.
 */
import { describe } from 'vitest';
import { createContext } from './context.ts';
import { callScenarios } from './scenarios/calls.ts';
import { connectionScenarios } from './scenarios/connection.ts';
import { eventScenarios } from './scenarios/events.ts';
import { recoveryScenarios } from './scenarios/recovery.ts';
import { roomScenarios } from './scenarios/rooms.ts';
import { tokenScenarios } from './scenarios/tokens.ts';
import type { TargetDefinition } from './target.ts';

export { ECHO, EVERYTHING, FAIL, type Features, type Stream, type Target, type TargetDefinition } from './target.ts';

export function conformanceSuite(name: string, target: TargetDefinition) {
  describe(`protocol v1 conformance: ${name}`, () => {
    const c = createContext(name, target);
    connectionScenarios(c);
    callScenarios(c);
    eventScenarios(c);
    roomScenarios(c);
    recoveryScenarios(c);
    tokenScenarios(c);
  });
}
