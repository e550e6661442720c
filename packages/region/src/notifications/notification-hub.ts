import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { loadPg } from '../storage/index.js';

/**
 * Wakes the push streams of a device when a notification for it was committed. The database is
 * the truth (streams read from it); the hub only says "look now", so a missed wake-up costs
 * latency, never a notification.
 */
export interface NotificationHub {
  publish(deviceId: string): void;
  subscribe(deviceId: string, listener: () => void): () => void;
  close(): Promise<void>;
}

/** One process: an in-memory emitter. Right for SQLite, which one process owns. */
export class LocalNotificationHub implements NotificationHub {
  protected readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(deviceId: string): void {
    this.emitter.emit(deviceId);
  }

  subscribe(deviceId: string, listener: () => void): () => void {
    this.emitter.on(deviceId, listener);
    return () => this.emitter.off(deviceId, listener);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

const CHANNEL = 'domicile_notifications';

/**
 * Many stateless nodes on one PostgreSQL: a node that writes a notification says so with
 * NOTIFY, and every node LISTENing wakes its local streams (DESIGN: Storage and scale).
 */
export class PostgresNotificationHub extends LocalNotificationHub {
  readonly #client: pg.Client;
  #ready: Promise<void>;

  constructor(connectionString: string) {
    super();
    this.#client = new (loadPg().Client)({ connectionString });
    this.#client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload !== undefined) this.emitter.emit(msg.payload);
    });
    // A lost listener connection only delays wake-ups (streams also poll); it must not crash the node.
    this.#client.on('error', () => undefined);
    this.#ready = this.#client
      .connect()
      .then(() => this.#client.query(`LISTEN ${CHANNEL}`))
      .then(() => undefined);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  override publish(deviceId: string): void {
    super.publish(deviceId);
    this.#ready = this.#ready
      .then(() => this.#client.query('SELECT pg_notify($1, $2)', [CHANNEL, deviceId]))
      .then(
        () => undefined,
        () => undefined,
      );
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#ready.catch(() => undefined);
    await this.#client.end().catch(() => undefined);
  }
}
