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

  ;; sseScanBody: the same scan on the body buffer Envoy holds in this callback (the block at scratch[0],
  ;; scratch[4] after `status`), never copied into JS; −1 as above, −(2 + status) when it could not be
  ;; read. The block is freed.
  (func $sse_scan_body (param $status i32) (param $state i32) (param $state_len i32) (param $out i32) (param $out_len i32) (result i32)
    (local $ptr i32) (local $result i32)
    (if (local.get $status) (then (return (i32.sub (i32.const -2) (local.get $status)))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $result (call $sse_scan (local.get $ptr) (i32.load (i32.add (global.get $scratch) (i32.const 4)))
      (local.get $state) (local.get $state_len) (local.get $out) (local.get $out_len) (i32.const 0)))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (local.get $result))

  ;; Header maps as one string, each key and value followed by NUL ("k\0v\0…"), which JS splits and
  ;; joins natively. Status Ok → the strings area of the block at (scratch[0], scratch[4]) as a string,
  ;; or the whole block as an ArrayBuffer when it is not UTF-8 or a string holds a NUL; otherwise the
  ;; status. The block is freed.
  (func $pairs_text_or_status (param $status i32) (result i32)
    (local $ptr i32) (local $len i32) (local $at i32) (local $value i32)
    (if (local.get $status) (then (return (call $num (local.get $status)))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (if (i32.eqz (local.get $len)) (then
      (if (local.get $ptr) (then (call $free (local.get $ptr))))
      (return (call $new_string (global.get $scratch) (i32.const 0)))))
    (local.set $at (call $native_pairs_strings (local.get $ptr) (local.get $len)))
    (if (i32.and (i32.ge_s (local.get $at) (i32.const 0))
          (call $utf8_valid (i32.add (local.get $ptr) (local.get $at)) (i32.sub (local.get $len) (local.get $at))))
      (then (local.set $value (call $new_string (i32.add (local.get $ptr) (local.get $at)) (i32.sub (local.get $len) (local.get $at)))))
      (else (local.set $value (call $new_array_buffer (local.get $ptr) (local.get $len)))))
    (call $free (local.get $ptr))
    (local.get $value))

  ;; Builds the pairs block for `count` pairs from their strings area (the UTF-8 of "k\0v\0…") into
  ;; $block_ptr/$block_len (freed by $release): 1, or 0 when the text is not UTF-8 or not `count` pairs,
  ;; or −2 past Envoy's limits (1024 pairs, 1 MiB), where the host would silently clear the map.
  (func $pairs_block (param $text i32) (param $len i32) (param $count i32) (result i32)
    (local $head i32)
    (if (i32.gt_u (local.get $count) (i32.const 1024)) (then (return (i32.const -2))))
    (local.set $head (i32.add (i32.const 4) (i32.shl (local.get $count) (i32.const 3))))
    (if (i32.gt_u (local.get $len) (i32.sub (i32.const 1048576) (local.get $head))) (then (return (i32.const -2))))
    (if (i32.eqz (call $utf8_valid (local.get $text) (local.get $len))) (then (return (i32.const 0))))
    (global.set $block_len (i32.add (local.get $head) (local.get $len)))
    (global.set $block_ptr (call $malloc (global.get $block_len)))
    (if (i32.eqz (global.get $block_ptr)) (then (return (i32.const 0))))
    (if (i32.eqz (call $native_pairs_header (local.get $text) (local.get $len) (local.get $count) (global.get $block_ptr)))
      (then (return (i32.const 0))))
    (memory.copy (i32.add (global.get $block_ptr) (local.get $head)) (local.get $text) (local.get $len))
    (i32.const 1))
