import { useImperativeHandle, useRef, useState, type Ref } from 'react';
import { useRpc } from 'tether-rpc/react';
import { exampleParams, formatError, methods, parseParams } from '../shared/demo.ts';
import { DEADLINE_MS } from '../shared/demo-settings.ts';

/** Runs the form's call; made again (by `key`) when the method or the deadline changes, since `useRpc` reads them when it mounts. */
interface Runner {
  run(paramsText: string): void;
}

function CallResult({ method, timeoutMs, ref }: { method: string; timeoutMs: number; ref: Ref<Runner> }) {
  const rpc = useRpc(method, undefined, { timeoutMs }); // lazy: runs on rpc.call(params)
  const [parseError, setParseError] = useState<unknown>();
  useImperativeHandle(ref, () => ({
    run(text) {
      let params: unknown;
      try {
        params = parseParams(text);
      } catch (error) {
        return setParseError(error);
      }
      setParseError(undefined);
      rpc.call(params).catch(() => {}); // the error is shown from rpc.error
    },
  }), [rpc]);
  const failed = parseError !== undefined || rpc.status === 'error';
  const text =
    parseError !== undefined ? formatError(parseError)
    : rpc.status === 'loading' ? '…'
    : rpc.status === 'error' ? formatError(rpc.error)
    : rpc.status === 'success' ? JSON.stringify(rpc.data, null, 2)
    : '—';
  return <pre id="result" data-testid="result" className={failed ? 'error' : undefined}>{text}</pre>;
}

export function CallForm() {
  const [method, setMethod] = useState(methods[0]!);
  const [params, setParams] = useState(exampleParams(method));
  const [deadline, setDeadline] = useState(String(DEADLINE_MS));
  const runner = useRef<Runner>(null);
  const timeoutMs = Number(deadline) || DEADLINE_MS;
  return (
    <section>
      <h2>Call a method</h2>
      <label htmlFor="method">Method</label>
      <select id="method" data-testid="method" value={method} onChange={(e) => { setMethod(e.target.value); setParams(exampleParams(e.target.value)); }}>
        {methods.map((m) => <option key={m}>{m}</option>)}
      </select>
      <label htmlFor="params">Params (JSON)</label>
      <textarea id="params" data-testid="params" value={params} onChange={(e) => setParams(e.target.value)} />
      <div className="row">
        <div>
          <label htmlFor="timeout">Deadline (ms)</label>
          <input id="timeout" data-testid="timeout" type="number" value={deadline} onChange={(e) => setDeadline(e.target.value)} />
        </div>
        <button id="call" data-testid="call" onClick={() => runner.current?.run(params)}>Call</button>
      </div>
      <CallResult key={`${method} ${timeoutMs}`} method={method} timeoutMs={timeoutMs} ref={runner} />
    </section>
  );
}
