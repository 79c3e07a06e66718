import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { ImagebuilderComponent } from '@cdktf/provider-aws/lib/imagebuilder-component';
import { ImagebuilderDistributionConfiguration } from '@cdktf/provider-aws/lib/imagebuilder-distribution-configuration';
import { ImagebuilderImage } from '@cdktf/provider-aws/lib/imagebuilder-image';
import { ImagebuilderImagePipeline } from '@cdktf/provider-aws/lib/imagebuilder-image-pipeline';
import { ImagebuilderImageRecipe } from '@cdktf/provider-aws/lib/imagebuilder-image-recipe';
import { ImagebuilderInfrastructureConfiguration } from '@cdktf/provider-aws/lib/imagebuilder-infrastructure-configuration';
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { partitionOf } from '../lib/arn';
import { InstanceRole } from './instance-role';
import { PrivateSecurityGroup } from './private-security-group';

/** The CPU architecture of an image and of the instances that boot it. */
export type Architecture = 'x86_64' | 'arm64';

export interface GoldenImagePipelineProps {
  /** The Image Builder component document (YAML, schema 1.0) that installs the software on Amazon Linux 2023. */
  readonly componentDocument: string;
  /** When the pipeline looks for updates of its base image, as an AWS cron expression in UTC. */
  readonly schedule: string;
  /** The VPC and private subnet the build instance runs in (it needs HTTPS out, for packages). */
  readonly vpcId: string;
  readonly subnetId: string;
  /** Instance type of the build instance; its architecture must be the image's. */
  readonly buildInstanceType: string;
}

export interface GoldenImageProps {
  /** Name of the pipeline and its parts, e.g. `groundwork-prod-graph`. */
  readonly name: string;
  /** The SSM parameter that holds the current image's id, e.g. `/groundwork/prod/graph/image-id`. */
  readonly parameterName: string;
  /** The image's CPU architecture. */
  readonly architecture: Architecture;
  readonly region: string;
  /** The KMS key that encrypts the image's snapshots (and so the volumes of instances booted from it). */
  readonly encryptionKeyArn: string;
  /**
   * Build the image with EC2 Image Builder: a first image at the first apply, then a new one whenever the
   * schedule finds an update of Amazon Linux, each published to the parameter.
   * @default - no pipeline: the parameter starts at the latest Amazon Linux 2023 image, and whoever
   * builds images publishes them there
   */
  readonly pipeline?: GoldenImagePipelineProps;
}

/**
 * An AMI id in an SSM parameter that an image pipeline publishes to, read back at every plan. Terraform
 * writes the parameter once and then leaves its value to the pipeline, so each new image shows at the next
 * `npm run diff` as a replacement of whatever boots from `imageId`, and the apply rolls it out.
 *
 * `imageId` is the parameter resource's own value as the plan's refresh reads it, not a data source: a
 * data source that reads a resource with any change planned (a tag) is read only at apply, and every
 * instance booting from it would show as replaced.
 */
export class GoldenImage extends Construct {
  /** The current image id, as the parameter holds it at each plan. */
  readonly imageId: string;
  readonly parameterArn: string;
  /** The pipeline's ARN, when there is one. */
  readonly pipelineArn?: string;

