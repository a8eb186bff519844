import { Duration, RemovalPolicy, Validations, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface PrivateBucketProps {
  /** Where S3 server access logs go; undefined only for the access-log bucket itself. */
  readonly accessLogs: s3.IBucket | undefined;
  /** Key prefix of this bucket's access logs in the access-log bucket. */
  readonly accessLogPrefix?: string;
  readonly versioned?: boolean;
  readonly lifecycleRules?: s3.LifecycleRule[];
}

/**
 * An S3 bucket with the settings every bucket of this product shares: encrypted, no public
 * access, no ACLs, TLS 1.2+ only, access-logged, and kept when the stack is deleted (it holds
 * data or evidence).
 */
export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: props.versioned ?? false,
    lifecycleRules: props.lifecycleRules,
    serverAccessLogsBucket: props.accessLogs,
    serverAccessLogsPrefix: props.accessLogs ? `${props.accessLogPrefix ?? id}/` : undefined,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The bucket that receives the other buckets' server access logs. */
export class AccessLogs extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', {
      accessLogs: undefined,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination bucket; logging it into itself would loop.',
    });
  }
}
