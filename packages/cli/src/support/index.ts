export { SupportClient, formatLostReport, type SupportClientOptions } from './support-client.js';
