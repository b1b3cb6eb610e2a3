/** The React demo: the plain page's features with `tether-rpc/react`. One client, made before React renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { TetherProvider } from 'tether-rpc/react';
import '../shared/demo.css';
import { createDemoClient } from '../shared/demo.ts';
import { App } from './App.tsx';

const { client, signIn } = createDemoClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <TetherProvider client={client}>
      <App signIn={signIn} />
    </TetherProvider>
  </StrictMode>,
);
