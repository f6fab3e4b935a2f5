/**
 * The Wasm features Envoy's V8 10.7 (Higress 2.0/2.1) runs (reference §8), named explicitly for every
 * binaryen step: binaryen's "all" would emit encodings V8 10.7 rejects.
 */
import binaryen from 'binaryen';

const F = binaryen.Features;

export const ALLOWED_FEATURES =
  F.MVP | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.BulkMemory | F.BulkMemoryOpt | F.Multivalue | F.ReferenceTypes | F.CallIndirectOverlong;

export const FEATURE_FLAGS = [
  '--mvp-features',
  '--enable-mutable-globals',
  '--enable-sign-ext',
  '--enable-nontrapping-float-to-int',
  '--enable-bulk-memory',
  '--enable-bulk-memory-opt',
  '--enable-multivalue',
  '--enable-reference-types',
  '--enable-call-indirect-overlong',
];

export { WABT_FEATURES } from './wabt-features.ts';
