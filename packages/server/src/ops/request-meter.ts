import { undecidedPaymentOutcome } from '../api/outcomes.js';
import { PAYMENT_ENDPOINT, type PlatformMetrics, type RequestMeter } from './metrics.js';
import type { PaymentRecorder } from './payment-recorder.js';

/**
 * The one hook of the HTTP edge (and of the in-process API) for every answered request. A payment
 * is timed once, and that latency feeds both the payment statistics, which are always on (they
 * are the operator dashboard's, and cost two increments), and the Prometheus histogram when
 * MICROPAY_METRICS is on (`metrics` null: off).
 */
export function requestMeter(recorder: PaymentRecorder, metrics: PlatformMetrics | null): RequestMeter {
  return {
    answered(endpoint, code, startedMs, paymentOutcome) {
      if (endpoint !== PAYMENT_ENDPOINT) return metrics?.answered(endpoint, code);
      const latencyMs = performance.now() - startedMs;
      recorder.record(paymentOutcome ?? undecidedPaymentOutcome(code), latencyMs);
      metrics?.paymentAnswered(code, latencyMs);
    },
  };
}
