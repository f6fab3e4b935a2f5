;; The Envoy build's ABI marker: 0.2.1, which every Envoy ≥ 1.27 loads.
  (func (export "proxy_abi_version_0_2_1"))
