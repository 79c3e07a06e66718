/** One region's way in to the service, for routing that chooses between regions. */
export interface RegionalEndpoint {
  /** The region's role: the primary serves, the standby takes over in a failover. */
  readonly site: 'primary' | 'standby';
  readonly region: string;
  /** The region's public load balancer. */
  readonly loadBalancerArn: string;
  readonly dnsName: string;
  /** The load balancer's Route 53 zone, for an alias record. */
  readonly zoneId: string;
}

/** How a region's service is checked from outside: the health check path through its load balancer's listener. */
export interface EndpointHealthCheck {
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly port: number;
  /** The service's health check path, such as `/healthz`. */
  readonly path: string;
}
