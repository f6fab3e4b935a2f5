/** The same V8 10.7 feature set for wabt, which assembles the glue and test guests (kept apart from binaryen so tests load fast). */
export const WABT_FEATURES = {
  mutable_globals: true,
  sign_extension: true,
  sat_float_to_int: true,
  bulk_memory: true,
  multi_value: true,
  reference_types: true,
};
