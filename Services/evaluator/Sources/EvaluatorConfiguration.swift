import WhistleDomain
import WhistleRuntime

/// Evaluator's configuration: the shared `WHISTLE_*` settings (HTTP port 8080 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_SCORE_WEIGHTS` | `response=.2,on_time=.2,resolution=.15,satisfaction=.15,whistle=.3`: the composite's weights (any subset; the whistle evaluation keeps at least 30 % of the total) |
/// | `WHISTLE_HOTSPOT_WINDOW_HOURS` | `24`: the rolling window in which hotspots are detected and `hotspot.detected` raised (1…168) |
public struct EvaluatorConfiguration: Sendable, Equatable {
    public static let defaultPort = 8080
    public var service: ServiceConfiguration
    public var weights: ScoreWeights
    public var hotspotWindowHours: Int

    public init(service: ServiceConfiguration, weights: ScoreWeights = .default, hotspotWindowHours: Int = 24) {
        self.service = service
        self.weights = weights
        self.hotspotWindowHours = hotspotWindowHours
    }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        service = try ServiceConfiguration(serviceName: "evaluator", defaultPort: Self.defaultPort, environment: environment)
        let env = ConfigurationReader(environment: environment)
        if let setting = env.optionalString("WHISTLE_SCORE_WEIGHTS") {
            guard let weights = ScoreWeights(setting: setting) else {
                throw ConfigurationError(
                    variable: "WHISTLE_SCORE_WEIGHTS",
                    message: "\(setting) is not name=weight,… over response, on_time, resolution, satisfaction, whistle "
                        + "(non-negative, not all zero, whistle at least 30 % of the total)")
            }
            self.weights = weights
        } else {
            weights = .default
        }
        hotspotWindowHours = try env.int("WHISTLE_HOTSPOT_WINDOW_HOURS", default: 24, in: 1...168)
    }
}
