// environments/local.ts reads AWS_ENDPOINT_URL; tests that need it set it themselves.
delete process.env.AWS_ENDPOINT_URL;
