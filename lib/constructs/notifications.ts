// Notifications off the bus (README "Notifications"): `Session Expiring`, `Session Ended` and
// `Session Resource Warning` (and `Workspace Expiring`) on the stack's own event bus go to the configured webhook (an
// EventBridge API destination) and e-mail addresses (an SNS topic), each target retried by
// EventBridge and dead-lettered. Only what is configured is created. The bodies are built from the
// event detail, which carries nothing secret: one rule for the deadline events (their body names the
// deadline and the extend route), one for resource warnings (which resource, how full), both to the
// same destination and topic; a third for `Workspace Expiring` (whose profile, when, and the route
// that deletes it now).
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventField,
  HttpMethod,
  type IEventBus,
  Rule,
  RuleTargetInput,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { topicKey } from './topic-key';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type AppConfig } from '../../contract/app-config';
import { EVENT_SOURCE } from '../../contract/domain-events';
import { DEADLINE_NOTIFIED_TYPES, RESOURCE_NOTIFIED_TYPES, WORKSPACE_NOTIFIED_TYPES } from '../../contract/notifications';
import { DeadLetterQueue } from './dead-letter-queue';

/** The header the webhook receives the shared key in (its value: the stack's WebhookKey secret). */
export const WEBHOOK_KEY_HEADER = 'x-session-expiry-key';

/** EventBridge retries a failed delivery this often, for at most this long, then dead-letters it. */
const RETRY = { retryAttempts: 8, maxEventAge: Duration.hours(2) } as const;

export interface NotificationsProps {
  notifications: AppConfig['notifications'];
  eventBus: IEventBus;
}

const field = (path: string): string => EventField.fromPath(`$.detail.${path}`);
const detailType = (): string => EventField.fromPath('$.detail-type');

/** One notified kind of event: its rule, the webhook body and the e-mail text. */
interface NotifiedKind {
  rule: Rule;
  body: Record<string, string>;
  text: string;
}

export class Notifications extends Construct {
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  /** The rules on the bus: the deadline events, the resource warnings, the workspaces' deletion warnings. */
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { webhookUrl, emails = [] } = props.notifications;
    if (webhookUrl === undefined && emails.length === 0) return;

    const deadlines: NotifiedKind = {
      rule: this.rule('Rule', props.eventBus, DEADLINE_NOTIFIED_TYPES),
      // `deadline`: expiresAt of a warning, endedAt of an end; the absent one is dropped by EventBridge.
      body: {
        type: detailType(),
        sessionId: field('sessionId'),
        ownerId: field('ownerId'),
        reason: field('reason'),
        deadline: field('expiresAt'),
        endedAt: field('endedAt'),
        extendRoute: `POST /sessions/${field('sessionId')}/extend`,
      },
      text:
        `${detailType()}: session ${field('sessionId')} of ${field('ownerId')} (${field('reason')}). ` +
        `Ends at ${field('expiresAt')}${field('endedAt')}. To keep it, call POST /sessions/${field('sessionId')}/extend.`,
    };
    const resources: NotifiedKind = {
      rule: this.rule('ResourceRule', props.eventBus, RESOURCE_NOTIFIED_TYPES),
      body: {
        type: detailType(),
        sessionId: field('sessionId'),
        ownerId: field('ownerId'),
        profile: field('profile'),
        resource: field('resource'),
        percent: field('percent'),
        threshold: field('threshold'),
      },
      text:
        `${detailType()}: session ${field('sessionId')} of ${field('ownerId')} (profile ${field('profile')}) uses ` +
        `${field('percent')} % of its ${field('resource')} (warning from ${field('threshold')} %). Save your work before it runs out.`,
    };
    const workspaces: NotifiedKind = {
      rule: this.rule('WorkspaceRule', props.eventBus, WORKSPACE_NOTIFIED_TYPES),
      body: {
        type: detailType(),
        ownerId: field('ownerId'),
        profile: field('profile'),
        reason: 'retention',
        deadline: field('deleteAt'),
        deleteRoute: `DELETE /workspaces/${field('profile')}`,
      },
      text:
        `${detailType()}: the ${field('profile')} workspace of ${field('ownerId')} is deleted at ${field('deleteAt')} ` +
        `unless a ${field('profile')} session uses it before. To delete it now: DELETE /workspaces/${field('profile')}.`,
    };
    const kinds = [deadlines, resources, workspaces];
    this.rules.push(...kinds.map((k) => k.rule));
    if (webhookUrl !== undefined) this.addWebhook(kinds, webhookUrl);
    if (emails.length > 0) this.addEmails(kinds, emails);
  }

  /** A rule on the bus matching our source and these detail-types. */
  private rule(id: string, eventBus: IEventBus, types: readonly string[]): Rule {
    return new Rule(this, id, {
      description: `${types.join(' and ')} → webhook and e-mail notifications`,
      eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...types] },
    });
  }

  private addWebhook(kinds: readonly NotifiedKind[], endpoint: string): void {
    // EventBridge connections need an authorization; a key the stack generates, sent in a header,
    // lets the receiver tell our calls apart. Its value is read from Secrets Manager by operators.
    const key = new Secret(this, 'WebhookKey', {
      description: `Value of the ${WEBHOOK_KEY_HEADER} header on session-expiry webhook calls`,
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });
    Validations.of(key).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A shared webhook key the receiver checks: rotating it would break delivery until the receiver learns the new value; operators rotate it with the receiver.',
    });
    const connection = new Connection(this, 'WebhookConnection', {
      description: 'session-expiry notification webhook',
      authorization: Authorization.apiKey(WEBHOOK_KEY_HEADER, SecretValue.secretsManager(key.secretArn)),
    });
    const destination = new ApiDestination(this, 'Webhook', {
      description: 'session-expiry notification webhook',
      connection,
      endpoint,
      httpMethod: HttpMethod.POST,
      rateLimitPerSecond: 10,
    });
    const deadLetterQueue = new DeadLetterQueue(this, 'WebhookDlq', 'notifications the webhook did not accept after retries');
    this.deadLetterQueues.push(deadLetterQueue);
    for (const { rule, body } of kinds) {
      rule.addTarget(new ApiDestinationTarget(destination, { event: RuleTargetInput.fromObject(body), deadLetterQueue, ...RETRY }));
    }
  }

  private addEmails(kinds: readonly NotifiedKind[], emails: readonly string[]): void {
    // EventBridge publishes to the encrypted topic (the AWS-managed SNS key would refuse it).
    const key = topicKey(this, 'TopicKey', 'Encrypts the session-expiry notification topic', new ServicePrincipal('events.amazonaws.com'));
    const topic = new Topic(this, 'Topic', { displayName: 'session-expiry notifications', enforceSSL: true, masterKey: key });
    const emailDlq = new DeadLetterQueue(this, 'EmailDlq', 'notification e-mails SNS could not deliver');
    this.deadLetterQueues.push(emailDlq);
    for (const email of emails) topic.addSubscription(new EmailSubscription(email, { deadLetterQueue: emailDlq }));

    const deadLetterQueue = new DeadLetterQueue(this, 'TopicDlq', 'notifications EventBridge could not publish to the e-mail topic');
    this.deadLetterQueues.push(deadLetterQueue);
    for (const { rule, text } of kinds) {
      rule.addTarget(new SnsTopic(topic, { message: RuleTargetInput.fromText(text), deadLetterQueue, ...RETRY }));
    }
  }
}
