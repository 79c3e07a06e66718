import { parse } from 'yaml';
import { environments } from '../environments';
import { changed, expectRejected } from './support/rejected';
import { readStacks, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// ArgoCD's notifications controller (issue 19): a trigger and a template for a failed sync, a degraded
// application and a deployment, and a webhook whose URL and token are Secret references, never values.

const argoCdValues = (json: StackJson) => parse(resources(json, 'helm_release').find(([, release]) => release.chart === 'argo-cd')![1].values[0]);
const notificationsOf = (json: StackJson) => argoCdValues(json).notifications;
const TRIGGERS = ['on-sync-failed', 'on-health-degraded', 'on-deployed'];

/** A template's JSON body as the webhook would receive it, with every Go template action standing for a JSON value. */
const renderedBody = (body: string) => JSON.parse(body.replace(/\{\{ if [^}]+\}\}\{\{ toJson [^}]+\}\}\{\{ else \}\}""\{\{ end \}\}/g, '"x"').replace(/\{\{ toJson [^}]+\}\}/g, '"x"'));

const withWebhook = (webhook: Record<string, unknown>, triggers?: string[]) =>
  readStacks(synthesizeInto({ prod: changed(environments.prod, (c) => (c.gitops.notifications = { webhook, ...(triggers && { triggers }) })) })).get('gitops-prod')!;

describe.each(['dev', 'staging', 'prod'])('gitops-%s: ArgoCD\'s notifications', (env) => {
  const notifications = () => notificationsOf(stack(`gitops-${env}`));

  it('run the controller with its metrics, and a trigger for each event that sends a template that exists', () => {
    expect(notifications().metrics).toEqual({ enabled: true });
    const triggers = Object.fromEntries(Object.entries(notifications().triggers as Record<string, string>).map(([key, yaml]) => [key, parse(yaml)]));
    expect(Object.keys(triggers)).toEqual(TRIGGERS.map((trigger) => `trigger.${trigger}`));
    for (const [conditions] of Object.values(triggers)) {
      for (const template of conditions.send) expect(Object.keys(notifications().templates)).toContain(`template.${template}`);
    }
    expect(triggers['trigger.on-sync-failed'][0].when).toBe("app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']");
    expect(triggers['trigger.on-health-degraded'][0].when).toBe("app.status.health.status == 'Degraded'");
    expect(triggers['trigger.on-deployed'][0]).toMatchObject({ when: expect.stringContaining("app.status.health.status == 'Healthy'"), oncePer: 'app.status.operationState?.syncResult?.revision' });
  });

  it('post JSON naming the event, the environment and the application, whatever the application\'s message holds', () => {
    const { triggers, templates } = notifications() as { triggers: Record<string, string>; templates: Record<string, string> };
    for (const trigger of TRIGGERS) {
      const [{ send }] = parse(triggers[`trigger.${trigger}`]);
      const { webhook } = parse(templates[`template.${send[0]}`]);
      expect(webhook.groundwork.method).toBe('POST');
      const body = renderedBody(webhook.groundwork.body);
      expect(body).toEqual({ event: trigger, summary: expect.any(String), environment: env, application: 'x', project: 'x', revision: 'x', health: 'x', message: 'x' });
      // A deployment names the revision its sync deployed, not the target that moves with every commit.
      expect(webhook.groundwork.body).toContain(trigger === 'on-deployed' ? '"revision": {{ toJson .app.status.operationState.syncResult.revision }}' : '"revision": {{ toJson .app.status.sync.revision }}');
    }
  });

  it('send nothing anywhere as shipped: no webhook, no subscription, and the chart\'s own empty Secret', () => {
    expect(notifications().notifiers).toBeUndefined();
    expect(notifications().subscriptions).toBeUndefined();
    expect(notifications().secret).toBeUndefined();
  });
});

describe('the notifications webhook', () => {
  it('reads its URL and token from the named Secret by reference, and subscribes every application to every event', () => {
    const notifications = notificationsOf(withWebhook({ secretName: 'argocd-notify', urlKey: 'chat-url', tokenKey: 'chat-token' }));
    expect(notifications.secret).toEqual({ create: false, name: 'argocd-notify' });
    expect(parse(notifications.notifiers['service.webhook.groundwork'])).toEqual({
      url: '$chat-url',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'Authorization', value: 'Bearer $chat-token' },
      ],
    });
    expect(notifications.subscriptions).toEqual([{ recipients: ['groundwork'], triggers: TRIGGERS }]);
  });

  it('defaults to ArgoCD\'s Secret and key names, sends no token unless asked, and may subscribe to fewer events', () => {
    const notifications = notificationsOf(withWebhook({}, ['on-sync-failed']));
    expect(notifications.secret).toEqual({ create: false, name: 'argocd-notifications-webhook' });
    expect(parse(notifications.notifiers['service.webhook.groundwork'])).toEqual({ url: '$webhook-url', headers: [{ name: 'Content-Type', value: 'application/json' }] });
    expect(notifications.subscriptions).toEqual([{ recipients: ['groundwork'], triggers: ['on-sync-failed'] }]);
  });

  it.each([
    ['a webhook URL written into config', { url: 'https://hooks.example.com/T000/B000/XXXX' }, undefined, 'prod.gitops.notifications.webhook.url', 'is not a known field'],
    ['a token written into config', { token: 's3cr3t' }, undefined, 'prod.gitops.notifications.webhook.token', 'is not a known field'],
    ['a Secret key ArgoCD cannot reference', { urlKey: 'webhook.url' }, undefined, 'prod.gitops.notifications.webhook.urlKey', 'must be a Secret key ArgoCD can reference'],
    ['the chart\'s own Secret, which Helm would delete', { secretName: 'argocd-notifications-secret' }, undefined, 'prod.gitops.notifications.webhook.secretName', "must not be the chart's own argocd-notifications-secret"],
    ['a Secret name Kubernetes refuses', { secretName: 'Notify_Secret' }, undefined, 'prod.gitops.notifications.webhook.secretName', 'must be a Kubernetes object name'],
    ['a token key ArgoCD cannot reference', { tokenKey: 'token:v1' }, undefined, 'prod.gitops.notifications.webhook.tokenKey', 'must be a Secret key ArgoCD can reference'],
    ['no event at all', {}, [], 'prod.gitops.notifications.triggers', 'expected array to have >=1 items'],
    ['an unknown event', {}, ['on-sync-running'], 'prod.gitops.notifications.triggers.0', 'on-sync-failed'],
    ['an event named twice', {}, ['on-deployed', 'on-deployed'], 'prod.gitops.notifications.triggers', 'must name each trigger once'],
  ])('refuses %s, naming the field', (what, webhook, triggers, field, fragment) => {
    expectRejected([what, 'prod', changed(environments.prod, (c) => (c.gitops.notifications = { webhook, ...(triggers && { triggers }) })), field, fragment]);
  });
});
