// AssemblyScript, compiled into the engine by engine/native.ts (not part of the TypeScript build).
//
// SHA-256 (FIPS 180-4) of `len` bytes at `data`. The module holds no data, so the round constants and
// the message schedule live in `work`, which the caller provides: 672 bytes — the digest (32 bytes,
// big-endian words) at 0, the schedule at 32, the constants at 288, the padded last blocks at 544.

const DIGEST: usize = 0;
const SCHEDULE: usize = 32;
const CONSTANTS: usize = 288;
const TAIL: usize = 544;

function constants(k: usize): void {
  store<u32>(k + 0, 0x428a2f98);
  store<u32>(k + 4, 0x71374491);
  store<u32>(k + 8, 0xb5c0fbcf);
  store<u32>(k + 12, 0xe9b5dba5);
  store<u32>(k + 16, 0x3956c25b);
  store<u32>(k + 20, 0x59f111f1);
  store<u32>(k + 24, 0x923f82a4);
  store<u32>(k + 28, 0xab1c5ed5);
  store<u32>(k + 32, 0xd807aa98);
  store<u32>(k + 36, 0x12835b01);
  store<u32>(k + 40, 0x243185be);
  store<u32>(k + 44, 0x550c7dc3);
  store<u32>(k + 48, 0x72be5d74);
  store<u32>(k + 52, 0x80deb1fe);
  store<u32>(k + 56, 0x9bdc06a7);
  store<u32>(k + 60, 0xc19bf174);
  store<u32>(k + 64, 0xe49b69c1);
  store<u32>(k + 68, 0xefbe4786);
  store<u32>(k + 72, 0x0fc19dc6);
  store<u32>(k + 76, 0x240ca1cc);
  store<u32>(k + 80, 0x2de92c6f);
  store<u32>(k + 84, 0x4a7484aa);
  store<u32>(k + 88, 0x5cb0a9dc);
  store<u32>(k + 92, 0x76f988da);
  store<u32>(k + 96, 0x983e5152);
  store<u32>(k + 100, 0xa831c66d);
  store<u32>(k + 104, 0xb00327c8);
  store<u32>(k + 108, 0xbf597fc7);
  store<u32>(k + 112, 0xc6e00bf3);
  store<u32>(k + 116, 0xd5a79147);
  store<u32>(k + 120, 0x06ca6351);
  store<u32>(k + 124, 0x14292967);
  store<u32>(k + 128, 0x27b70a85);
  store<u32>(k + 132, 0x2e1b2138);
  store<u32>(k + 136, 0x4d2c6dfc);
  store<u32>(k + 140, 0x53380d13);
  store<u32>(k + 144, 0x650a7354);
  store<u32>(k + 148, 0x766a0abb);
  store<u32>(k + 152, 0x81c2c92e);
  store<u32>(k + 156, 0x92722c85);
  store<u32>(k + 160, 0xa2bfe8a1);
  store<u32>(k + 164, 0xa81a664b);
  store<u32>(k + 168, 0xc24b8b70);
  store<u32>(k + 172, 0xc76c51a3);
  store<u32>(k + 176, 0xd192e819);
  store<u32>(k + 180, 0xd6990624);
  store<u32>(k + 184, 0xf40e3585);
  store<u32>(k + 188, 0x106aa070);
  store<u32>(k + 192, 0x19a4c116);
  store<u32>(k + 196, 0x1e376c08);
  store<u32>(k + 200, 0x2748774c);
  store<u32>(k + 204, 0x34b0bcb5);
  store<u32>(k + 208, 0x391c0cb3);
  store<u32>(k + 212, 0x4ed8aa4a);
  store<u32>(k + 216, 0x5b9cca4f);
  store<u32>(k + 220, 0x682e6ff3);
  store<u32>(k + 224, 0x748f82ee);
  store<u32>(k + 228, 0x78a5636f);
  store<u32>(k + 232, 0x84c87814);
  store<u32>(k + 236, 0x8cc70208);
  store<u32>(k + 240, 0x90befffa);
  store<u32>(k + 244, 0xa4506ceb);
  store<u32>(k + 248, 0xbef9a3f7);
  store<u32>(k + 252, 0xc67178f2);
}

@inline function rotr(x: u32, n: u32): u32 {
  return (x >>> n) | (x << (32 - n));
}

function block(at: usize, work: usize): void {
  const w = work + SCHEDULE;
  const k = work + CONSTANTS;
  for (let t: usize = 0; t < 16; t++) store<u32>(w + t * 4, bswap<u32>(load<u32>(at + t * 4)));
  for (let t: usize = 16; t < 64; t++) {
    const x = load<u32>(w + (t - 15) * 4);
    const y = load<u32>(w + (t - 2) * 4);
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    store<u32>(w + t * 4, load<u32>(w + (t - 16) * 4) + s0 + load<u32>(w + (t - 7) * 4) + s1);
  }
  const h = work + DIGEST;
  let a = load<u32>(h);
  let b = load<u32>(h + 4);
  let c = load<u32>(h + 8);
  let d = load<u32>(h + 12);
  let e = load<u32>(h + 16);
  let f = load<u32>(h + 20);
  let g = load<u32>(h + 24);
  let hh = load<u32>(h + 28);
  for (let t: usize = 0; t < 64; t++) {
    const t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + load<u32>(k + t * 4) + load<u32>(w + t * 4);
    const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u32>(h, load<u32>(h) + a);
  store<u32>(h + 4, load<u32>(h + 4) + b);
  store<u32>(h + 8, load<u32>(h + 8) + c);
  store<u32>(h + 12, load<u32>(h + 12) + d);
  store<u32>(h + 16, load<u32>(h + 16) + e);
  store<u32>(h + 20, load<u32>(h + 20) + f);
  store<u32>(h + 24, load<u32>(h + 24) + g);
  store<u32>(h + 28, load<u32>(h + 28) + hh);
}

/** The digest of [data, data + len) into work[0, 32), big-endian. */
export function sha256(data: usize, len: i32, work: usize): void {
  constants(work + CONSTANTS);
  const h = work + DIGEST;
  store<u32>(h, 0x6a09e667);
  store<u32>(h + 4, 0xbb67ae85);
  store<u32>(h + 8, 0x3c6ef372);
  store<u32>(h + 12, 0xa54ff53a);
  store<u32>(h + 16, 0x510e527f);
  store<u32>(h + 20, 0x9b05688c);
  store<u32>(h + 24, 0x1f83d9ab);
  store<u32>(h + 28, 0x5be0cd19);
  const full = <usize>(len >> 6) << 6;
  for (let at: usize = 0; at < full; at += 64) block(data + at, work);
  const rest = <usize>len - full;
  const tail = work + TAIL;
  for (let i: usize = 0; i < 128; i++) store<u8>(tail + i, i < rest ? load<u8>(data + full + i) : 0);
  store<u8>(tail + rest, 0x80);
  const blocks: usize = rest < 56 ? 1 : 2;
  const bits: u64 = <u64>len << 3;
  store<u64>(tail + blocks * 64 - 8, bswap<u64>(bits));
  for (let b: usize = 0; b < blocks; b++) block(tail + b * 64, work);
  for (let i: usize = 0; i < 8; i++) store<u32>(h + i * 4, bswap<u32>(load<u32>(h + i * 4)));
}
