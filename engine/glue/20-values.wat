;; Moving values between QuickJS and the host: arguments of `__host[n]` as i32/i64/(ptr,len), and results as
;; numbers, strings or ArrayBuffers (host-allocated blocks freed once copied).
  ;; ---- small helpers ----
  (func $arg (param $i i32) (result i32)
    (i32.load (i32.add (global.get $argv) (i32.shl (local.get $i) (i32.const 2)))))

  (func $arg_i32 (param $i i32) (result i32)
    (i32.wrap_i64 (i64.trunc_sat_f64_s (call $get_float64 (call $arg (local.get $i))))))

  (func $arg_i64 (param $i i32) (result i64)
    (i64.trunc_sat_f64_s (call $get_float64 (call $arg (local.get $i)))))

  ;; A string argument as (ptr, len); the C string is freed by $release after the host call.
  (func $arg_str (param $i i32) (result i32 i32)
    (local $ptr i32)
    (local.set $ptr (call $get_string_len (call $arg (local.get $i)) (i32.add (global.get $scratch) (i32.const 48))))
    (if (i32.eqz (global.get $ncstr)) (then (global.set $cstr0 (local.get $ptr)))
      (else (if (i32.eq (global.get $ncstr) (i32.const 1)) (then (global.set $cstr1 (local.get $ptr)))
        (else (global.set $cstr2 (local.get $ptr))))))
    (global.set $ncstr (i32.add (global.get $ncstr) (i32.const 1)))
    (local.get $ptr)
    (i32.load (i32.add (global.get $scratch) (i32.const 48))))

  ;; An ArrayBuffer argument as (ptr, len), borrowed without a copy.
  (func $arg_buf (param $i i32) (result i32 i32)
    (call $get_array_buffer (call $arg (local.get $i)) (i32.add (global.get $scratch) (i32.const 52)))
    (i32.load (i32.add (global.get $scratch) (i32.const 52))))

  (func $release
    (if (i32.gt_u (global.get $ncstr) (i32.const 0)) (then (call $free_cstring (global.get $cstr0))))
    (if (i32.gt_u (global.get $ncstr) (i32.const 1)) (then (call $free_cstring (global.get $cstr1))))
    (if (i32.gt_u (global.get $ncstr) (i32.const 2)) (then (call $free_cstring (global.get $cstr2))))
    (global.set $ncstr (i32.const 0))
    (if (global.get $block_ptr) (then (call $free (global.get $block_ptr)) (global.set $block_ptr (i32.const 0)))))

  (func $num (param $v i32) (result i32) (call $new_number (f64.convert_i32_s (local.get $v))))

  ;; Status Ok → the u32 at scratch[0] as a number; otherwise −status.
  (func $u32_or_status (param $status i32) (result i32)
    (if (result i32) (local.get $status)
      (then (call $num (i32.sub (i32.const 0) (local.get $status))))
      (else (call $new_number (f64.convert_i32_u (i32.load (global.get $scratch)))))))

  ;; Status Ok → the block at (scratch[0], scratch[4]) as an ArrayBuffer (freed); otherwise the status.
  (func $buf_or_status (param $status i32) (result i32)
    (local $ptr i32) (local $len i32) (local $value i32)
    (if (local.get $status) (then (return (call $num (local.get $status)))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (local.set $value (call $new_array_buffer (local.get $ptr) (local.get $len)))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (local.get $value))

  ;; Status Ok → the block as a string when it is UTF-8, else as an ArrayBuffer (freed); otherwise the status.
  (func $text_or_status (param $status i32) (result i32)
    (local $ptr i32) (local $len i32) (local $value i32)
    (if (local.get $status) (then (return (call $num (local.get $status)))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (if (call $utf8_valid (local.get $ptr) (local.get $len))
      (then (local.set $value (call $new_string (select (local.get $ptr) (global.get $scratch) (local.get $ptr)) (local.get $len))))
      (else (local.set $value (call $new_array_buffer (local.get $ptr) (local.get $len)))))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (local.get $value))

  (func $str_or_status (param $status i32) (result i32)
    (local $ptr i32) (local $len i32) (local $value i32)
    (if (local.get $status) (then (return (call $num (local.get $status)))))
    (local.set $ptr (i32.load (global.get $scratch)))
    (local.set $len (i32.load (i32.add (global.get $scratch) (i32.const 4))))
    (local.set $value (call $new_string (local.get $ptr) (local.get $len)))
    (if (local.get $ptr) (then (call $free (local.get $ptr))))
    (local.get $value))

  (func $out0 (result i32) (global.get $scratch))
  (func $out1 (result i32) (i32.add (global.get $scratch) (i32.const 4)))
  (func $out2 (result i32) (i32.add (global.get $scratch) (i32.const 8)))
