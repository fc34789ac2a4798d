// OpenTelemetry traces, only when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the standard variables). bullmq-otel then traces every
// enqueue and every job across processes (the trace context travels in the job), and spans go
// to the endpoint over OTLP/HTTP. Without an endpoint nothing is loaded and nothing is traced.
import type { Telemetry } from 'bullmq';
import { VERSION } from './version.js';

export interface TracingHandle {
  telemetry: Telemetry;
  shutdown(): Promise<void>;
}

export function otlpEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`;
  return undefined;
}

/** Start tracing when an endpoint is configured; undefined otherwise. */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<TracingHandle | undefined> {
  const url = otlpEndpoint(env);
  if (!url) return undefined;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { BullMQOtel }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('bullmq-otel'),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'newsflow', 'service.version': VERSION }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  return {
    telemetry: new BullMQOtel({ tracerName: 'newsflow', version: VERSION }) as unknown as Telemetry,
    shutdown: () => provider.shutdown(),
  };
}
