/** The React demo: the plain page's features with `tether-rpc/react`. One client, made before React renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { TetherProvider } from 'tether-rpc/react';
import '../shared/demo.css';
import { createDemoClient } from '../shared/demo.ts';
import { demoSettings } from '../shared/demo-settings.ts';
import { App } from './App.tsx';

const settings = demoSettings(location.search);
const { client, timeline, signIn } = createDemoClient(settings);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <TetherProvider client={client}>
      <App settings={settings} timeline={timeline} signIn={signIn} />
    </TetherProvider>
  </StrictMode>,
);