  constructor(scope: Construct, id: string, props: GoldenImageProps) {
    super(scope, id);
    const build = props.pipeline && this.addPipeline(props, props.pipeline);
    const firstImage =
      build?.firstImageId ??
      new DataAwsSsmParameter(this, 'amazon-linux', { name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${props.architecture}` }).insecureValue;
    const parameter = new SsmParameter(this, 'parameter', {
      name: props.parameterName,
      description: `Current image of ${props.name}, published by its image pipeline`,
      type: 'String',
      dataType: 'aws:ec2:image',
      insecureValue: firstImage,
      // The pipeline publishes every later image; Terraform must not put the first one back.
      lifecycle: { ignoreChanges: ['insecure_value'] },
    });
    this.imageId = parameter.insecureValue;
    this.parameterArn = parameter.arn;
    this.pipelineArn = build?.pipelineArn;
  }

  private addPipeline(props: GoldenImageProps, pipeline: GoldenImagePipelineProps): { firstImageId: string; pipelineArn: string } {
    const partition = partitionOf(props.region);
    // Image Builder's parts are immutable: a changed document is a new component under a new name, made
    // before the old one goes (the pipeline refers to the recipe that refers to it).
    const digest = createHash('sha256').update(pipeline.componentDocument).update(props.architecture).digest('hex').slice(0, 8);
    const component = new ImagebuilderComponent(this, 'component', {
      name: `${props.name}-${digest}`,
      platform: 'Linux',
      version: '1.0.0',
      data: pipeline.componentDocument,
      supportedOsVersions: ['Amazon Linux 2023'],
      lifecycle: { createBeforeDestroy: true },
    });
    const baseImage = props.architecture === 'arm64' ? 'amazon-linux-2023-arm64' : 'amazon-linux-2023-x86';
    const recipe = new ImagebuilderImageRecipe(this, 'recipe', {
      name: `${props.name}-${digest}`,
      version: '1.0.0',
      // AWS's own Amazon Linux 2023 image with a version filter: the schedule builds when a newer one exists.
      parentImage: `arn:${partition}:imagebuilder:${props.region}:aws:image/${baseImage}/x.x.x`,
      component: [{ componentArn: `arn:${partition}:imagebuilder:${props.region}:aws:component/update-linux/x.x.x` }, { componentArn: component.arn }],
      blockDeviceMapping: [{ deviceName: '/dev/xvda', ebs: { volumeType: 'gp3', volumeSize: 20, encrypted: 'true', kmsKeyId: props.encryptionKeyArn, deleteOnTermination: 'true' } }],
      lifecycle: { createBeforeDestroy: true },
    });
    const securityGroup = new PrivateSecurityGroup(this, 'build-security-group', { name: `${props.name}-image-build`, description: `Image builds of ${props.name}`, vpcId: pipeline.vpcId });
    securityGroup.allowOutboundHttps();
    const role = new InstanceRole(this, 'build-role', {
      roleName: `${props.name}-image-build`,
      region: props.region,
      managedPolicies: ['EC2InstanceProfileForImageBuilder', 'AmazonSSMManagedInstanceCore'],
    });
    const infrastructure = new ImagebuilderInfrastructureConfiguration(this, 'infrastructure', {
      name: props.name,
      instanceProfileName: role.instanceProfileName,
      instanceTypes: [pipeline.buildInstanceType],
      subnetId: pipeline.subnetId,
      securityGroupIds: [securityGroup.securityGroupId],
      terminateInstanceOnFailure: true,
      instanceMetadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
    });
    const distribution = new ImagebuilderDistributionConfiguration(this, 'distribution', {
      name: props.name,
      distribution: [
        {
          region: props.region,
          amiDistributionConfiguration: { name: `${props.name}-{{ imagebuilder:buildDate }}` },
          ssmParameterConfiguration: [{ parameterName: props.parameterName, dataType: 'aws:ec2:image' }],
        },
      ],
    });
    const imagePipeline = new ImagebuilderImagePipeline(this, 'pipeline', {
      name: props.name,
      imageRecipeArn: recipe.arn,
      infrastructureConfigurationArn: infrastructure.arn,
      distributionConfigurationArn: distribution.arn,
      schedule: { scheduleExpression: pipeline.schedule, pipelineExecutionStartCondition: 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE' },
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
    });
    // The first image, built at the first apply so the nodes have one to boot. No distribution: the
    // parameter is Terraform's to create. Later images are the pipeline's; this one is never rebuilt, but
    // another architecture (with its own parameter) gets a first image of its own.
    const first = new ImagebuilderImage(this, `first-image-${props.architecture}`, {
      imageRecipeArn: recipe.arn,
      infrastructureConfigurationArn: infrastructure.arn,
      imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 60 },
      lifecycle: { ignoreChanges: 'all' },
    });
    return { firstImageId: first.outputResources.get(0).amis.get(0).image, pipelineArn: imagePipeline.arn };
  }
}
