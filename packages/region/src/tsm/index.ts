export { Tsm, scriptHash, type ScriptInput, type TsmOptions } from './tsm.js';
export { TsmWorker, pendingScripts, type TsmWorkerOptions } from './tsm-worker.js';
