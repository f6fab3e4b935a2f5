/**
 * `compute` with its last answer remembered: a call with the same input (`===`) as the call before
 * answers without computing again — for hot paths whose input mostly repeats from one request to the
 * next (a path, a content type). Only pure functions qualify; the answer is shared between callers.
 */
export function rememberLast<I, O>(compute: (input: I) => O): (input: I) => O {
  let last: { input: I; output: O } | undefined;
  return (input) => {
    if (last !== undefined && last.input === input) return last.output;
    const output = compute(input);
    last = { input, output };
    return output;
  };
}
