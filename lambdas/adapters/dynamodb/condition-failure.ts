// A failed ConditionExpression is an answer, not an error: every adapter here turns it into a
// result and lets any other SDK error propagate (the use cases and handlers decide what a throttle
// means).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Item } from './session-item';

/** By class or by name: an error from another copy of the SDK is not an instance of ours. */
export const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/**
 * The item that failed the condition, when the request asked for it (ReturnValuesOnConditionCheckFailure
 * ALL_OLD). DynamoDB returns it (no extra read needed); dynalite does not, and neither does DynamoDB
 * when the item is missing: then undefined, and the caller reads the item itself.
 */
export const itemOfFailure = (error: ConditionalCheckFailedException): Item | undefined =>
  error.Item ? (unmarshall(error.Item) as Item) : undefined;
