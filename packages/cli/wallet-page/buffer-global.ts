// The protocol's EMV code computes with Node's Buffer; the browser bundle gets the `buffer`
// package in its place (esbuild `--inject`), the only Node global the wallet needs.
export { Buffer } from 'buffer';
