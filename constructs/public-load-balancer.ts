import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { PrivateBucket } from './private-bucket';
import { SecurityGroupAccess } from './private-security-group';

/** Regions where ALB access logs are delivered by a regional ELB account rather than a service principal. */
const ELB_ACCOUNT_REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-northeast-1',
  'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-north-1', 'me-south-1', 'sa-east-1',
  'us-gov-west-1', 'us-gov-east-1', 'cn-north-1', 'cn-northwest-1',
]);

/** How the load balancer decides a target may take traffic. */
export interface TargetHealthCheck {
  /** Path requested, e.g. `/healthz`. */
  readonly path: string;
  /** HTTP codes that count as healthy, e.g. `200` or `200-299`. */
  readonly healthyHttpCodes: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/** Where the load balancer sends requests: IP targets (Fargate tasks) in one security group, on one port. */
export interface LoadBalancerTargets {
  /** The port the targets listen on, plain HTTP. */
  readonly port: number;
  /** Security group of the targets; the load balancer is let in on `port` and nowhere else. */
  readonly securityGroupId: string;
  readonly healthCheck: TargetHealthCheck;
  /** Seconds a deregistering target keeps serving the requests it has. @default 30 */
  readonly deregistrationDelaySeconds?: number;
}

export interface PublicLoadBalancerProps {
  /** Name of the load balancer and prefix of its parts' names, at most 32 characters, e.g. `groundwork-prod`. */
  readonly name: string;
  readonly vpcId: string;
  /** Public subnets, one per zone. */
  readonly subnetIds: string[];
  /** Address ranges that may connect, on 80 and 443 only. */
  readonly allowedCidrs: readonly string[];
  /** ACM certificate for HTTPS; HTTP then only redirects. @default - plain HTTP on port 80 */
  readonly certificateArn?: string;
  /** TLS policy of the HTTPS listener. @default 'ELBSecurityPolicy-TLS13-1-2-2021-06' */
  readonly tlsPolicy?: string;
  /** Seconds an idle connection stays open. @default 60 */
  readonly idleTimeoutSeconds?: number;
  /** The AWS API refuses to delete the load balancer. @default false */
  readonly deletionProtection?: boolean;
  /** Where the access logs go: a new bucket of this name, encrypted, with objects expiring after `retentionDays`. */
  readonly accessLogs: {
    readonly bucketName: string;
    readonly retentionDays: number;
    /** Deny requests to the bucket not over TLS. @default true */
    readonly tlsOnly?: boolean;
    /** Let `terraform destroy` delete the bucket with its logs. @default false */
    readonly forceDestroy?: boolean;
  };
  /** The account that owns the logs, for the log delivery's object prefix. */
  readonly accountId: string;
  /** The load balancer's region: it decides who delivers the access logs. */
  readonly region: string;
  readonly targets: LoadBalancerTargets;
}

/**
 * An internet-facing Application Load Balancer in the public subnets: HTTPS with a TLS 1.2+ policy when
 * it has a certificate (HTTP then only redirects), invalid header fields dropped, access logs to a
 * bucket of its own, and a security group open to `allowedCidrs` on 80/443 and out to the targets'
 * port only. Targets are IP addresses in one target group, health-checked over HTTP.
 */
export class PublicLoadBalancer extends Construct {
  readonly loadBalancerArn: string;
  /** The `app/<name>/<id>` suffix CloudWatch metrics are keyed by. */
  readonly loadBalancerArnSuffix: string;
  readonly dnsName: string;
  readonly zoneId: string;
  readonly securityGroupId: string;
  readonly targetGroupArn: string;
  /** The `targetgroup/<name>/<id>` suffix CloudWatch metrics are keyed by. */
  readonly targetGroupArnSuffix: string;
  readonly accessLogBucketName: string;
  /** The listener that forwards to the targets; ECS services must wait for it before registering. */
  readonly listener: LbListener;

