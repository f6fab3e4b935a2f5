;; JS → host: `__host[n](...)` arrives at host_call by name and is dispatched to one Proxy-Wasm call.
  ;; ---- JS → host: `__host[n](...)` arrives here by name ----
  (func (export "host_call") (param $name i32) (param $nlen i32) (param $this i32) (param $argc i32) (param $argv i32) (result i32)
    (local $id i32) (local $result i32)
    (local.set $id (i32.sub (i32.load8_u (local.get $name)) (i32.const 48)))
    (if (i32.eq (local.get $nlen) (i32.const 2))
      (then (local.set $id (i32.add (i32.mul (local.get $id) (i32.const 10))
        (i32.sub (i32.load8_u offset=1 (local.get $name)) (i32.const 48))))))
    (global.set $argc (local.get $argc))
    (global.set $argv (local.get $argv))
    (local.set $result (call $host_fn (local.get $id)))
    (call $release)
    (local.get $result))

  (func $host_fn (param $id i32) (result i32)
    (local $result i32)
    (block $bad (block $b47 (block $b46 (block $b45 (block $b44 (block $b43 (block $b42 (block $b41 (block $b40 (block $b39 (block $b38 (block $b37 (block $b36 (block $b35 (block $b34 (block $b33 (block $b32 (block $b31 (block $b30 (block $b29 (block $b28 (block $b27
    (block $b26 (block $b25 (block $b24 (block $b23 (block $b22 (block $b21 (block $b20 (block $b19
    (block $b18 (block $b17 (block $b16 (block $b15 (block $b14 (block $b13 (block $b12 (block $b11
    (block $b10 (block $b9 (block $b8 (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2
    (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $b12 $b13 $b14 $b15 $b16 $b17 $b18
        $b19 $b20 $b21 $b22 $b23 $b24 $b25 $b26 $b27 $b28 $b29 $b30 $b31 $b32 $b33 $b34 $b35 $b36 $b37 $b38 $b39 $b40 $b41 $b42 $b43 $b44 $b45 $b46 $b47 $bad (local.get $id)))
      ;; 0 log(level, message)
      (return (call $num (call $proxy_log (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))))))
      ;; 1 getLogLevel()
      (return (call $u32_or_status (call $proxy_get_log_level (call $out0)))))
      ;; 2 getCurrentTimeNanoseconds()
      (drop (call $proxy_get_current_time_nanoseconds (call $out0)))
      (return (call $new_number (f64.convert_i64_u (i64.load (global.get $scratch))))))
    ;; 3 setTickPeriodMilliseconds(ms)
    (return (call $num (call $proxy_set_tick_period_milliseconds (call $arg_i32 (i32.const 0))))))
    ;; 4 getBufferBytes(type, start, maxSize)
    (return (call $buf_or_status (call $proxy_get_buffer_bytes (call $arg_i32 (i32.const 0)) (call $arg_i32 (i32.const 1))
      (call $arg_i32 (i32.const 2)) (call $out0) (call $out1)))))
    ;; 5 getBufferStatus(type) → length
    (return (call $u32_or_status (call $proxy_get_buffer_status (call $arg_i32 (i32.const 0)) (call $out0) (call $out1)))))
    ;; 6 setBufferBytes(type, start, length, bytes)
    (return (call $num (call $proxy_set_buffer_bytes (call $arg_i32 (i32.const 0)) (call $arg_i32 (i32.const 1))
      (call $arg_i32 (i32.const 2)) (call $arg_buf (i32.const 3))))))
    ;; 7 getHeaderMapPairs(map)
    (return (call $buf_or_status (call $proxy_get_header_map_pairs (call $arg_i32 (i32.const 0)) (call $out0) (call $out1)))))
    ;; 8 setHeaderMapPairs(map, pairs)
    (return (call $num (call $proxy_set_header_map_pairs (call $arg_i32 (i32.const 0)) (call $arg_buf (i32.const 1))))))
    ;; 9 getHeaderMapValue(map, key) → string | status
    (return (call $str_or_status (call $proxy_get_header_map_value (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))
      (call $out0) (call $out1)))))
    ;; 10 addHeaderMapValue(map, key, value)
    (return (call $num (call $proxy_add_header_map_value (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))
      (call $arg_str (i32.const 2))))))
    ;; 11 replaceHeaderMapValue(map, key, value)
    (return (call $num (call $proxy_replace_header_map_value (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))
      (call $arg_str (i32.const 2))))))
    ;; 12 removeHeaderMapValue(map, key)
    (return (call $num (call $proxy_remove_header_map_value (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))))))
    ;; 13 getProperty(path)
    (return (call $buf_or_status (call $proxy_get_property (call $arg_buf (i32.const 0)) (call $out0) (call $out1)))))
    ;; 14 setProperty(path, value)
    (return (call $num (call $proxy_set_property (call $arg_buf (i32.const 0)) (call $arg_buf (i32.const 1))))))
    ;; 15 sendLocalResponse(status, details, body, headers, grpcStatus)
    (return (call $num (call $proxy_send_local_response (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))
      (call $arg_buf (i32.const 2)) (call $arg_buf (i32.const 3)) (call $arg_i32 (i32.const 4))))))
    ;; 16 continueStream(type)
    (return (call $num (call $proxy_continue_stream (call $arg_i32 (i32.const 0))))))
    ;; 17 closeStream(type)
    (return (call $num (call $proxy_close_stream (call $arg_i32 (i32.const 0))))))
    ;; 18 httpCall(cluster, headers, body, trailers, timeoutMs) → token | −status
    (return (call $u32_or_status (call $proxy_http_call (call $arg_str (i32.const 0)) (call $arg_buf (i32.const 1))
      (call $arg_buf (i32.const 2)) (call $arg_buf (i32.const 3)) (call $arg_i32 (i32.const 4)) (call $out0)))))
    ;; 19 getSharedData(key) → bytes | status; the CAS is read with lastU32()
    (return (call $buf_or_status (call $proxy_get_shared_data (call $arg_str (i32.const 0)) (call $out0) (call $out1) (call $out2)))))
    ;; 20 lastU32() → the third out-param of the previous call
    (return (call $new_number (f64.convert_i32_u (i32.load (call $out2))))))
    ;; 21 setSharedData(key, value, cas)
    (return (call $num (call $proxy_set_shared_data (call $arg_str (i32.const 0)) (call $arg_buf (i32.const 1))
      (call $arg_i32 (i32.const 2))))))
    ;; 22 registerSharedQueue(name) → id | −status
    (return (call $u32_or_status (call $proxy_register_shared_queue (call $arg_str (i32.const 0)) (call $out0)))))
    ;; 23 resolveSharedQueue(vmId, name) → id | −status
    (return (call $u32_or_status (call $proxy_resolve_shared_queue (call $arg_str (i32.const 0)) (call $arg_str (i32.const 1))
      (call $out0)))))
    ;; 24 enqueueSharedQueue(id, bytes)
    (return (call $num (call $proxy_enqueue_shared_queue (call $arg_i32 (i32.const 0)) (call $arg_buf (i32.const 1))))))
    ;; 25 dequeueSharedQueue(id) → bytes | status
    (return (call $buf_or_status (call $proxy_dequeue_shared_queue (call $arg_i32 (i32.const 0)) (call $out0) (call $out1)))))
    ;; 26 defineMetric(type, name) → id | −status
    (return (call $u32_or_status (call $proxy_define_metric (call $arg_i32 (i32.const 0)) (call $arg_str (i32.const 1))
      (call $out0)))))
    ;; 27 incrementMetric(id, delta)
    (return (call $num (call $proxy_increment_metric (call $arg_i32 (i32.const 0)) (call $arg_i64 (i32.const 1))))))
    ;; 28 recordMetric(id, value)
    (return (call $num (call $proxy_record_metric (call $arg_i32 (i32.const 0)) (call $arg_i64 (i32.const 1))))))
    ;; 29 getMetric(id) → value | −status
    (local.set $id (call $proxy_get_metric (call $arg_i32 (i32.const 0)) (call $out0)))
    (if (local.get $id) (then (return (call $num (i32.sub (i32.const 0) (local.get $id))))))
    (return (call $new_number (f64.convert_i64_u (i64.load (global.get $scratch))))))
    ;; 30 setEffectiveContext(id)
    (return (call $num (call $proxy_set_effective_context (call $arg_i32 (i32.const 0))))))
    ;; 31 done()
    (return (call $num (call $proxy_done))))
    ;; 32 getStatus() → message | status; the code is read with lastU32()
    (return (call $str_or_status (call $proxy_get_status (call $out2) (call $out0) (call $out1)))))
    ;; 33 getHeaderMapSize(map) → bytes | −status
    (return (call $u32_or_status (call $proxy_get_header_map_size (call $arg_i32 (i32.const 0)) (call $out0)))))
    ;; 34 randomBytes(n) → ArrayBuffer (WASI random_get)
    (return (call $random_bytes (call $arg_i32 (i32.const 0)))))
    ;; 35 utf8Encode(string) → ArrayBuffer
    (return (call $new_array_buffer (call $arg_str (i32.const 0)))))
    ;; 36 utf8Decode(bytes, start, length) → string, or 4 (ParseFailure) when the bytes are not valid UTF-8
    (return (call $utf8_decode (call $arg_buf (i32.const 0)) (call $arg_i32 (i32.const 1)) (call $arg_i32 (i32.const 2)))))
    ;; 37 utf8Valid(bytes, start, length) → 1 when valid UTF-8, else 0
    (return (call $num (call $utf8_range_valid (call $arg_buf (i32.const 0)) (call $arg_i32 (i32.const 1)) (call $arg_i32 (i32.const 2))))))
    ;; 38 jsonScan(text, keys, out, maxDepth) → 0 object, 1 invalid, 2 too deep, 3 not an object, 4 declined, 5 not UTF-8, −1 out too small
    (return (call $num (call $json_scan (call $arg_buf (i32.const 0)) (call $arg_buf (i32.const 1)) (call $arg_buf (i32.const 2))
      (call $arg_i32 (i32.const 3))))))
    ;; 39 sseScan(chunk, state, out, from) → events found, −1 when state or out is too small or from is past the chunk
    (return (call $num (call $sse_scan (call $arg_buf (i32.const 0)) (call $arg_buf (i32.const 1)) (call $arg_buf (i32.const 2))
      (call $arg_i32 (i32.const 3))))))
    ;; 40 getHeaderMapText(map) → "k\0v\0…" | bytes (not UTF-8, or a NUL in a string) | status
    (return (call $pairs_text_or_status (call $proxy_get_header_map_pairs (call $arg_i32 (i32.const 0)) (call $out0) (call $out1)))))
    ;; 41 setHeaderMapText(pairs, count, map) → status; −1 when pairs is not count pairs of UTF-8 without NUL, −2 past Envoy's limits
    (local.set $result (call $pairs_block (call $arg_str (i32.const 0)) (call $arg_i32 (i32.const 1))))
    (if (i32.ne (local.get $result) (i32.const 1)) (then (return (call $num (select (i32.const -1) (local.get $result) (i32.eqz (local.get $result)))))))
    (return (call $num (call $proxy_set_header_map_pairs (call $arg_i32 (i32.const 2)) (global.get $block_ptr) (global.get $block_len)))))
    ;; 42 sseScanBody(type, state, out) → sseScan on the whole body buffer; −(2 + status) when it cannot be read
    (return (call $num (call $sse_scan_body (call $proxy_get_buffer_bytes (call $arg_i32 (i32.const 0)) (i32.const 0) (i32.const 0x7fffffff)
      (call $out0) (call $out1)) (call $arg_buf (i32.const 1)) (call $arg_buf (i32.const 2))))))
    ;; 43 getPropertyText(path) → string (or the bytes when they are not UTF-8) | status
    (return (call $text_or_status (call $proxy_get_property (call $arg_buf (i32.const 0)) (call $out0) (call $out1)))))
    ;; 44 setPropertyText(path, value) → status
    (return (call $num (call $proxy_set_property (call $arg_buf (i32.const 0)) (call $arg_str (i32.const 1))))))
    ;; 45 rewriteHeaderMap(remove, set, count, map) → status; −1 when a list is malformed or not UTF-8, −2 past Envoy's limits (the map is read by $rewrite_block)
    (local.set $result (call $rewrite_block (call $arg_buf (i32.const 0)) (call $arg_str (i32.const 1)) (call $arg_i32 (i32.const 2))
      (local.tee $id (call $arg_i32 (i32.const 3)))))
    (if (i32.ne (local.get $result) (i32.const 1)) (then (return (call $num (local.get $result)))))
    (return (call $num (call $proxy_set_header_map_pairs (local.get $id) (global.get $block_ptr) (global.get $block_len)))))
    ;; 46 spliceBody(type, splices) → status; −1 when the splices do not fit the body, −(2 + status) when it cannot be read (by $splice_block)
    (local.set $result (call $splice_block (local.tee $id (call $arg_i32 (i32.const 0))) (call $arg_buf (i32.const 1))))
    (if (i32.ne (local.get $result) (i32.const 1)) (then (return (call $num (local.get $result)))))
    (return (call $num (call $proxy_set_buffer_bytes (local.get $id) (i32.const 0) (global.get $body_len) (global.get $block_ptr) (global.get $block_len)))))
    ;; 47 jsonScanBody(type, keys, out, maxDepth, stringIndex) → jsonScan's code on the body, or member stringIndex's plain string value
    (return (call $json_scan_body (call $proxy_get_buffer_bytes (call $arg_i32 (i32.const 0)) (i32.const 0) (i32.const 0x7fffffff) (call $out0) (call $out1))
      (call $arg_buf (i32.const 1)) (call $arg_buf (i32.const 2)) (call $arg_i32 (i32.const 3)) (call $arg_i32 (i32.const 4)))))
    (drop (call $qjs_throw (call $new_error)))
    (i32.const 0))
  (func $random_bytes (param $n i32) (result i32)
    (local $ptr i32) (local $value i32)
    (local.set $ptr (call $malloc (select (local.get $n) (i32.const 1) (local.get $n))))
    (drop (call $random_get (local.get $ptr) (local.get $n)))
    (local.set $value (call $new_array_buffer (local.get $ptr) (local.get $n)))
    (call $free (local.get $ptr))
    (local.get $value))
