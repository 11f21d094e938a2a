// The parts the configuration's schemas are made of (profile-schema.ts, app-config.ts): objects that
// refuse and name every key they do not know, records, and the numbers and strings they hold. The
// messages are contract/valibot.ts's, naming what is expected and never the value received.
import * as v from './valibot';

type ObjectInput<E extends v.ObjectEntries> = v.InferInput<v.ObjectSchema<E, undefined>>;
/** What a validated object of `entries` holds: their keys, no other. */
type ObjectOutput<E extends v.ObjectEntries> = v.InferOutput<v.ObjectSchema<E, undefined>>;

/**
 * An object of the configuration holding the keys of `entries` and no other. Every other key is
 * named (valibot's strictObject names only the first), so one run lists all the typos of an object.
 */
export const configObject = <const E extends v.ObjectEntries>(entries: E): v.GenericSchema<ObjectInput<E>, ObjectOutput<E>> =>
  v.pipe(
    v.plainObject<ObjectInput<E>>(),
    v.looseObject(entries),
    v.rawCheck(({ dataset, addIssue }) => {
      const input = dataset.value;
      if (!v.isPlainObject(input)) return;
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(entries, key)) addIssue({ message: 'is not a known key', path: [{ type: 'object', origin: 'key', input, key, value: input[key] }] });
      }
    }),
  );

/** A record of the configuration: an object (not an array) whose keys and values each pass their schema. */
export const recordOf = <K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V) =>
  v.pipe(v.plainObject(), v.record(key, value));

export const nonEmpty = v.pipe(v.string(), v.nonEmpty());
export const positiveWholeNumber = v.pipe(v.number(), v.integer(), v.gtValue(0));
/** A whole number from `min` (to `max`, if given). */
export const wholeNumber = (min: number, max = Number.POSITIVE_INFINITY) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