  constructor(scope: Construct, id: string, props: PublicLoadBalancerProps) {
    super(scope, id);
    const https = props.certificateArn !== undefined;

    const group = new SecurityGroup(this, 'security-group', {
      name: `${props.name}-load-balancer`,
      description: `Load balancer ${props.name}: HTTP${https ? '(S)' : ''} from the allowed ranges`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-load-balancer` },
    });
    for (const port of https ? [80, 443] : [80]) {
      props.allowedCidrs.forEach((cidr, i) => {
        new VpcSecurityGroupIngressRule(this, `ingress-${port}-${i}`, {
          securityGroupId: group.id,
          cidrIpv4: cidr,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          description: `${port === 443 ? 'HTTPS' : 'HTTP'} from ${cidr}`,
        });
      });
    }
    new SecurityGroupAccess(this, 'to-targets', {
      clientName: 'load balancer',
      clientSecurityGroupId: group.id,
      serverName: 'targets',
      serverSecurityGroupId: props.targets.securityGroupId,
      port: props.targets.port,
    });

    // ALB access logs support SSE-S3 only. Regions opened before August 2022 deliver as a regional ELB
    // account (the provider's table, no API call); later ones as a service principal, which the table lacks.
    const deliverer = ELB_ACCOUNT_REGIONS.has(props.region)
      ? { type: 'AWS', identifiers: [new DataAwsElbServiceAccount(this, 'elb-account', {}).arn] }
      : { type: 'Service', identifiers: ['logdelivery.elasticloadbalancing.amazonaws.com'] };
    const logs = new PrivateBucket(this, 'access-logs', {
      bucketName: props.accessLogs.bucketName,
      tlsOnly: props.accessLogs.tlsOnly,
      expirationDays: props.accessLogs.retentionDays,
      forceDestroy: props.accessLogs.forceDestroy,
      policyStatements: (bucketArn) => [
        {
          sid: 'LoadBalancerDeliversAccessLogs',
          principals: [deliverer],
          actions: ['s3:PutObject'],
          resources: [`${bucketArn}/AWSLogs/${props.accountId}/*`],
        },
      ],
    });

    const loadBalancer = new Lb(this, 'load-balancer', {
      name: props.name,
      loadBalancerType: 'application',
      internal: false,
      subnets: props.subnetIds,
      securityGroups: [group.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? false,
      idleTimeout: props.idleTimeoutSeconds ?? 60,
      accessLogs: { bucket: logs.bucketName, enabled: true },
      // AWS checks that it may write to the bucket when logging is turned on.
      dependsOn: logs.policy ? [logs.policy] : [],
    });

    const health = props.targets.healthCheck;
    const targetGroup = new LbTargetGroup(this, 'targets', {
      // A prefix, not a name: a change that replaces the group creates the new one before the listener lets go of the old.
      namePrefix: 'app-',
      targetType: 'ip',
      protocol: 'HTTP',
      port: props.targets.port,
      vpcId: props.vpcId,
      deregistrationDelay: String(props.targets.deregistrationDelaySeconds ?? 30),
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        path: health.path,
        matcher: health.healthyHttpCodes,
        interval: health.intervalSeconds,
        timeout: health.timeoutSeconds,
        healthyThreshold: health.healthyThreshold,
        unhealthyThreshold: health.unhealthyThreshold,
      },
      tags: { Name: `${props.name}-app` },
      lifecycle: { createBeforeDestroy: true },
    });
    const forward = [{ type: 'forward', targetGroupArn: targetGroup.arn }];

    if (https) {
      this.listener = new LbListener(this, 'https', {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: props.tlsPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        certificateArn: props.certificateArn,
        defaultAction: forward,
      });
      new LbListener(this, 'http', {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      });
    } else {
      this.listener = new LbListener(this, 'http', { loadBalancerArn: loadBalancer.arn, port: 80, protocol: 'HTTP', defaultAction: forward });
    }

    this.loadBalancerArn = loadBalancer.arn;
    this.loadBalancerArnSuffix = loadBalancer.arnSuffix;
    this.dnsName = loadBalancer.dnsName;
    this.zoneId = loadBalancer.zoneId;
    this.securityGroupId = group.id;
    this.targetGroupArn = targetGroup.arn;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    this.accessLogBucketName = logs.bucketName;
  }
}
