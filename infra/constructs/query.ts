import { Duration, Stack, aws_athena as athena, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../nag.js';
import { privateBucket } from './private-bucket.js';

export interface QueryProps {
  readonly workGroupName: string;
  readonly bytesScannedCutoffPerQuery: number;
  readonly resultsRetentionDays: number;
  readonly accessLogs: s3.IBucket;
}

/** Where Athena writes query results inside the results bucket. */
export const RESULTS_PREFIX = 'athena-results/';

/**
 * Athena: a workgroup on engine v3 whose settings queries cannot override (results location,
 * encryption, the per-query scan cutoff), and the encrypted bucket its results expire from.
 */
export class Query extends Construct {
  readonly workGroupName: string;
  readonly workGroupArn: string;
  readonly resultsBucket: s3.Bucket;
  readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: QueryProps) {
    super(scope, id);

    this.resultsBucket = privateBucket(this, 'ResultsBucket', {
      accessLogs: props.accessLogs,
      accessLogPrefix: 'athena-results',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(props.resultsRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.workGroupName = props.workGroupName;
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Customer-success KPI digest queries',
      state: 'ENABLED',
      // Deleting the stack deletes the workgroup even when it holds saved queries or history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: Stack.of(this).account,
        },
      },
    });
    this.workGroupArn = Stack.of(this).formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workGroupName,
    });
  }

  /**
   * Running queries in this workgroup only, and reading and writing their results (Athena
   * writes the result files with the caller's permissions).
   */
  grantQuery(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunQueriesInWorkGroup',
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
        ],
        resources: [this.workGroupArn],
      }),
    );
    const resultObjects = this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteQueryResults',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [resultObjects],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListQueryResults',
        actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
        resources: [this.resultsBucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [resultObjects],
      'Athena names each result file after the query id, so the function needs the results prefix of its own results bucket.',
    );
  }
}
