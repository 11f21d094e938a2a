// What a root makes on first use: made once however many callers ask, never at all if nobody asks,
// and made again after a failure instead of failing for the life of the instance.
import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../../lambdas/roots/on-first-use';

describe('onFirstUse', () => {
  it('makes nothing until asked, then once for every caller', async () => {
    let made = 0;
    const client = onFirstUse(() => Promise.resolve({ id: ++made }));
    expect(made).toBe(0);

    const [a, b] = await Promise.all([client(), client()]);
    const c = await client();

    expect(made).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it('makes it again on the next call after a failure', async () => {
    let attempts = 0;
    const client = onFirstUse(() => (++attempts === 1 ? Promise.reject(new Error('Cannot find package')) : Promise.resolve('client')));

    await expect(client()).rejects.toThrow('Cannot find package');
    await expect(client()).resolves.toBe('client');
    await expect(client()).resolves.toBe('client');
    expect(attempts).toBe(2);
  });
});
