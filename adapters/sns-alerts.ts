import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PipelineError } from '../domain/errors';
import { awsReason } from './aws-errors';
import type { Alert } from '../domain/monitoring/alerts';

/** Publishes data-quality alerts to the alerts SNS topic (AWS only; locally alerts stay in the lake). */
export class SnsAlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  /**
   * Sends one alert; the subject names the check and day so mail filters can use it. A refusal
   * fails with the topic, the alert and SNS's error code and message.
   */
  async publish(alert: Alert): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: `[recsys] ${alert.severity} ${alert.check} alert for ${alert.date}`.slice(0, 100),
          Message: JSON.stringify(alert, null, 2),
        }),
      );
    } catch (error) {
      throw new PipelineError(
        `cannot publish the ${alert.check} alert for ${alert.date} to ${this.topicArn}: ${awsReason(error)}`,
        { date: alert.date, cause: error },
      );
    }
  }
}

/** An SNS client, built once per process; `endpoint` points it at a local stand-in (tests). */
export function createSnsClient(region: string, endpoint?: string): SNSClient {
  return new SNSClient(endpoint === undefined ? { region } : { region, endpoint });
}
