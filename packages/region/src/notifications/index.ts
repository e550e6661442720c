export {
  LocalNotificationHub,
  PostgresNotificationHub,
  type NotificationHub,
} from './notification-hub.js';
export { insertNotification, listNotifications, toNotification } from './notification-store.js';
