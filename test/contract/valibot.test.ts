// Our valibot messages: every issue a schema does not word itself names what is expected, at its
// path, and never the value received (an API answer must not echo input).
import { describe, expect, it } from 'vitest';
import * as v from '../../contract/valibot';

const problems = (schema: v.GenericSchema, input: unknown): string[] => {
  const result = v.safeParse(schema, input);
  return result.success ? [] : result.issues.map((issue) => `${v.pathOf(issue)}: ${issue.message}`);
};

const schema = v.strictObject({
  name: v.string(),
  count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(9)),
  code: v.pipe(v.string(), v.minLength(2), v.maxLength(4)),
  kind: v.picklist(['red', 'green']),
  link: v.optional(v.pipe(v.string(), v.url())),
  id: v.optional(v.pipe(v.string(), v.uuid())),
  tags: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
  on: v.optional(v.boolean()),
});

describe('contract/valibot messages', () => {
  it('says a missing key is missing and an unknown key is not known, at the key', () => {
    expect(problems(schema, { count: 1, code: 'ab', kind: 'red', surprise: 1 })).toEqual(['name: is missing', 'surprise: is not a known key']);
  });

  it('names the type, the bound or the form expected', () => {
    const bad = { name: 5, count: 1.5, code: 'abcdefgh', kind: 'blue', link: 'not a url', id: 'nope', tags: [], on: 'yes' };
    expect(problems(schema, bad)).toEqual([
      'name: must be a string',
      'count: must be a whole number',
      'code: must have at most 4 characters',
      'kind: must be one of "red", "green"',
      'link: must be a URL',
      'id: must be a UUID',
      'tags: must have at least 1 item',
      'on: must be true or false',
    ]);
    expect(problems(schema, { name: 'n', count: 10, code: 'a', kind: 'red' })).toEqual(['count: must be at most 9', 'code: must have at least 2 characters']);
    expect(problems(schema, 'text')).toEqual([': must be an object']);
  });

  it('never repeats the value it received', () => {
    const secret = 'value-that-must-not-come-back';
    const messages = problems(schema, { name: secret, count: secret, code: secret, kind: secret, link: secret, id: secret, tags: secret, on: secret, [secret]: 1 });
    expect(messages.length).toBeGreaterThan(5);
    for (const message of messages) expect(message.slice(message.indexOf(':'))).not.toContain(secret);
  });

  it('keeps a message the schema gives itself', () => {
    expect(problems(v.pipe(v.string(), v.regex(/^a/, 'must start with the letter a')), 'b')).toEqual([': must start with the letter a']);
  });
});
