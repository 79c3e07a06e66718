import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { rotationHandler, type RotationStrategy } from './rotation-protocol';

/** 64 random bytes as 128 hex digits, as `bin/rails secret` makes them. */
const KEY_BYTES = 64;
/** What a usable key looks like: long and from a plain alphabet (the first value is alphanumeric, later ones hex). */
const STRONG_KEY = /^[A-Za-z0-9]{128,}$/;

/**
 * The application's SECRET_KEY_BASE. Only the application reads it, at start-up, so installing a new one
 * needs nothing but the new value: running tasks pick it up when they are redeployed.
 */
export const secretKeyBaseStrategy: RotationStrategy = {
  generate: () => randomBytes(KEY_BYTES).toString('hex'),
  set: async () => {},
  test: async (pending) => {
    if (!STRONG_KEY.test(pending)) throw new Error('the new SECRET_KEY_BASE is not at least 128 letters and digits');
  },
};

export const handler = rotationHandler(secretKeyBaseStrategy, new SecretsManagerClient({}));
