;; UTF-8 for JS: validation (Unicode well-formedness) and decoding of byte ranges, both at Wasm speed.
  ;; Clamps (start, len) to a buffer of $size bytes; leaves them in $clamp_start/$clamp_len.
  (global $clamp_start (mut i32) (i32.const 0))
  (global $clamp_len (mut i32) (i32.const 0))
  (func $clamp (param $size i32) (param $start i32) (param $len i32)
    (if (i32.gt_u (local.get $start) (local.get $size)) (then (local.set $start (local.get $size))))
    (if (i32.gt_u (local.get $len) (i32.sub (local.get $size) (local.get $start)))
      (then (local.set $len (i32.sub (local.get $size) (local.get $start)))))
    (global.set $clamp_start (local.get $start))
    (global.set $clamp_len (local.get $len)))

  (func $utf8_decode (param $ptr i32) (param $size i32) (param $start i32) (param $len i32) (result i32)
    (call $clamp (local.get $size) (local.get $start) (local.get $len))
    (local.set $ptr (i32.add (local.get $ptr) (global.get $clamp_start)))
    (if (i32.eqz (call $utf8_valid (local.get $ptr) (global.get $clamp_len))) (then (return (call $num (i32.const 4)))))
    (call $new_string (local.get $ptr) (global.get $clamp_len)))

  (func $utf8_range_valid (param $ptr i32) (param $size i32) (param $start i32) (param $len i32) (result i32)
    (call $clamp (local.get $size) (local.get $start) (local.get $len))
    (call $utf8_valid (i32.add (local.get $ptr) (global.get $clamp_start)) (global.get $clamp_len)))

  ;; Unicode's well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, nothing truncated.
  ;; ASCII runs are passed eight bytes at a time.
  (func $utf8_valid (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $b i32) (local $need i32) (local $lo i32) (local $hi i32) (local $c i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (if (i32.le_u (i32.add (local.get $ptr) (i32.const 8)) (local.get $end))
          (then
            (if (i64.eqz (i64.and (i64.load align=1 (local.get $ptr)) (i64.const 0x8080808080808080)))
              (then
                (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
                (br $next)))))
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $ptr)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $b) (i32.const 0x80)))
        (local.set $lo (i32.const 0x80))
        (local.set $hi (i32.const 0xbf))
        (if (i32.lt_u (local.get $b) (i32.const 0xc2)) (then (return (i32.const 0))))
        (if (i32.lt_u (local.get $b) (i32.const 0xe0))
          (then (local.set $need (i32.const 1)))
          (else (if (i32.lt_u (local.get $b) (i32.const 0xf0))
            (then
              (local.set $need (i32.const 2))
              (if (i32.eq (local.get $b) (i32.const 0xe0)) (then (local.set $lo (i32.const 0xa0))))
              (if (i32.eq (local.get $b) (i32.const 0xed)) (then (local.set $hi (i32.const 0x9f)))))
            (else (if (i32.lt_u (local.get $b) (i32.const 0xf5))
              (then
                (local.set $need (i32.const 3))
                (if (i32.eq (local.get $b) (i32.const 0xf0)) (then (local.set $lo (i32.const 0x90))))
                (if (i32.eq (local.get $b) (i32.const 0xf4)) (then (local.set $hi (i32.const 0x8f)))))
              (else (return (i32.const 0))))))))
        (if (i32.gt_u (i32.add (local.get $ptr) (local.get $need)) (local.get $end)) (then (return (i32.const 0))))
        (local.set $c (i32.load8_u (local.get $ptr)))
        (if (i32.or (i32.lt_u (local.get $c) (local.get $lo)) (i32.gt_u (local.get $c) (local.get $hi))) (then (return (i32.const 0))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $need (i32.sub (local.get $need) (i32.const 1)))
        (block $conts
          (loop $cont
            (br_if $conts (i32.eqz (local.get $need)))
            (if (i32.ne (i32.and (i32.load8_u (local.get $ptr)) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const 0))))
            (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
            (local.set $need (i32.sub (local.get $need) (i32.const 1)))
            (br $cont)))
        (br $next)))
    (i32.const 1))
