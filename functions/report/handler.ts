// Placeholder so the CDK stack can bundle an entry point; replaced by the report handler.
export const handler = async (): Promise<{ ok: boolean }> => ({ ok: true });
