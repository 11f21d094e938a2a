// Logging and metrics as the use cases see them. On Lambda `Log` writes JSON lines
// (adapters/observability/json-log.ts); the
// metrics adapter (emf-metrics.ts) turns `count`/`observe` into CloudWatch EMF (one blob per invocation, never one
// PutMetricData per event) and never uses a per-session dimension.

import { type MetricDimension, type MetricName } from '../../contract/observability';

export { type MetricName };

export type LogExtra = Record<string, unknown>;

export interface Log {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra): void;
}

/** The names and dimensions are the contract with the alarms and dashboard (contract/observability.ts). */
export type MetricDimensions = Partial<Record<MetricDimension, string>>;

export interface Metrics {
  count(name: MetricName, value?: number, dimensions?: MetricDimensions): void;
  /** A measured value (milliseconds or a gauge). */
  observe(name: MetricName, value: number, unit: 'Milliseconds' | 'Count', dimensions?: MetricDimensions): void;
}

export const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: Metrics = { count: () => {}, observe: () => {} };
