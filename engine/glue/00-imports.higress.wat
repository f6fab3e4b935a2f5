;; The Higress build's extra imports: Higress's Redis host functions (traffic-management §A), absent from vanilla Envoy.
  (import "env" "proxy_redis_init" (func $proxy_redis_init (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_redis_call" (func $proxy_redis_call (param i32 i32 i32 i32 i32) (result i32)))
