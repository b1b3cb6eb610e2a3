/** The timeline card: what the client did and why, newest first (demo/shared/timeline.ts tells it). */
import { useSyncExternalStore } from 'react';
import { clock, type Timeline as Story } from '../shared/timeline.ts';

export function Timeline({ timeline }: { timeline: Story }) {
  const entries = useSyncExternalStore(timeline.subscribe, timeline.getSnapshot);
  return (
    <section className="timeline">
      <h2>Timeline</h2>
      <ol id="timeline" data-testid="timeline">
        {entries.map((e) => (
          <li key={e.id} data-kind={e.kind}>
            <time>{clock(e.at)}</time>
            <span className="kind">{e.kind}</span>
            <span className="what">{e.text}{e.steps && <span className="steps">: {e.steps.join(' → ')}</span>}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
