// Something a root makes on its first use, not at init (README "Performance"): `make` runs once,
// when the returned function is first called, and every caller gets the same promise. A make that
// failed (a package beside the bundle that could not be loaded, say) is tried again on the next call,
// so one bad moment does not disable the adapter for the life of a warm function.
export const onFirstUse = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
};
