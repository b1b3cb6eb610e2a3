/** The Vue demo: the plain page's features with `tether-rpc/vue`. One client, made before the app. */
import { createApp } from 'vue';
import { createTether } from 'tether-rpc/vue';
import '../shared/demo.css';
import { createDemoClient } from '../shared/demo.ts';
import { demoSettings } from '../shared/demo-settings.ts';
import { App } from './App.ts';

const settings = demoSettings(location.search);
const { client, timeline, signIn } = createDemoClient(settings);

createApp(App, { settings, timeline, signIn }).use(createTether(client)).mount('#app');
