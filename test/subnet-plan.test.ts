import { formatCidr, isPrivateCidr, parseCidr } from '../lib/ipv4';
import { planSubnets } from '../lib/subnet-plan';

const prefixLengths = { public: 24, private: 20, isolated: 24 };

describe('parseCidr', () => {
  it('reads a block and tells whether host bits are zero', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ base: 10 * 2 ** 24 + 20 * 2 ** 16, prefix: 16, aligned: true });
    expect(parseCidr('10.20.1.0/16')?.aligned).toBe(false);
  });

  it.each(['10.0.0.0', '10.0.0/16', '256.0.0.0/16', '10.0.0.0/33', ' 10.0.0.0/16', '010.0.0.0/16', '10.0.0.0/016'])('rejects %p', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('round-trips through formatCidr', () => {
    const cidr = parseCidr('172.31.240.0/20')!;
    expect(formatCidr(cidr.base, cidr.prefix)).toBe('172.31.240.0/20');
  });
});

it.each([
  ['10.0.0.0/16', true],
  ['172.16.0.0/12', true],
  ['172.31.0.0/16', true],
  ['192.168.4.0/24', true],
  ['172.32.0.0/16', false],
  ['11.0.0.0/16', false],
  ['0.0.0.0/0', false],
])('isPrivateCidr(%p) is %p', (cidr, expected) => {
  expect(isPrivateCidr(cidr)).toBe(expected);
});

describe('planSubnets', () => {
  it('puts the largest tier first and the others after it, aligned', () => {
    const plan = planSubnets({ vpcCidr: '10.30.0.0/16', azCount: 3, reservedAzCount: 4, prefixLengths });
    expect(plan).toEqual({
      fits: true,
      cidrs: {
        private: ['10.30.0.0/20', '10.30.16.0/20', '10.30.32.0/20'],
        public: ['10.30.64.0/24', '10.30.65.0/24', '10.30.66.0/24'],
        isolated: ['10.30.68.0/24', '10.30.69.0/24', '10.30.70.0/24'],
      },
    });
  });

  it('never renumbers existing subnets when a zone is added', () => {
    const two = planSubnets({ vpcCidr: '10.30.0.0/16', azCount: 2, reservedAzCount: 4, prefixLengths });
    const three = planSubnets({ vpcCidr: '10.30.0.0/16', azCount: 3, reservedAzCount: 4, prefixLengths });
    if (!two.fits || !three.fits) throw new Error('plans should fit');
    for (const tier of ['public', 'private', 'isolated'] as const) {
      expect(three.cidrs[tier].slice(0, 2)).toEqual(two.cidrs[tier]);
    }
  });

  it('says how much room it needs when the VPC is too small', () => {
    expect(planSubnets({ vpcCidr: '10.30.0.0/20', azCount: 2, reservedAzCount: 4, prefixLengths })).toEqual({
      fits: false,
      needed: 4 * 4096 + 8 * 256,
      available: 4096,
    });
  });

  it('refuses more zones than it reserves room for, and a VPC CIDR with host bits set', () => {
    expect(() => planSubnets({ vpcCidr: '10.30.0.0/16', azCount: 3, reservedAzCount: 2, prefixLengths })).toThrow('3 zones do not fit in the 2 reserved');
    expect(() => planSubnets({ vpcCidr: '10.30.1.0/16', azCount: 1, reservedAzCount: 1, prefixLengths })).toThrow('not an IPv4 network address');
  });

  it('fits exactly when the reservation fills the VPC', () => {
    const plan = planSubnets({ vpcCidr: '10.0.0.0/24', azCount: 1, reservedAzCount: 1, prefixLengths: { public: 26, private: 25, isolated: 26 } });
    expect(plan).toEqual({ fits: true, cidrs: { private: ['10.0.0.0/25'], public: ['10.0.0.128/26'], isolated: ['10.0.0.192/26'] } });
  });
});
