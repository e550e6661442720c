export { seedTokens, type SeedResult, type SeedTokensOptions } from './seed-tokens.js';
export { seedTokenNumber } from './seed-token-number.js';
