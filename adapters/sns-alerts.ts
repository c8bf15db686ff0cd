import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../domain/monitoring/alerts';

/** Publishes data-quality alerts to the alerts SNS topic (AWS only; locally alerts stay in the lake). */
export class SnsAlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** Sends one alert; the subject names the check and day so mail filters can use it. */
  async publish(alert: Alert): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: `[recsys] ${alert.severity} ${alert.check} alert for ${alert.date}`.slice(0, 100),
        Message: JSON.stringify(alert, null, 2),
      }),
    );
  }
}

/** An SNS client, built once per process. */
export function createSnsClient(region: string): SNSClient {
  return new SNSClient({ region });
}
