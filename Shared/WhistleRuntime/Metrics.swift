import Foundation
import Metrics
import Prometheus

/// swift-metrics backed by a Prometheus registry, installed once per process; `/metrics`
/// serves the registry's text format.
public enum WhistleMetrics {
    private static let once = NSLock()
    nonisolated(unsafe) private static var installed: PrometheusCollectorRegistry?

    /// Installs the Prometheus factory (once) and returns the registry to serve.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        once.withLock {
            if let installed { return installed }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            installed = registry
            return registry
        }
    }
}
