// The parts of one UpdateItem every store here builds the same way: each attribute name behind a
// placeholder (`status` and `state` are reserved words), each value behind its own, `null`
// meaning REMOVE and `undefined` leaving the attribute alone.
import { compact } from './session-item';

export class UpdateExpression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly set: string[] = [];
  private readonly remove: string[] = [];

  /** The placeholder of an attribute name. */
  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** The placeholder of a value (without its `undefined` members: DynamoDB has no such value). */
  value(v: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = compact(v);
    return placeholder;
  }

  /** SET the attribute to `v`, REMOVE it for `null`, nothing for `undefined`. */
  assign(attribute: string, v: unknown): void {
    if (v === undefined) return;
    if (v === null) this.remove.push(this.name(attribute));
    else this.set.push(`${this.name(attribute)} = ${this.value(v)}`);
  }

  /** A SET clause of its own (an increment). */
  setRaw(clause: string): void {
    this.set.push(clause);
  }

  get expression(): string {
    return `SET ${this.set.join(', ')}${this.remove.length > 0 ? ` REMOVE ${this.remove.join(', ')}` : ''}`;
  }
}
