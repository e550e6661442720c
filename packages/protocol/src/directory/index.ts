export {
  DirectoryDocumentSchema,
  NetworkEntrySchema,
  NetworkIdSchema,
  PrefixRangeSchema,
  PublicJwkSchema,
  RegionEntrySchema,
  RegionIdSchema,
  type DirectoryDocument,
  type NetworkEntry,
  type RegionEntry,
} from './directory-schema.js';
export {
  Directory,
  directoryProblems,
  signDirectory,
  verifyDirectory,
  type CardRoute,
  type KeyRole,
} from './directory.js';
export {
  RegionsConfigSchema,
  buildDirectoryDocument,
  parseRegionsConfig,
  type RegionsConfig,
} from './directory-config.js';
