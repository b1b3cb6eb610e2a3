/**
 * The plain page's helpers, built into `/kit.js` (demo/build-plain.mjs): the same timeline,
 * "Try this" strip and settings the React and Vue pages import. No client inside: the page
 * has `/tether.js` for that.
 */
export { clock, createTimeline } from '../shared/timeline.ts';
export { tryThis } from '../shared/try-this.ts';
export {
  DEADLINE_MS,
  dataLine,
  demoHref,
  demoSettings,
  devToken,
  gatewayConnections,
  publishAndReload,
  publishToAll,
  publishToMe,
  sharingText,
} from '../shared/demo-settings.ts';
