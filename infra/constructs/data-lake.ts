import { Aws, Stack, aws_glue as glue, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { tableSpec, type TableName } from '../../functions/schema/contract.js';
import { glueTableName, type DigestConfig } from '../config.js';
import { glueTableInput } from '../glue-tables.js';
import { acknowledgeWildcardResources } from '../nag.js';
import { privateBucket } from './private-bucket.js';

export interface DataLakeProps {
  readonly config: DigestConfig;
  readonly accessLogs: s3.IBucket;
}

export interface DataTable {
  readonly contractName: TableName;
  readonly glueName: string;
  /** Key prefix of the table's folder in the data bucket, ending with `/`. */
  readonly keyPrefix: string;
  readonly resource: glue.CfnTable;
}

/**
 * The input data: the S3 bucket holding one folder per contract table (created, or an
 * existing one imported by name) and the Glue database with one table per configured
 * contract table, generated from the schema module.
 */
export class DataLake extends Construct {
  readonly bucket: s3.IBucket;
  /** True when this stack created the bucket (false: an existing bucket was imported). */
  readonly ownsBucket: boolean;
  readonly databaseName: string;
  readonly database: glue.CfnDatabase;
  readonly tables: readonly DataTable[];
  private readonly kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const { config } = props;

    if (config.dataBucket === undefined) {
      this.bucket = privateBucket(this, 'Bucket', { accessLogs: props.accessLogs, accessLogPrefix: 'data' });
      this.ownsBucket = true;
    } else {
      this.bucket = s3.Bucket.fromBucketName(this, 'Bucket', config.dataBucket);
      this.ownsBucket = false;
    }
    this.kmsKeyArn = config.dataBucketKmsKeyArn;

    this.databaseName = config.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: config.databaseName,
        description: 'Customer-success KPI digest: input tables of the data contract',
      },
    });

    this.tables = config.tables.map((contractName) => {
      const glueName = glueTableName(config, contractName);
      const keyPrefix = `${[config.dataPrefix, contractName].filter((p) => p !== '').join('/')}/`;
      const resource = new glue.CfnTable(this, `Table-${contractName}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: config.databaseName,
        tableInput: glueTableInput(tableSpec(contractName), {
          glueName,
          location: `s3://${this.bucket.bucketName}/${keyPrefix}`,
          format: config.dataFormat,
          partitionRangeStart: config.partitionRangeStart,
        }),
      });
      resource.addDependency(this.database);
      return { contractName, glueName, keyPrefix, resource };
    });
  }

  /** `{contract name: Glue table name}` for the configured tables (the function's ATHENA_TABLES). */
  tableMap(): Record<string, string> {
    return Object.fromEntries(this.tables.map((t) => [t.contractName, t.glueName]));
  }

  /**
   * What a query over these tables needs: Glue reads on this database and its tables, and S3
   * reads of the table folders only (Athena reads the data with the caller's permissions).
   */
  grantQueryRead(role: iam.Role): void {
    const stack = Stack.of(this);
    const glueArn = (resource: string) => stack.formatArn({ service: 'glue', resource });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadContractTables',
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          glueArn('catalog'),
          glueArn(`database/${this.databaseName}`),
          ...this.tables.map((t) => glueArn(`table/${this.databaseName}/${t.glueName}`)),
        ],
      }),
    );

    const objectArns = this.tables.map((t) => this.bucket.arnForObjects(`${t.keyPrefix}*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTableFiles',
        actions: ['s3:GetObject'],
        resources: objectArns,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTableFolders',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': this.tables.map((t) => `${t.keyPrefix}*`) } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LocateDataBucket',
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      objectArns,
      'Reads every file under the folder of each configured table (the folder is the table); nothing else in the bucket.',
    );

    if (this.kmsKeyArn !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptDataBucket',
          actions: ['kms:Decrypt'],
          resources: [this.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }
}
