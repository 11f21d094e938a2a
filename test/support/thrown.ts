// What a call throws or a promise rejects with, for assertions on the error itself (its class,
// fields, cause). Each fails the test when nothing is thrown.

/** The error `fn` throws; fails the test when it throws nothing. */
export const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, got none');
};

/** The error a promise rejects with; fails the test when it resolves. */
export const caught = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got none');
};
