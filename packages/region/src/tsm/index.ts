export { Tsm, scriptHash, type ScriptInput, type TsmOptions } from './tsm.js';
export { TsmWorker, type TsmWorkerOptions } from './tsm-worker.js';
export { productFromSession } from './product-from-session.js';
