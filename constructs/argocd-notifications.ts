import { stringify } from 'yaml';

/** The events ArgoCD's notifications controller reports, each a trigger of the same name. */
export const NOTIFICATION_TRIGGERS = ['on-sync-failed', 'on-health-degraded', 'on-deployed'] as const;
export type NotificationTrigger = (typeof NOTIFICATION_TRIGGERS)[number];

/** The name of the webhook service in `argocd-notifications-cm` (`service.webhook.<name>`), and so its recipient. */
export const NOTIFICATION_WEBHOOK = 'groundwork';

/** A webhook whose URL, and token if any, are keys of a Kubernetes Secret: references, never values. */
export interface NotificationWebhook {
  /** The Secret the notifications controller reads (`--secret-name`); created outside Terraform. */
  readonly secretName: string;
  /** The Secret's key holding the URL (`$<key>` in the service's config). */
  readonly urlKey: string;
  /** The Secret's key holding a bearer token, sent as `Authorization`. @default - no Authorization header */
  readonly tokenKey?: string;
}

export interface ArgoCdNotificationsProps {
  /** Environment name, in every message. */
  readonly environment: string;
  /** Where notifications go. @default - nowhere: the triggers and templates are installed for apps to subscribe to */
  readonly webhook?: NotificationWebhook;
  /** The triggers every application is subscribed to, when there is a webhook. @default - all of NOTIFICATION_TRIGGERS */
  readonly subscribe?: readonly NotificationTrigger[];
}

/** What each trigger watches (expr-lang over the Application) and what its message says. */
const EVENTS: Record<NotificationTrigger, { template: string; description: string; when: string; oncePer?: string; summary: string; revision: string }> = {
  'on-sync-failed': {
    template: 'app-sync-failed',
    description: 'A sync of the application failed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
    summary: 'sync failed',
    revision: '.app.status.sync.revision',
  },
  'on-health-degraded': {
    template: 'app-health-degraded',
    description: 'The application became Degraded',
    when: "app.status.health.status == 'Degraded'",
    summary: 'health degraded',
    revision: '.app.status.sync.revision',
  },
  'on-deployed': {
    template: 'app-deployed',
    description: 'A sync succeeded and the application is Healthy: once per revision',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'",
    // One message per revision a sync deployed: the app's target (`sync.revision`) moves with every commit
    // to the one repository, deployed or not.
    oncePer: 'app.status.operationState?.syncResult?.revision',
    summary: 'deployed',
    revision: '.app.status.operationState.syncResult.revision',
  },
};

/**
 * The `notifications` values of the argo-cd chart: the controller with its metrics, a trigger and a
 * template for each event, and, with a webhook, the service (its URL and token read from the Secret by
 * reference) and a subscription of every application. Each message is JSON whose every field from the
 * Application is written by `toJson`, so an error message with quotes in it still makes valid JSON.
 */
export function argoCdNotificationValues(props: ArgoCdNotificationsProps): Record<string, unknown> {
  const triggers = Object.fromEntries(
    NOTIFICATION_TRIGGERS.map((trigger) => {
      const event = EVENTS[trigger];
      return [`trigger.${trigger}`, stringify([{ description: event.description, when: event.when, ...(event.oncePer && { oncePer: event.oncePer }), send: [event.template] }])];
    }),
  );
  const templates = Object.fromEntries(
    NOTIFICATION_TRIGGERS.map((trigger) => {
      const event = EVENTS[trigger];
      const body = [
        `"event": ${JSON.stringify(trigger)}`,
        `"summary": ${JSON.stringify(event.summary)}`,
        `"environment": ${JSON.stringify(props.environment)}`,
        '"application": {{ toJson .app.metadata.name }}',
        '"project": {{ toJson .app.spec.project }}',
        `"revision": {{ toJson ${event.revision} }}`,
        '"health": {{ toJson .app.status.health.status }}',
        '"message": {{ if .app.status.operationState }}{{ toJson .app.status.operationState.message }}{{ else }}""{{ end }}',
      ];
      return [
        `template.${event.template}`,
        stringify({
          message: `${props.environment}: {{ .app.metadata.name }} ${event.summary}`,
          webhook: { [NOTIFICATION_WEBHOOK]: { method: 'POST', body: `{${body.join(', ')}}` } },
        }),
      ];
    }),
  );
  const webhook = props.webhook;
  return {
    metrics: { enabled: true },
    triggers,
    templates,
    ...(webhook && {
      // The controller reads this Secret; the chart must not make an empty one in its place.
      secret: { create: false, name: webhook.secretName },
      notifiers: {
        [`service.webhook.${NOTIFICATION_WEBHOOK}`]: stringify({
          url: `$${webhook.urlKey}`,
          headers: [{ name: 'Content-Type', value: 'application/json' }, ...(webhook.tokenKey ? [{ name: 'Authorization', value: `Bearer $${webhook.tokenKey}` }] : [])],
        }),
      },
      subscriptions: [{ recipients: [NOTIFICATION_WEBHOOK], triggers: [...(props.subscribe ?? NOTIFICATION_TRIGGERS)] }],
    }),
  };
}
