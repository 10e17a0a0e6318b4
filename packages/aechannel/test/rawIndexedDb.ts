/**
 * One request on the IndexedDB store's object store behind the store's back, as another
 * tab, developer tools or damaged storage would: for tests that tamper with entries.
 */
import { INDEXEDDB_STORE_DATABASE } from '../src/createIndexedDbStore.js';

/**
 * Runs `call` in its own transaction on the `entries` object store of the store's database.
 * @returns the request's result once the transaction has completed
 */
export async function rawIndexedDbRequest<T>(factory: IDBFactory, mode: IDBTransactionMode, call: (objects: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(INDEXEDDB_STORE_DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('entries');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction('entries', mode);
      const request = call(transaction.objectStore('entries'));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}
