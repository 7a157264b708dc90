import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator, TraceState } from '@opentelemetry/core';
import { Tracing } from '../src/tracing.ts';

/** What the W3C propagator of OpenTelemetry writes for `span`: the reference Tracing.inject must match. */
function propagated(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  new W3CTraceContextPropagator().inject(trace.setSpan(ROOT_CONTEXT, span), headers, {
    set: (carrier, key, value) => {
      carrier[key] = value;
    },
  });
  return headers;
}

describe('trace context passed on', () => {
  const quiet = new Tracing('t', '0.0.0', { OTEL_SDK_DISABLED: false });
  const recording = new Tracing('t', '0.0.0', {
    OTEL_SDK_DISABLED: false,
    // Its spans record; none is ended, so nothing is exported.
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces',
  });
  const caller = (flags: TraceFlags, state?: string) =>
    trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: flags,
      ...(state ? { traceState: new TraceState(state) } : {}),
    });

  const cases: [string, () => Span][] = [
    ['a new trace, nothing recorded', () => quiet.startClientSpan(undefined, 'GET x')],
    ['a caller sampled it, nothing recorded here', () => quiet.startClientSpan(caller(TraceFlags.SAMPLED), 'GET x')],
    ['a caller with trace state', () => quiet.startClientSpan(caller(TraceFlags.NONE, 'vendor=a,other=b'), 'GET x')],
    ['a recorded span', () => recording.startClientSpan(undefined, 'GET x')],
    [
      'a recorded span of a sampled caller with trace state',
      () => recording.startClientSpan(caller(TraceFlags.SAMPLED, 'vendor=a'), 'GET x'),
    ],
  ];
  for (const [name, make] of cases) {
    test(`when the span is ${name}, then the headers are the W3C propagator's`, () => {
      const span = make();
      const headers: Record<string, string> = quiet.inject(span, { 'x-request-id': 'r' });
      assert.match(headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      assert.deepEqual(headers, { 'x-request-id': 'r', ...propagated(span) });
    });
  }

  test('when the span context is invalid or absent, then nothing is added, as the propagator adds nothing', () => {
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
    assert.deepEqual(propagated(invalid), {});
    assert.deepEqual(quiet.inject(invalid, {}), {});
    assert.deepEqual(quiet.inject(undefined, {}), {});
  });

  const incoming: [string, Record<string, string | string[] | undefined>][] = [
    ['no traceparent', {}],
    ['a sampled traceparent', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }],
    [
      'a traceparent with trace state in two headers',
      { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00', tracestate: ['vendor=a', 'other=b'] },
    ],
    ['two traceparents', { traceparent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x'] }],
    ['a malformed traceparent', { traceparent: '00-zz-00f067aa0ba902b7-01' }],
    ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
  ];
  for (const [name, headers] of incoming) {
    test(`when a request arrives with ${name}, then its parent is the one the W3C propagator extracts`, () => {
      const extracted = trace.getSpanContext(
        new W3CTraceContextPropagator().extract(ROOT_CONTEXT, headers, {
          keys: (carrier) => Object.keys(carrier),
          get: (carrier, key) => carrier[key],
        }),
      );
      const parent = quiet.remoteParent(headers);
      assert.deepEqual(
        parent && { ...parent, traceState: parent.traceState?.serialize() },
        extracted && { ...extracted, traceState: extracted.traceState?.serialize() },
      );
    });
  }

  after(async () => {
    await Promise.all([quiet.shutdown(), recording.shutdown().catch(() => {})]);
  });
});
