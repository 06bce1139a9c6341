import WhistleDomain
import WhistleRuntime

/// Evaluator's configuration: the shared `WHISTLE_*` settings (HTTP port 8080 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_SCORE_WEIGHTS` | `response=.2,on_time=.2,resolution=.15,satisfaction=.15,whistle=.3`: the composite's weights (any subset; `whistle`, the street's say, keeps at least 30 % of the total) |
/// | `WHISTLE_SCORE_STREET_MIX` | `whistle=.5,period=.5`: how the street's say mixes its per-whistle and its period evaluations (either or both; non-negative, not both zero) |
/// | `WHISTLE_HOTSPOT_WINDOW_HOURS` | `24`: the rolling window in which hotspots are detected and `hotspot.detected` raised (1…168) |
/// | `WHISTLE_API_JWT_SECRET` | none: the shared secret (at least 32 characters) of HS256 API tokens; this or `WHISTLE_API_JWKS` is required |
/// | `WHISTLE_API_JWKS` | none: a JWKS file path or `https://` URL of the city's identity provider (RS256/ES256 tokens) |
/// | `WHISTLE_API_JWKS_REFRESH_SECONDS` | `600`: how often a JWKS is read again (10…86400) |
/// | `WHISTLE_API_JWT_ISSUER` / `WHISTLE_API_JWT_AUDIENCE` | none: when set, a token's `iss` / `aud` must match |
/// | `WHISTLE_API_COOKIE_SECURE` | `false`: mark the dashboard's session cookie `Secure` (set it when the API is served over HTTPS) |
/// | `WHISTLE_OPEN311_JURISDICTION` | none: Open311's `jurisdiction_id`; when set, a GeoReport request naming another is 404 (`Open311Configuration`) |
/// | `WHISTLE_OPEN311_BASE_URL` / `WHISTLE_OPEN311_CONTACT` | none (built from `Host`) / `12345 政务服务便民热线`: what `discovery.json` says |
/// | `WHISTLE_INTAKE_WAIT_MS` | `2000`: how long a demand posted over HTTP (Open311 or `/v1/demands`) waits for its outcome before the answer says it is queued (0…30000) |
public struct EvaluatorConfiguration: Sendable, Equatable {
    public static let defaultPort = 8080
    public var service: ServiceConfiguration
    public var weights: ScoreWeights
    public var hotspotWindowHours: Int
    public var access: APIAccessConfiguration
    /// Open311 GeoReport v2 (CONTRACT §9): jurisdiction and discovery.
    public var open311: Open311Configuration
    /// How long the HTTP gateways wait for a posted demand's outcome (`WHISTLE_INTAKE_WAIT_MS`).
    public var intakeWait: Duration = .milliseconds(2000)

    public init(
        service: ServiceConfiguration, weights: ScoreWeights = .default, hotspotWindowHours: Int = 24, access: APIAccessConfiguration,
        open311: Open311Configuration = .init()
    ) {
        self.service = service
        self.weights = weights
        self.hotspotWindowHours = hotspotWindowHours
        self.access = access
        self.open311 = open311
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
        if let setting = env.optionalString("WHISTLE_SCORE_STREET_MIX") {
            guard let mix = StreetMix(setting: setting) else {
                throw ConfigurationError(
                    variable: "WHISTLE_SCORE_STREET_MIX",
                    message: "\(setting) is not name=weight,… over whistle, period (non-negative numbers, not both zero)")
            }
            weights.streetMix = mix
        }
        hotspotWindowHours = try env.int("WHISTLE_HOTSPOT_WINDOW_HOURS", default: 24, in: 1...168)
        access = try APIAccessConfiguration(env)
        open311 = try Open311Configuration(env)
        intakeWait = .milliseconds(try env.int("WHISTLE_INTAKE_WAIT_MS", default: 2000, in: 0...30_000))
    }
}

/// How the read API authenticates its callers (CONTRACT §8). There is no default key: an
/// evaluator without a secret or a JWKS refuses to start.
public struct APIAccessConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var jwtSecret: String?
    public var jwks: String?
    public var jwksRefresh: Duration
    public var issuer: String?
    public var audience: String?
    public var secureCookie: Bool

    public init(
        jwtSecret: String?, jwks: String? = nil, jwksRefresh: Duration = .seconds(600), issuer: String? = nil, audience: String? = nil,
        secureCookie: Bool = false
    ) {
        self.jwtSecret = jwtSecret
        self.jwks = jwks
        self.jwksRefresh = jwksRefresh
        self.issuer = issuer
        self.audience = audience
        self.secureCookie = secureCookie
    }

    init(_ env: ConfigurationReader) throws {
        jwtSecret = env.optionalString("WHISTLE_API_JWT_SECRET")
        jwks = env.optionalString("WHISTLE_API_JWKS")
        guard jwtSecret != nil || jwks != nil else {
            throw ConfigurationError(
                variable: "WHISTLE_API_JWT_SECRET",
                message: "is not set: the read API needs WHISTLE_API_JWT_SECRET (HS256, at least 32 characters) or WHISTLE_API_JWKS")
        }
        if let secret = jwtSecret, secret.count < 32 {
            throw ConfigurationError(variable: "WHISTLE_API_JWT_SECRET", message: "is \(secret.count) characters long; use at least 32")
        }
        jwksRefresh = .seconds(try env.int("WHISTLE_API_JWKS_REFRESH_SECONDS", default: 600, in: 10...86_400))
        issuer = env.optionalString("WHISTLE_API_JWT_ISSUER")
        audience = env.optionalString("WHISTLE_API_JWT_AUDIENCE")
        secureCookie = try env.bool("WHISTLE_API_COOKIE_SECURE", default: false)
    }

    /// Never prints the secret.
    public var description: String {
        "secret: \(jwtSecret == nil ? "none" : "set"), jwks: \(jwks ?? "none"), issuer: \(issuer ?? "any"), audience: \(audience ?? "any")"
    }
}
