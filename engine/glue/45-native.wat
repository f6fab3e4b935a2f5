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

  ;; sha256 needs 672 bytes of work (digest, schedule, constants, padded tail); the digest is its first 32.
  (func $sha256 (param $data i32) (param $len i32) (param $work i32) (param $work_len i32) (result i32)
    (if (i32.lt_u (local.get $work_len) (i32.const 672)) (then (return (i32.const -1))))
    (call $native_sha256 (local.get $data) (local.get $len) (local.get $work))
    (i32.const 0))

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

  ;; rewriteHeaderMap: the map's pairs without those named in `remove` ("name\0…") or in `set` ("k\0v\0…",
  ;; `count` pairs), then the pairs of `set`, built into $block_ptr/$block_len: 1, −1 when a list is
  ;; malformed or not UTF-8, −2 past Envoy's limits (1024 pairs, 1 MiB).
  (func $rewrite_block (param $remove i32) (param $remove_len i32) (param $set i32) (param $set_len i32) (param $count i32) (param $map i32) (result i32)
    (local $ptr i32) (local $len i32) (local $size i32)
    (if (i32.gt_u (local.get $count) (i32.const 1024)) (then (return (i32.const -2))))
    (if (i32.gt_u (local.get $set_len) (i32.const 1048576)) (then (return (i32.const -2))))
    (if (i32.eqz (call $utf8_valid (local.get $set) (local.get $set_len))) (then (return (i32.const -1))))
    (if (call $proxy_get_header_map_pairs (local.get $map) (call $out0) (call $out1)) (then (return (i32.const -1))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (global.set $block_ptr (call $malloc (i32.add (i32.add (local.get $len) (local.get $set_len))
      (i32.add (i32.const 4) (i32.shl (local.get $count) (i32.const 3))))))
    (local.set $size (select
      (call $native_pairs_rewrite (local.get $ptr) (local.get $len) (local.get $remove) (local.get $remove_len)
        (local.get $set) (local.get $set_len) (local.get $count) (global.get $block_ptr))
      (i32.const -1)
      (global.get $block_ptr)))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (if (i32.lt_s (local.get $size) (i32.const 0)) (then (return (i32.const -1))))
    (if (i32.or (i32.gt_u (local.get $size) (i32.const 1048576)) (i32.gt_u (i32.load (global.get $block_ptr)) (i32.const 1024)))
      (then (return (i32.const -2))))
    (global.set $block_len (local.get $size))
    (i32.const 1))

  ;; spliceBody: the body buffer `type` up to the end of the last splice, with the splices applied
  ;; (engine/native/splice.ts), built into $block_ptr/$block_len with that prefix's length in $body_len
  ;; (Envoy's set_buffer_bytes from 0 replaces that many bytes and keeps the rest, so only the prefix
  ;; crosses): 1, −1 when the splices do not fit it,
  ;; −(2 + status) when it could not be read.
  (func $splice_block (param $type i32) (param $splices i32) (param $splices_len i32) (result i32)
    (local $status i32) (local $ptr i32) (local $len i32) (local $size i32) (local $count i32) (local $last i32)
    (if (i32.ge_u (local.get $splices_len) (i32.const 16))
      (then
        (local.set $count (i32.load (local.get $splices)))
        (if (i32.and (i32.ne (local.get $count) (i32.const 0))
              (i32.le_u (local.get $count) (i32.div_u (i32.sub (local.get $splices_len) (i32.const 4)) (i32.const 12))))
          (then (local.set $last (i32.load (i32.sub (i32.add (local.get $splices) (i32.mul (local.get $count) (i32.const 12))) (i32.const 4))))))))
    (if (local.get $last)
      (then
        (local.set $status (call $proxy_get_buffer_bytes (local.get $type) (i32.const 0) (local.get $last) (call $out0) (call $out1)))
        (if (local.get $status) (then (return (i32.sub (i32.const -2) (local.get $status)))))
        (local.set $ptr (i32.load (global.get $scratch)))
        (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))))
    (local.set $size (call $native_splice_size (local.get $len) (local.get $splices) (local.get $splices_len)))
    (if (i32.ge_s (local.get $size) (i32.const 0))
      (then (global.set $block_ptr (call $malloc (select (local.get $size) (i32.const 1) (local.get $size))))))
    (if (i32.or (i32.lt_s (local.get $size) (i32.const 0)) (i32.eqz (global.get $block_ptr)))
      (then
        (if (local.get $ptr) (then (call $free (local.get $ptr))))
        (return (i32.const -1))))
    (call $native_splice_write (local.get $ptr) (local.get $len) (local.get $splices) (global.get $block_ptr))
    (global.set $block_len (local.get $size))
    (global.set $body_len (local.get $len))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (i32.const 1))

;; jsonScanBody: jsonScan on the body buffer Envoy holds (the block at scratch[0], scratch[4] after
  ;; `status`), never copied into JS. Answers the scan's code, −(2 + status) when the body could not be
  ;; read, or — when the body is an object whose member `index` is a string without escapes, or whose
  ;; member `raw` is an object or array — a string: that string's contents (or nothing), then, for `raw`,
  ;; NUL and the member's JSON text (neither can hold a NUL). The block is freed.
  (func $json_scan_body (param $status i32) (param $keys i32) (param $keys_len i32) (param $out i32) (param $out_len i32)
      (param $max_depth i32) (param $index i32) (param $raw i32) (result i32)
    (local $ptr i32) (local $len i32) (local $code i32) (local $record i32) (local $value i32)
    (local $s_start i32) (local $s_len i32) (local $r_start i32) (local $r_len i32) (local $kind i32) (local $tmp i32) (local $total i32)
    (if (local.get $status) (then (return (call $num (i32.sub (i32.const -2) (local.get $status))))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (local.set $code (call $json_scan (local.get $ptr) (local.get $len) (local.get $keys) (local.get $keys_len)
      (local.get $out) (local.get $out_len) (local.get $max_depth)))
    (local.set $s_len (i32.const -1))
    (local.set $r_len (i32.const -1))
    (if (i32.and (i32.eqz (local.get $code)) (i32.lt_u (local.get $index) (i32.const 8)))
      (then
        (local.set $record (call $key_record (local.get $out) (local.get $index)))
        (if (i32.and (i32.gt_s (i32.load (local.get $record)) (i32.const 0)) (i32.eq (i32.load offset=16 (local.get $record)) (i32.const 0x22)))
          (then
            (local.set $s_start (i32.add (i32.load offset=8 (local.get $record)) (i32.const 1)))
            (local.set $s_len (i32.sub (i32.sub (i32.load offset=12 (local.get $record)) (i32.const 1)) (local.get $s_start)))))))
    (if (i32.and (i32.eqz (local.get $code)) (i32.lt_u (local.get $raw) (i32.const 8)))
      (then
        (local.set $record (call $key_record (local.get $out) (local.get $raw)))
        (local.set $kind (i32.load offset=16 (local.get $record)))
        (if (i32.and (i32.gt_s (i32.load (local.get $record)) (i32.const 0)) (i32.or (i32.eq (local.get $kind) (i32.const 0x7b)) (i32.eq (local.get $kind) (i32.const 0x5b))))
          (then
            (local.set $r_start (i32.load offset=8 (local.get $record)))
            (local.set $r_len (i32.sub (i32.load offset=12 (local.get $record)) (local.get $r_start)))))))
    (if (i32.ge_s (local.get $r_len) (i32.const 0))
      (then
        (local.set $s_len (select (local.get $s_len) (i32.const 0) (i32.ge_s (local.get $s_len) (i32.const 0))))
        (local.set $total (i32.add (i32.add (local.get $s_len) (i32.const 1)) (local.get $r_len)))
        (local.set $tmp (call $malloc (local.get $total)))
        (if (local.get $tmp)
          (then
            (memory.copy (local.get $tmp) (i32.add (local.get $ptr) (local.get $s_start)) (local.get $s_len))
            (i32.store8 (i32.add (local.get $tmp) (local.get $s_len)) (i32.const 0))
            (memory.copy (i32.add (i32.add (local.get $tmp) (local.get $s_len)) (i32.const 1)) (i32.add (local.get $ptr) (local.get $r_start)) (local.get $r_len))
            (local.set $value (call $new_string (local.get $tmp) (local.get $total)))
            (call $free (local.get $tmp)))))
      (else
        (if (i32.ge_s (local.get $s_len) (i32.const 0))
          (then (local.set $value (call $new_string (i32.add (local.get $ptr) (local.get $s_start)) (local.get $s_len)))))))
    (if (i32.eqz (local.get $value)) (then (local.set $value (call $num (local.get $code)))))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (local.get $value))

  ;; The address of key record `index` (5 words: count, keyStart, valueStart, valueEnd, kind) in jsonScan's results.
  (func $key_record (param $out i32) (param $index i32) (result i32)
    (i32.add (local.get $out) (i32.shl (i32.add (i32.const 8) (i32.mul (local.get $index) (i32.const 5))) (i32.const 2))))
