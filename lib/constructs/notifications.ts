// Notifications off the bus (README "Notifications"): `Session Expiring` and `Session Ended` on the
// stack's own event bus go to the configured webhook (an EventBridge API destination) and e-mail
// addresses (an SNS topic), each target retried by EventBridge and dead-lettered. Only what is
// configured is created. The body is built from the event detail, which carries nothing secret.
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import { ApiDestination, Authorization, Connection, EventField, HttpMethod, type IEventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { topicKey } from './topic-key';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type AppConfig } from '../../contract/app-config';
import { EVENT_SOURCE } from '../../contract/domain-events';
import { NOTIFIED_EVENT_TYPES } from '../../contract/notifications';
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

export class Notifications extends Construct {
  readonly deadLetterQueues: DeadLetterQueue[] = [];
  readonly rule?: Rule;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { webhookUrl, emails = [] } = props.notifications;
    if (webhookUrl === undefined && emails.length === 0) return;

    const rule = new Rule(this, 'Rule', {
      description: 'Session Expiring and Session Ended → webhook and e-mail notifications',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...NOTIFIED_EVENT_TYPES] },
    });
    this.rule = rule;
    // `deadline`: expiresAt of a warning, endedAt of an end; the absent one is dropped by EventBridge.
    const body = {
      type: EventField.fromPath('$.detail-type'),
      sessionId: field('sessionId'),
      ownerId: field('ownerId'),
      reason: field('reason'),
      deadline: field('expiresAt'),
      endedAt: field('endedAt'),
      extendRoute: `POST /sessions/${field('sessionId')}/extend`,
    };
    if (webhookUrl !== undefined) this.addWebhook(rule, webhookUrl, body);
    if (emails.length > 0) this.addEmails(rule, emails);
  }

  private addWebhook(rule: Rule, endpoint: string, body: Record<string, string>): void {
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
    rule.addTarget(new ApiDestinationTarget(destination, { event: RuleTargetInput.fromObject(body), deadLetterQueue, ...RETRY }));
  }

  private addEmails(rule: Rule, emails: readonly string[]): void {
    // EventBridge publishes to the encrypted topic (the AWS-managed SNS key would refuse it).
    const key = topicKey(this, 'TopicKey', 'Encrypts the session-expiry notification topic', new ServicePrincipal('events.amazonaws.com'));
    const topic = new Topic(this, 'Topic', { displayName: 'session-expiry notifications', enforceSSL: true, masterKey: key });
    const emailDlq = new DeadLetterQueue(this, 'EmailDlq', 'notification e-mails SNS could not deliver');
    this.deadLetterQueues.push(emailDlq);
    for (const email of emails) topic.addSubscription(new EmailSubscription(email, { deadLetterQueue: emailDlq }));

    const message = RuleTargetInput.fromText(
      `${EventField.fromPath('$.detail-type')}: session ${field('sessionId')} of ${field('ownerId')} (${field('reason')}). ` +
        `Ends at ${field('expiresAt')}${field('endedAt')}. To keep it, call POST /sessions/${field('sessionId')}/extend.`,
    );
    const deadLetterQueue = new DeadLetterQueue(this, 'TopicDlq', 'notifications EventBridge could not publish to the e-mail topic');
    this.deadLetterQueues.push(deadLetterQueue);
    rule.addTarget(new SnsTopic(topic, { message, deadLetterQueue, ...RETRY }));
  }
}
