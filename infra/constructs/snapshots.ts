import { Duration, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../nag.js';
import { privateBucket } from './private-bucket.js';

export interface SnapshotsProps {
  readonly accessLogs: s3.IBucket;
}

/**
 * The key prefixes the report function writes: KPI snapshots (and latest.json per period)
 * under `snapshots/`, the exactly-once delivery ledger under `deliveries/`.
 */
export const SNAPSHOT_KEY_PREFIXES = ['snapshots/', 'deliveries/'] as const;

/**
 * The KPI history: a versioned bucket, so an overwritten or deleted snapshot or ledger
 * record can be recovered, encrypted, private and reachable over TLS only.
 */
export class Snapshots extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SnapshotsProps) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', {
      accessLogs: props.accessLogs,
      accessLogPrefix: 'snapshots',
      versioned: true,
      lifecycleRules: [
        // Current objects are the history and stay; replaced versions only need to outlive a mistake.
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }

  /**
   * Reads and writes under the snapshot and delivery prefixes only. ListBucket is on the
   * bucket itself: without it S3 answers a missing key (no previous snapshot yet) with 403
   * instead of 404, and the bucket holds nothing but this product's own keys.
   */
  grantReadWrite(role: iam.Role): void {
    const objectArns = SNAPSHOT_KEY_PREFIXES.map((prefix) => this.bucket.arnForObjects(`${prefix}*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteSnapshotsAndDeliveries',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: objectArns,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListSnapshots',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      objectArns,
      'Snapshot and delivery keys are named by period at run time; access is limited to the snapshots/ and deliveries/ prefixes.',
    );
  }
}
