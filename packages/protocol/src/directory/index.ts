export {
  DirectoryDocumentSchema,
  DirectoryDocumentV1Schema,
  DirectoryKeySchema,
  NetworkEntrySchema,
  NetworkIdSchema,
  PrefixRangeSchema,
  PublicJwkSchema,
  RegionEntrySchema,
  RegionIdSchema,
  type DirectoryDocument,
  type DirectoryKey,
  type NetworkEntry,
  type RegionEntry,
} from './directory-schema.js';
export { Directory, directoryProblems, type CardRoute, type KeyRole } from './directory.js';
export {
  signDirectory,
  verifyDirectory,
  type DirectoryCheckOptions,
} from './directory-signature.js';
export {
  acceptedKey,
  activeKey,
  epochSeconds,
  isKeyAccepted,
  type KeyValidity,
} from './key-validity.js';
export {
  RegionsConfigSchema,
  buildDirectoryDocument,
  parseRegionsConfig,
  type RegionDirectoryKeys,
  type RegionsConfig,
} from './directory-config.js';
