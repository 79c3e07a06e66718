import { blocks, fail, isSet, pass, type Rule } from '../engine';

export const routingRules: Rule[] = [
  {
    id: 'GW-ROUTE-01',
    title: 'Global Accelerator endpoints preserve the client\'s address',
    checkov: [],
    checkovNote: 'checkov has no check on Global Accelerator endpoint groups.',
    why: 'Without it the load balancer sees the accelerator\'s addresses: its allowed ranges (service.loadBalancer.allowedCidrs) admit everyone who reaches the accelerator, and its access logs name no client.',
    subjects: ['aws_globalaccelerator_endpoint_group'],
    check(group) {
      const endpoints = blocks(group.body.endpoint_configuration);
      if (endpoints.length === 0) return fail('endpoint_configuration', 'has no endpoint');
      const open = endpoints.findIndex((endpoint) => endpoint.client_ip_preservation_enabled !== true);
      return open === -1 ? pass() : fail(`endpoint_configuration[${open}].client_ip_preservation_enabled`, 'is not true');
    },
  },
  {
    id: 'GW-ROUTE-02',
    title: 'A Route 53 failover record is health-checked: a health check, or an alias that evaluates its target\'s health',
    checkov: [],
    checkovNote: 'checkov has no check on Route 53 failover routing.',
    why: 'Route 53 judges a failover record without a health check (and without an alias that evaluates its target\'s health) always healthy: the primary then never fails over, and a standby never stands in.',
    subjects: ['aws_route53_record'],
    check(record) {
      if (blocks(record.body.failover_routing_policy).length === 0) return pass();
      const evaluated = blocks(record.body.alias).some((alias) => alias.evaluate_target_health === true);
      return isSet(record.body.health_check_id) || evaluated ? pass() : fail('health_check_id', 'is not set, and no alias evaluates its target\'s health');
    },
  },
];
