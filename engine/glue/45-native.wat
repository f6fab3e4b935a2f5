;; The native fast paths (engine/native/*.ts) behind `__host`: the glue checks the buffers JS hands in
;; are large enough, then runs the native code on the borrowed bytes in place.
  ;; json_scan needs 256 bytes of results plus one stack byte per level; the text must be UTF-8.
  (func $json_scan (param $text i32) (param $len i32) (param $keys i32) (param $keys_len i32)
      (param $out i32) (param $out_len i32) (param $max_depth i32) (result i32)
    (if (i32.lt_s (local.get $max_depth) (i32.const 0)) (then (return (i32.const -1))))
    (if (i32.lt_u (local.get $out_len) (i32.add (i32.const 257) (local.get $max_depth))) (then (return (i32.const -1))))
    (if (i32.eqz (call $utf8_valid (local.get $text) (local.get $len))) (then (return (i32.const 5))))
    (call $native_json_scan (local.get $text) (local.get $len) (local.get $keys) (local.get $keys_len)
      (local.get $out) (local.get $max_depth) (i32.const 1)))

  ;; sse_scan keeps 6 words of state; results are 4 words and 3 per event.
  (func $sse_scan (param $chunk i32) (param $len i32) (param $state i32) (param $state_len i32)
      (param $out i32) (param $out_len i32) (param $from i32) (result i32)
    (if (i32.lt_u (local.get $state_len) (i32.const 24)) (then (return (i32.const -1))))
    (if (i32.lt_u (local.get $out_len) (i32.const 28)) (then (return (i32.const -1))))
    (if (i32.gt_u (local.get $from) (local.get $len)) (then (return (i32.const -1))))
    (call $native_sse_scan (local.get $chunk) (local.get $len) (local.get $state) (local.get $out)
      (i32.div_u (i32.sub (local.get $out_len) (i32.const 16)) (i32.const 12)) (local.get $from)))
