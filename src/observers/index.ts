/**
 * `tether-rpc/observers`: framework-agnostic observers the React and Vue bindings are thin
 * wrappers of (and any other framework can use): a call kept up to date, the notifications,
 * a room. Each is `subscribe`/`getSnapshot`, started by its first subscriber.
 */
export { createCallObserver, type CallObserver, type CallObserverOptions, type CallState, type CallStatus } from './call.ts';
export {
  createNotificationsObserver,
  type NotificationFilter,
  type NotificationsObserver,
  type NotificationsOptions,
} from './notifications.ts';
export type { Observable } from './observable.ts';
export { createRoomObserver, type RoomObserver, type RoomState } from './room.ts';
