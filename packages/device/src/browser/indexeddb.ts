import { DomicileError } from '@domicile/protocol';

/*
 * The little of IndexedDB the browser store uses, typed here: the SDK is type-checked without the
 * DOM library (it also runs in Node), so these few shapes stand in for lib.dom's.
 */
interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  readonly error: unknown;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface IdbDatabase {
  transaction(name: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  createObjectStore(name: string): IdbObjectStore;
  close(): void;
  onversionchange: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbRequest<undefined>;
}

const STORE = 'wallet';

function factory(): IdbFactory {
  const idb = (globalThis as unknown as { indexedDB?: IdbFactory }).indexedDB;
  if (idb === undefined)
    throw new DomicileError('CONFIG_INVALID', { details: { reason: 'no IndexedDB here' } });
  return idb;
}

function settled<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new DomicileError('INTERNAL', { cause: request.error }));
  });
}

/** One IndexedDB database with one object store of records by name. */
export class IndexedDbRecords {
  readonly #db: IdbDatabase;

  private constructor(db: IdbDatabase) {
    this.#db = db;
  }

  static async open(name: string): Promise<IndexedDbRecords> {
    const request = factory().open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    const db = await settled(request);
    // Another tab deleting the wallet waits for open connections: this one steps aside.
    db.onversionchange = () => db.close();
    return new IndexedDbRecords(db);
  }

  static async delete(name: string): Promise<void> {
    await settled(factory().deleteDatabase(name));
  }

  get(key: string): Promise<unknown> {
    return settled(this.#db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
  }

  /** Writes the records in one transaction: all of them are kept, or none. */
  put(records: Readonly<Record<string, unknown>>): Promise<void> {
    const tx = this.#db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const [key, value] of Object.entries(records)) store.put(value, key);
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(new DomicileError('INTERNAL', { cause: tx.error }));
    });
  }

  close(): void {
    this.#db.close();
  }
}
