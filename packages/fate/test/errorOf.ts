/** What `fn` throws, or undefined when it returns (tests compare it against the typed error they expect). */
export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
