import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { FailoverAccelerator } from '../constructs/failover-accelerator';
import { FailoverDnsRecords } from '../constructs/failover-dns-records';
import type { EndpointHealthCheck, RegionalEndpoint } from '../constructs/regional-endpoint';
import { EnvironmentStack } from './environment-stack';
import type { ServiceStack } from './service-stack';

/**
 * `routing-<env>`: how users reach whichever region serves, with `failover`: Route 53 failover records or a
 * Global Accelerator (`failover.routing`), both checking the service's health path through each region's
 * load balancer. A stack of its own, so that moving traffic never plans a change to either region's service.
 */
export class RoutingStack extends EnvironmentStack {
  constructor(scope: Construct, env: Environment, primary: ServiceStack, standby: ServiceStack) {
    super(scope, 'routing', env);
    const failover = env.failover;
    if (!failover) throw new Error(`${env.name} has no failover, so nothing to route between`);
    const https = env.service.loadBalancer.certificateArn !== undefined;
    const healthCheck: EndpointHealthCheck = { protocol: https ? 'HTTPS' : 'HTTP', port: https ? 443 : 80, path: env.service.healthCheck.path };
    const endpoints: [RegionalEndpoint, RegionalEndpoint] = [
      { site: 'primary', region: env.region, loadBalancerArn: primary.loadBalancer.arn, dnsName: primary.loadBalancer.dnsName, zoneId: primary.loadBalancer.zoneId },
      { site: 'standby', region: failover.region, loadBalancerArn: standby.loadBalancer.arn, dnsName: standby.loadBalancer.dnsName, zoneId: standby.loadBalancer.zoneId },
    ];
    const name = `groundwork-${env.name}`;
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    const { routing } = failover;
    if (routing.kind === 'route53') {
      const records = new FailoverDnsRecords(this, 'dns-failover', {
        name,
        hostedZoneId: routing.hostedZoneId,
        zoneName: routing.zoneName,
        recordName: routing.recordName,
        endpoints,
        healthCheck,
        failureThreshold: routing.failureThreshold,
        requestIntervalSeconds: routing.requestIntervalSeconds,
      });
      output('service_url', `${https ? 'https' : 'http'}://${records.fqdn}`, 'URL of the service, answered by whichever region serves');
      output('primary_health_check_id', records.healthCheckIds.primary, 'Route 53 health check of the primary; a failover inverts it');
      output('standby_health_check_id', records.healthCheckIds.standby, 'Route 53 health check of the standby');
    } else {
      const accelerator = new FailoverAccelerator(this, 'accelerator', {
        name,
        endpoints,
        ports: https ? [80, 443] : [80],
        healthCheck,
        healthCheckIntervalSeconds: routing.healthCheckIntervalSeconds,
        thresholdCount: routing.thresholdCount,
      });
      output('service_url', `${https ? 'https' : 'http'}://${accelerator.dnsName}`, 'URL of the accelerator (point your DNS name at it)');
      output('accelerator_arn', accelerator.acceleratorArn, 'ARN of the Global Accelerator');
      output('primary_endpoint_group_arn', accelerator.endpointGroupArns.primary, 'Endpoint group of the primary; a failover turns its dial to 0');
      output('standby_endpoint_group_arn', accelerator.endpointGroupArns.standby, 'Endpoint group of the standby; a failover turns its dial to 100');
    }
  }
}
