;; The Higress build's ABI marker (0.2.100: a Pause from headers holds them while body callbacks go on) and
;; Higress's Redis callback, proxy_on_redis_call_response(root_context_id, token, status, response_size).
  (func (export "proxy_abi_version_0_2_100"))
  (func (export "proxy_on_redis_call_response") (param i32 i32 i32 i32)
    (drop (call $dispatch (i32.const 15) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 0) (i32.const 0))))
