/**
 * UTF-8 decoding with the WHATWG Encoding Standard's replacement rule (each maximal ill-formed subpart
 * becomes one U+FFFD), used only for bytes the engine found invalid, so both engines decode alike.
 */

export function decodeUtf8Lossy(bytes: Uint8Array): string {
  const parts: string[] = [];
  let codes: number[] = [];
  const flush = () => {
    parts.push(String.fromCodePoint(...codes));
    codes = [];
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (codes.length >= 4096) flush();
    if (b < 0x80) {
      codes.push(b);
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (cp = b & 0x1f);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (cp = b & 0x0f), b === 0xe0 ? (lo = 0xa0) : b === 0xed ? (hi = 0x9f) : 0;
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (cp = b & 0x07), b === 0xf0 ? (lo = 0x90) : b === 0xf4 ? (hi = 0x8f) : 0;
    else {
      codes.push(0xfffd);
      i++;
      continue;
    }
    let j = i + 1;
    for (let k = 0; k < need; k++, j++) {
      const c = bytes[j];
      if (c === undefined || c < lo || c > hi) break;
      cp = (cp << 6) | (c & 0x3f);
      lo = 0x80;
      hi = 0xbf;
    }
    if (j - i - 1 === need) codes.push(cp);
    else codes.push(0xfffd);
    i = j;
  }
  flush();
  return parts.join('');
}
