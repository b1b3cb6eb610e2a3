/**
 * A `describe` that runs only when the Python worker can: without Python 3.11+ and its
 * packages a suite is skipped locally, saying exactly what is missing and how to install it,
 * and fails on CI (CI=true), where .ci/run installs them.
 */
import { describe, it } from 'vitest';
import { INSTALL, pythonMissing } from './processes.ts';

export { describePythonModule, runPythonWorker } from './processes.ts';

/** `describe(name, body)` when the Python worker can run; otherwise a skip (locally) or a failure (CI). */
export function describeWithPython(name: string, body: () => void) {
  const missing = pythonMissing();
  if (!missing) return describe(name, body);
  const message = `${missing}. The Python worker needs Python 3.11+ with redis and pydantic: ${INSTALL}; or point TETHER_PYTHON at an interpreter that has them.`;
  if (process.env.CI) {
    return describe(name, () => {
      it('needs Python with redis and pydantic', () => {
        throw new Error(message);
      });
    });
  }
  console.warn(`Skipping "${name}": ${message}`);
  return describe.skip(`${name} (no Python worker: ${missing})`, body);
}

