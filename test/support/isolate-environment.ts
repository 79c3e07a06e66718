// environments/local.ts reads AWS_ENDPOINT_URL; tests that need it set it themselves.
delete process.env.AWS_ENDPOINT_URL;
// Terraform and the AWS provider are Go programs, and the emulator suites run about two hundred of them,
// each spending most of its CPU loading the provider's schema: a lazier garbage collector saves about 6% of
// their CPU (measured on a plan of network-local: 10.7 s of CPU by default, 10.0 s with GOGC=200).
process.env.GOGC ??= '200';
