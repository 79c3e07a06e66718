import { block, blocks, fail, isSet, isTrue, pass, type Resource, type Rule, type RuleContext } from '../engine';

const LOAD_BALANCERS = ['aws_lb', 'aws_alb'];
const LISTENERS = ['aws_lb_listener', 'aws_alb_listener'];

const isApplication = (lb: Resource) => (lb.body.load_balancer_type ?? 'application') === 'application';

/** The load balancer a listener belongs to; undefined when it is not one of this environment's. */
function loadBalancerOf(listener: Resource, { graph }: RuleContext): Resource | undefined {
  const lb = graph.resolve(listener, listener.body.load_balancer_arn)?.resource;
  return lb && LOAD_BALANCERS.includes(lb.type) ? lb : undefined;
}

/** TLS 1.2 or newer only: ELB's TLS13-1-2 / 1-3, TLS-1-2 and FS-1-2 families. */
const MODERN_TLS = /^ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)-/;

export const albRules: Rule[] = [
  {
    id: 'GW-ALB-01',
    title: 'Application Load Balancer drops invalid HTTP header fields',
    checkov: ['CKV_AWS_131'],
    why: 'Headers that are not valid HTTP are a request-smuggling and header-injection vector towards the targets.',
    subjects: LOAD_BALANCERS,
    check(lb) {
      if (!isApplication(lb)) return undefined;
      return isTrue(lb.body.drop_invalid_header_fields) ? pass() : fail('drop_invalid_header_fields', 'is not true');
    },
  },
  {
    id: 'GW-ALB-02',
    title: 'Application Load Balancer listener serves HTTPS, or redirects HTTP to HTTPS',
    checkov: ['CKV_AWS_2', 'CKV2_AWS_20'],
    why: 'A plain-HTTP listener that forwards requests exposes cookies, tokens and data on the internet.',
    subjects: LISTENERS,
    check(listener, context) {
      const lb = loadBalancerOf(listener, context);
      if (lb && !isApplication(lb)) return undefined;
      const protocol = String(listener.body.protocol ?? 'HTTP');
      if (protocol === 'HTTPS') return pass();
      const actions = blocks(listener.body.default_action);
      const redirects = actions.length > 0 && actions.every((a) => a.type === 'redirect' && block(a.redirect)?.protocol === 'HTTPS');
      return redirects ? pass() : fail('protocol', `is ${protocol} on port ${listener.body.port ?? '?'} and the listener does not redirect to HTTPS`);
    },
  },
  {
    id: 'GW-ALB-03',
    title: 'HTTPS listener uses a TLS 1.2+ security policy',
    checkov: ['CKV_AWS_103'],
    why: "The default policy (ELBSecurityPolicy-2016-08) still accepts TLS 1.0 and 1.1 and weak ciphers.",
    subjects: LISTENERS,
    check(listener) {
      if (listener.body.protocol !== 'HTTPS') return undefined;
      const policy = listener.body.ssl_policy;
      return typeof policy === 'string' && MODERN_TLS.test(policy)
        ? pass()
        : fail('ssl_policy', `is ${policy === undefined ? 'not set (ELBSecurityPolicy-2016-08, which accepts TLS 1.0)' : `"${String(policy)}"`}; use a TLS13-1-2, TLS-1-2 or FS-1-2 policy`);
    },
  },
  {
    id: 'GW-ALB-04',
    title: 'Load balancer writes access logs to a bucket',
    checkov: ['CKV_AWS_91'],
    why: 'Access logs are the record of who asked for what: needed to investigate an incident and often required by audits.',
    subjects: LOAD_BALANCERS,
    check(lb, { graph }) {
      const logs = block(lb.body.access_logs);
      if (!logs || !isTrue(logs.enabled)) return fail('access_logs.enabled', 'is not true');
      if (!isSet(logs.bucket)) return fail('access_logs.bucket', 'is not set');
      const reference = graph.resolve(lb, logs.bucket);
      return reference && reference.resource.type !== 'aws_s3_bucket'
        ? fail('access_logs.bucket', `refers to ${reference.resource.path}, which is not an S3 bucket`)
        : pass();
    },
  },
  {
    id: 'GW-ALB-05',
    title: 'Load balancer has deletion protection (tiers staging and prod)',
    checkov: ['CKV_AWS_150'],
    checkovNote: 'checkov asks it of every load balancer; the gate of staging and prod only (environments/protection.ts).',
    why: 'Deleting the load balancer takes the service off the internet and changes its DNS name; the API refuses while protection is on.',
    subjects: LOAD_BALANCERS,
    tiers: ['staging', 'prod'],
    check(lb) {
      return isTrue(lb.body.enable_deletion_protection) ? pass() : fail('enable_deletion_protection', 'is not true');
    },
  },
];
