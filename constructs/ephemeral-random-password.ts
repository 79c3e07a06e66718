import { TerraformElement } from 'cdktf';
import type { Construct } from 'constructs';

export interface EphemeralRandomPasswordProps {
  /** Characters in the password. */
  readonly length: number;
  /** Leave out punctuation, for systems that restrict it (Valkey AUTH tokens do). @default false */
  readonly excludePunctuation?: boolean;
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

  constructor(scope: Construct, id: string, private readonly props: EphemeralRandomPasswordProps) {
    super(scope, id, 'ephemeral.aws_secretsmanager_random_password');
    this.value = `\${ephemeral.aws_secretsmanager_random_password.${this.friendlyUniqueId}.random_password}`;
  }

  override toTerraform(): unknown {
    return {
      ephemeral: {
        aws_secretsmanager_random_password: {
          [this.friendlyUniqueId]: {
            password_length: this.props.length,
            exclude_punctuation: this.props.excludePunctuation ?? false,
          },
        },
      },
    };
  }
}
