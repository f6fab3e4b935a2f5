/** The SDK's configuration readers, for plugins that parse a JSON configuration (import `plugin/sdk/config/index.ts`). */
export { ConfigError, fieldPath, isJsonObject, readBoolean, readNumber, readObject, readString, readStringArray } from './readers.ts';
export type { NumberOptions, Presence, StringArrayOptions, StringOptions } from './readers.ts';
export { Described, describeValue, kindOnly, looksLikeCredential } from './describe.ts';
