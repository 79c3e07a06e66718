import { DataAwsRoute53Zone } from '@cdktf/provider-aws/lib/data-aws-route53-zone';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Construct } from 'constructs';
import type { EndpointHealthCheck, RegionalEndpoint } from './regional-endpoint';

export interface FailoverDnsRecordsProps {
  /** The public hosted zone the records go in. */
  readonly hostedZoneId: string;
  /** The zone's name, without the trailing dot: the plan fails, saying so, when `hostedZoneId` is another zone's. */
  readonly zoneName: string;
  /** The name users reach the service by, inside that zone. */
  readonly recordName: string;
  /** The primary's and the standby's load balancers; the primary answers while it is healthy. */
  readonly endpoints: readonly [RegionalEndpoint, RegionalEndpoint];
  /** What Route 53's checkers request of each load balancer. */
  readonly healthCheck: EndpointHealthCheck;
  /** Consecutive failed checks before a region counts as down (1 to 10). @default 3 */
  readonly failureThreshold?: number;
  /** Seconds between checks, 10 or 30. @default 30 */
  readonly requestIntervalSeconds?: 10 | 30;
  /** Prefix of the health checks' Name tags. */
  readonly name: string;
}

/**
 * Route 53 failover routing: an alias record per region under one name, the primary's answered while its
 * health check passes (and its load balancer has healthy targets), the standby's otherwise. Each region's
 * check requests the service's health path through its load balancer.
 *
 * The primary check's `invert_healthcheck` is the switch a planned failover turns (`npm run failover`): an inverted
 * check reports a healthy primary as down, so Route 53 answers with the standby. Terraform sets it only at
 * creation, so an apply in the middle of a failover cannot send users back to the region that lost.
 */
export class FailoverDnsRecords extends Construct {
  /** Health check ids by site. */
  readonly healthCheckIds: Readonly<Record<RegionalEndpoint['site'], string>>;
  /** The DNS name users reach the service by. */
  readonly fqdn: string;

  constructor(scope: Construct, id: string, props: FailoverDnsRecordsProps) {
    super(scope, id);
    // Read at plan time, so that an id of the wrong zone stops the plan rather than the records' apply.
    const zone = new DataAwsRoute53Zone(this, 'zone', {
      zoneId: props.hostedZoneId,
      lifecycle: {
        postcondition: [
          {
            condition: `\${trimsuffix(self.name, ".") == "${props.zoneName}"}`,
            errorMessage: `Hosted zone ${props.hostedZoneId} is not ${props.zoneName} (failover.routing.zoneName): check failover.routing.hostedZoneId.`,
          },
        ],
      },
    });
    const ids: Partial<Record<RegionalEndpoint['site'], string>> = {};
    for (const endpoint of props.endpoints) {
      const check = new Route53HealthCheck(this, `${endpoint.site}-health-check`, {
        type: props.healthCheck.protocol,
        fqdn: endpoint.dnsName,
        port: props.healthCheck.port,
        resourcePath: props.healthCheck.path,
        failureThreshold: props.failureThreshold ?? 3,
        requestInterval: props.requestIntervalSeconds ?? 30,
        invertHealthcheck: false,
        ...(endpoint.site === 'primary' && { lifecycle: { ignoreChanges: ['invert_healthcheck'] } }),
        tags: { Name: `${props.name}-${endpoint.site}` },
      });
      new Route53Record(this, `${endpoint.site}-record`, {
        zoneId: zone.zoneId,
        name: props.recordName,
        type: 'A',
        setIdentifier: endpoint.site,
        failoverRoutingPolicy: { type: endpoint.site === 'primary' ? 'PRIMARY' : 'SECONDARY' },
        healthCheckId: check.id,
        alias: { name: endpoint.dnsName, zoneId: endpoint.zoneId, evaluateTargetHealth: true },
      });
      ids[endpoint.site] = check.id;
    }
    this.healthCheckIds = ids as Record<RegionalEndpoint['site'], string>;
    this.fqdn = props.recordName;
  }
}
