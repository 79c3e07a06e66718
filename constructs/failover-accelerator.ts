import { GlobalacceleratorAccelerator } from '@cdktf/provider-aws/lib/globalaccelerator-accelerator';
import { GlobalacceleratorEndpointGroup } from '@cdktf/provider-aws/lib/globalaccelerator-endpoint-group';
import { GlobalacceleratorListener } from '@cdktf/provider-aws/lib/globalaccelerator-listener';
import { Construct } from 'constructs';
import type { EndpointHealthCheck, RegionalEndpoint } from './regional-endpoint';

export interface FailoverAcceleratorProps {
  /** Name of the accelerator (letters, digits and hyphens, up to 64). */
  readonly name: string;
  /** The primary's and the standby's load balancers. */
  readonly endpoints: readonly [RegionalEndpoint, RegionalEndpoint];
  /** The ports users connect to (80, and 443 with HTTPS), passed through to the load balancers. */
  readonly ports: readonly number[];
  /** The check of each endpoint group; for load balancer endpoints the accelerator also follows their own target health. */
  readonly healthCheck: EndpointHealthCheck;
  /** Seconds between checks, 10 or 30. @default 30 */
  readonly healthCheckIntervalSeconds?: 10 | 30;
  /** Consecutive checks that change an endpoint's health (1 to 10). @default 3 */
  readonly thresholdCount?: number;
}

/**
 * A Global Accelerator in front of the two regions: two static anycast addresses, a TCP listener on the
 * service's ports, and an endpoint group per region holding its load balancer with the client's address
 * preserved (so the load balancer's allowed ranges still apply). The primary's group takes all traffic
 * (dial 100) and the standby's none (dial 0): a standby's database does not take writes until promoted, so
 * traffic moves only with a failover (`npm run failover`), which turns the dials. Terraform sets them only
 * at creation, so an apply in the middle of a failover cannot send users back to the region that lost.
 */
export class FailoverAccelerator extends Construct {
  readonly acceleratorArn: string;
  /** The accelerator's DNS name; point the service's name at it (a CNAME, or an alias in Route 53). */
  readonly dnsName: string;
  /** Endpoint group ARNs by site, for the dials. */
  readonly endpointGroupArns: Readonly<Record<RegionalEndpoint['site'], string>>;

  constructor(scope: Construct, id: string, props: FailoverAcceleratorProps) {
    super(scope, id);
    const accelerator = new GlobalacceleratorAccelerator(this, 'accelerator', {
      name: props.name,
      ipAddressType: 'IPV4',
      enabled: true,
    });
    const listener = new GlobalacceleratorListener(this, 'listener', {
      acceleratorArn: accelerator.id,
      protocol: 'TCP',
      clientAffinity: 'NONE',
      portRange: [...props.ports].sort((a, b) => a - b).map((port) => ({ fromPort: port, toPort: port })),
    });
    const groups: Partial<Record<RegionalEndpoint['site'], string>> = {};
    for (const endpoint of props.endpoints) {
      const group = new GlobalacceleratorEndpointGroup(this, `${endpoint.site}-endpoints`, {
        listenerArn: listener.id,
        endpointGroupRegion: endpoint.region,
        trafficDialPercentage: endpoint.site === 'primary' ? 100 : 0,
        healthCheckProtocol: props.healthCheck.protocol,
        healthCheckPort: props.healthCheck.port,
        healthCheckPath: props.healthCheck.path,
        healthCheckIntervalSeconds: props.healthCheckIntervalSeconds ?? 30,
        thresholdCount: props.thresholdCount ?? 3,
        endpointConfiguration: [{ endpointId: endpoint.loadBalancerArn, weight: 100, clientIpPreservationEnabled: true }],
        lifecycle: { ignoreChanges: ['traffic_dial_percentage'] },
      });
      groups[endpoint.site] = group.arn;
    }
    this.acceleratorArn = accelerator.id;
    this.dnsName = accelerator.dnsName;
    this.endpointGroupArns = groups as Record<RegionalEndpoint['site'], string>;
  }
}
