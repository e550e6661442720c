export { definedProps, type DefinedProps } from './defined-props.js';
