import { TerraformElement } from 'cdktf';
import type { Construct } from 'constructs';

export interface EphemeralRandomPasswordProps {
  /** Characters in the password. */
  readonly length: number;
  /** Leave out punctuation, for systems that restrict it (Valkey AUTH tokens do). @default false */
  readonly excludePunctuation?: boolean;
  /** Characters to leave out besides, for systems that forbid a few (RDS master passwords: `/`, `"`, `@`, space). @default - none */
  readonly excludeCharacters?: string;
}

/**
 * A password from Secrets Manager's GetRandomPassword, as a Terraform `ephemeral` block (1.10+): it exists
 * only while Terraform runs and is never written to state or plan. Feed it to write-only arguments
 * (`secret_string_wo`). The AWS provider binding has no class for ephemeral resources, so this element
 * writes the block itself.
 */
export class EphemeralRandomPassword extends TerraformElement {
  /** A reference to the password, for write-only arguments only. */
  readonly value: string;
  /** The same reference as a bare expression, to use inside a larger one (`jsonencode({...})`). */
  readonly expression: string;

  constructor(scope: Construct, id: string, private readonly props: EphemeralRandomPasswordProps) {
    super(scope, id, 'ephemeral.aws_secretsmanager_random_password');
    this.expression = `ephemeral.aws_secretsmanager_random_password.${this.friendlyUniqueId}.random_password`;
    this.value = `\${${this.expression}}`;
  }

  override toTerraform(): unknown {
    return {
      ephemeral: {
        aws_secretsmanager_random_password: {
          [this.friendlyUniqueId]: {
            password_length: this.props.length,
            exclude_punctuation: this.props.excludePunctuation ?? false,
            ...(this.props.excludeCharacters && { exclude_characters: this.props.excludeCharacters }),
          },
        },
      },
    };
  }
}

/**
 * The current value of a Secrets Manager secret, read as a Terraform `ephemeral` block: like the password
 * above, it reaches write-only arguments without ever being written to plan or state.
 */
export class EphemeralSecretValue extends TerraformElement {
  constructor(scope: Construct, id: string, private readonly secretArn: string) {
    super(scope, id, 'ephemeral.aws_secretsmanager_secret_version');
  }

  /** A reference to one field of the secret's JSON value, for write-only arguments only. */
  jsonField(field: string): string {
    return `\${jsondecode(ephemeral.aws_secretsmanager_secret_version.${this.friendlyUniqueId}.secret_string)[${JSON.stringify(field)}]}`;
  }

  override toTerraform(): unknown {
    return { ephemeral: { aws_secretsmanager_secret_version: { [this.friendlyUniqueId]: { secret_id: this.secretArn } } } };
  }
}
