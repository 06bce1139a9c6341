import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// swift-metrics backed by a Prometheus registry, installed once per process; `/metrics`
/// serves the registry's text format.
public enum WhistleMetrics {
    private static let installed = NIOLockedValueBox<PrometheusCollectorRegistry?>(nil)

    /// Installs the Prometheus factory (once) and returns the registry to serve.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        installed.withLockedValue { installed in
            if let installed { return installed }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            installed = registry
            return registry
        }
    }
}
