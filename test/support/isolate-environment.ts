// environments/local.ts reads AWS_ENDPOINT_URL; tests that need it set it themselves.
delete process.env.AWS_ENDPOINT_URL;
// The SDK's notice that its releases from 2027 need Node.js 22: the pinned clients run on 20, and the
// notice would bury the suite's own output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
