/** The Vue demo: the plain page's features with `tether-rpc/vue`. One client, made before the app. */
import { createApp } from 'vue';
import { createTether } from 'tether-rpc/vue';
import '../shared/demo.css';
import { createDemoClient } from '../shared/demo.ts';
import { App } from './App.ts';

const { client, signIn } = createDemoClient();

createApp(App, { signIn }).use(createTether(client)).mount('#app');
