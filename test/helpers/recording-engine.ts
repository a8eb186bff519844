import type {
  QueryEngine,
  QueryRequest,
  QueryResult,
  TableSource,
} from '../../functions/app/ports/query-engine.js';

/** Wraps an engine and keeps every request it runs (for SQL portability checks). */
export class RecordingEngine implements QueryEngine {
  readonly requests: QueryRequest[] = [];
  constructor(private readonly inner: QueryEngine) {}
  get kind(): QueryEngine['kind'] {
    return this.inner.kind;
  }
  get dataSource(): string {
    return this.inner.dataSource;
  }
  sources(): Promise<readonly TableSource[]> {
    return this.inner.sources();
  }
  async query(request: QueryRequest): Promise<QueryResult> {
    this.requests.push(request);
    return this.inner.query(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
