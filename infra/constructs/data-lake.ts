import { Aws, Stack, aws_glue as glue, aws_iam as iam, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TABLE_NAMES, tableSpec, type TableName } from '../../functions/contract/contract.js';
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
  /** Contract tables the user provides as views in the database: contract name → view name. */
  readonly views: Readonly<Partial<Record<TableName, string>>>;
  private readonly config: DigestConfig;

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
    this.config = config;
    this.views = config.views;

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
      resource.addResourceDependency(this.database);
      return { contractName, glueName, keyPrefix, resource };
    });
  }

  /**
   * `{contract name: table or view name}` for every table the report can read, deployed or
   * provided as a view, in contract order (the function's ATHENA_TABLES).
   */
  tableMap(): Record<string, string> {
    const names = new Map<string, string>(this.tables.map((t) => [t.contractName, t.glueName]));
    for (const [contractName, view] of Object.entries(this.views)) names.set(contractName, view);
    return Object.fromEntries(
      TABLE_NAMES.flatMap((t) => (names.has(t) ? [[t, names.get(t) as string]] : [])),
    );
  }

  /**
   * What a query over these tables needs: Glue reads on this database and its tables (and on
   * the tables the configured views read), and S3 reads of the table folders and of the views'
   * source locations only (Athena reads the data with the caller's permissions).
   */
  grantQueryRead(role: iam.Role): void {
    const stack = Stack.of(this);
    const glueArn = (resource: string) => stack.formatArn({ service: 'glue', resource });
    const viewNames = Object.values(this.views);
    const sourceDatabases = [...new Set(this.config.sourceTables.map((t) => t.database))].filter(
      (d) => d !== this.databaseName,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadContractTables',
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:GetPartition',
          'glue:GetPartitions',
        ],
        resources: [
          glueArn('catalog'),
          glueArn(`database/${this.databaseName}`),
          ...this.tables.map((t) => glueArn(`table/${this.databaseName}/${t.glueName}`)),
          ...viewNames.map((v) => glueArn(`table/${this.databaseName}/${v}`)),
          ...sourceDatabases.map((d) => glueArn(`database/${d}`)),
          ...this.config.sourceTables.map((t) => glueArn(`table/${t.database}/${t.table}`)),
        ],
      }),
    );

    if (this.tables.length > 0) {
      this.grantLocationRead(
        role,
        this.bucket,
        'TableFiles',
        this.tables.map((t) => t.keyPrefix),
      );
      if (this.config.dataBucketKmsKeyArn !== undefined) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'DecryptDataBucket',
            actions: ['kms:Decrypt'],
            resources: [this.config.dataBucketKmsKeyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
          }),
        );
      }
    }

    const byBucket = new Map<string, string[]>();
    for (const location of this.config.sourceLocations) {
      byBucket.set(location.bucket, [...(byBucket.get(location.bucket) ?? []), location.prefix]);
    }
    [...byBucket.entries()].forEach(([bucketName, prefixes], i) => {
      const bucket = s3.Bucket.fromBucketName(this, `ViewSource${i}`, bucketName);
      this.grantLocationRead(role, bucket, `ViewSource${i}`, prefixes);
    });
  }

  /**
   * What the usage rollup job reads: the usage_events Glue table and its files (listed for the
   * fingerprints, read by Athena), nothing of the other tables.
   */
  grantUsageEventsRead(role: iam.Role): void {
    this.grantEventsRead(role, 'usage_events');
  }

  /**
   * What the rollup job reads of a raw event table (usage_events, web_events): its Glue table
   * and its files (listed for the fingerprints, read by Athena), nothing of the other tables.
   */
  grantEventsRead(role: iam.Role, table: 'usage_events' | 'web_events'): void {
    const events = this.tables.find((t) => t.contractName === table);
    if (events === undefined) throw new Error(`${table} is not a deployed table`);
    // UsageEvents, WebEvents: the statement ids the policy has always had for usage_events.
    const name = table === 'usage_events' ? 'UsageEvents' : 'WebEvents';
    const stack = Stack.of(this);
    const glueArn = (resource: string) => stack.formatArn({ service: 'glue', resource });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Read${name}Table`,
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          glueArn('catalog'),
          glueArn(`database/${this.databaseName}`),
          glueArn(`table/${this.databaseName}/${events.glueName}`),
        ],
      }),
    );
    this.grantLocationRead(role, this.bucket, `${name}Files`, [events.keyPrefix]);
    if (this.config.dataBucketKmsKeyArn !== undefined) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `Decrypt${name}`,
          actions: ['kms:Decrypt'],
          resources: [this.config.dataBucketKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }

  /** s3:GetObject under each prefix, and ListBucket limited to those prefixes. */
  private grantLocationRead(
    role: iam.Role,
    bucket: s3.IBucket,
    sid: string,
    prefixes: readonly string[],
  ): void {
    const objectArns = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: `Read${sid}`, actions: ['s3:GetObject'], resources: objectArns }),
    );
    const wholeBucket = prefixes.includes('');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `List${sid}`,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: wholeBucket ? undefined : { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Locate${sid}`,
        actions: ['s3:GetBucketLocation'],
        resources: [bucket.bucketArn],
      }),
    );
    acknowledgeWildcardResources(
      role,
      objectArns,
      'Reads the files under a configured table folder or view source location (the folder is the table); nothing else in the bucket.',
    );
  }
}
