/**
 * Glue table definitions generated from the data contract (functions/contract/contract.ts),
 * so the deployed catalog can never drift from the columns the queries and the docs use.
 */
import type { aws_glue as glue } from 'aws-cdk-lib';
import { glueType, type TableSpec } from '../functions/contract/contract.js';
import {
  ROLLUP_COLUMNS,
  ROLLUP_COMPRESSION,
  ROLLUP_RELATIONS,
  WEB_ROLLUP_TABLES,
  type RollupTable,
} from '../functions/core/rollup-plan.js';
import type { DataFormat } from './config.js';

export interface StorageFormat {
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serializationLibrary: string;
  readonly serdeParameters: Readonly<Record<string, string>>;
  readonly classification: string;
}

export const STORAGE_FORMATS: Readonly<Record<DataFormat, StorageFormat>> = {
  parquet: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    serdeParameters: { 'serialization.format': '1' },
    classification: 'parquet',
  },
  json: {
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
    // A malformed line fails the query rather than silently dropping rows the KPIs should count.
    serdeParameters: { 'ignore.malformed.json': 'FALSE', 'case.insensitive': 'TRUE' },
    classification: 'json',
  },
};

/** The partition column of the event tables; the folder is `dt=YYYY-MM-DD`. */
export const PARTITION_KEY = 'dt';

export interface GlueTableOptions {
  /** The Glue table name (the contract name unless renamed by configuration). */
  readonly glueName: string;
  /** s3://bucket/prefix/table/ — may contain CDK tokens for a bucket the stack creates. */
  readonly location: string;
  readonly format: DataFormat;
  /** First day of the projected `dt` range, YYYY-MM-DD. */
  readonly partitionRangeStart: string;
}

/** Table properties that make Athena compute `dt` partitions instead of reading them from Glue. */
export function partitionProjection(location: string, rangeStart: string): Record<string, string> {
  return {
    'projection.enabled': 'true',
    [`projection.${PARTITION_KEY}.type`]: 'date',
    [`projection.${PARTITION_KEY}.format`]: 'yyyy-MM-dd',
    // NOW keeps the range open-ended, so new days need no partition maintenance.
    [`projection.${PARTITION_KEY}.range`]: `${rangeStart},NOW`,
    [`projection.${PARTITION_KEY}.interval`]: '1',
    [`projection.${PARTITION_KEY}.interval.unit`]: 'DAYS',
    'storage.location.template': `${location}${PARTITION_KEY}=\${${PARTITION_KEY}}/`,
  };
}

export function glueTableInput(spec: TableSpec, options: GlueTableOptions): glue.CfnTable.TableInputProperty {
  const format = STORAGE_FORMATS[options.format];
  const partitioned = spec.partitionedBy === PARTITION_KEY;
  return {
    name: options.glueName,
    description: spec.description,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: format.classification,
      ...(partitioned ? partitionProjection(options.location, options.partitionRangeStart) : {}),
    },
    partitionKeys: partitioned
      ? [{ name: PARTITION_KEY, type: 'string', comment: 'UTC date of occurred_at, YYYY-MM-DD' }]
      : [],
    storageDescriptor: storageDescriptor(
      format,
      options.location,
      spec.columns.map((c) => ({ name: c.name, type: glueType(c.type), comment: c.description })),
    ),
  };
}

/** Where a table's files are and how Athena reads them. */
function storageDescriptor(
  format: StorageFormat,
  location: string,
  columns: glue.CfnTable.ColumnProperty[],
): glue.CfnTable.StorageDescriptorProperty {
  return {
    location,
    inputFormat: format.inputFormat,
    outputFormat: format.outputFormat,
    serdeInfo: {
      serializationLibrary: format.serializationLibrary,
      parameters: { ...format.serdeParameters },
    },
    columns,
  };
}

/**
 * A usage or web rollup table (docs/rollups.md): Parquet written by the rollup job's UNLOADs,
 * one `dt=` folder per raw partition, projected like the raw tables; the columns are those the
 * rollup SQL emits (ROLLUP_COLUMNS), so the report's rollup queries read them by name.
 */
export function rollupTableInput(
  table: RollupTable,
  options: { readonly location: string; readonly partitionRangeStart: string },
): glue.CfnTable.TableInputProperty {
  const format = STORAGE_FORMATS.parquet;
  const web = (WEB_ROLLUP_TABLES as readonly string[]).includes(table);
  const raw = web ? 'web_events' : 'usage_events';
  return {
    name: ROLLUP_RELATIONS[table],
    description: `${web ? 'Web' : 'Usage'} rollup (${table}), one dt= folder per raw ${raw} partition; written by the rollup function`,
    tableType: 'EXTERNAL_TABLE',
    parameters: {
      EXTERNAL: 'TRUE',
      classification: format.classification,
      'parquet.compression': ROLLUP_COMPRESSION.toUpperCase(),
      ...partitionProjection(options.location, options.partitionRangeStart),
    },
    partitionKeys: [{ name: PARTITION_KEY, type: 'string', comment: `The raw ${raw} partition rolled up` }],
    storageDescriptor: storageDescriptor(
      format,
      options.location,
      ROLLUP_COLUMNS[table].map((c) => ({ name: c.name, type: c.glueType, comment: c.comment })),
    ),
  };
}
