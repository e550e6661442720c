export { definedProps, type DefinedProps } from './defined-props.js';
export { lruGet } from './lru-cache.js';
