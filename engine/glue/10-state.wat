;; The glue's state (set by glue_init before the snapshot, so baked into every VM) and its build-time strings.
  ;; Scratch block (64 bytes) for out-params, the dispatcher function and its `this`, set by glue_init.
  (global $scratch (mut i32) (i32.const 0))
  (global $dispatcher (mut i32) (i32.const 0))
  (global $undefined (mut i32) (i32.const 0))
  (global $argc (mut i32) (i32.const 0))
  (global $argv (mut i32) (i32.const 0))
  ;; Up to four C strings borrowed from JS during one host call, freed after it.
  (global $cstr0 (mut i32) (i32.const 0))
  (global $cstr1 (mut i32) (i32.const 0))
  (global $cstr2 (mut i32) (i32.const 0))
  (global $ncstr (mut i32) (i32.const 0))
  ;; A header-pairs block built for one host call, freed after it.
  (global $block_ptr (mut i32) (i32.const 0))
  (global $block_len (mut i32) (i32.const 0))
  ;; The length of the body a splice was made from.
  (global $body_len (mut i32) (i32.const 0))
  ;; The three log prefixes, copied out of the passive segments at build time (segments are dropped by the snapshot).
  (global $texts (mut i32) (i32.const 0))

  (data $s_host "__host\00")
  (data $s_dispatch "__proxy_dispatch\00")
  (data $s_uncaught "uncaught exception escaped the JS dispatcher: ")
  (data $s_job "uncaught exception in a promise job: ")
  (data $s_rejection "unhandled promise rejection: ")
  (data $s_stack "stack\00")
