import Foundation
import WhistleRuntime

/// How the Open311 GeoReport v2 side (CONTRACT §9) presents itself.
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_OPEN311_JURISDICTION` | none: the deployment's `jurisdiction_id` (e.g. `xishan.km.gov.cn`); when set, a request naming another one is 404 (one that names none is served) |
/// | `WHISTLE_OPEN311_BASE_URL` | none: the endpoint's public URL in `discovery.json` (e.g. `https://api.city.gov/open311/v2`); unset, it is built from the request's `Host` |
/// | `WHISTLE_OPEN311_CONTACT` | `12345 政务服务便民热线`: the discovery file's `contact` |
public struct Open311Configuration: Sendable, Equatable {
    public static let defaultContact = "12345 政务服务便民热线"

    public var jurisdiction: String?
    public var baseURL: String?
    public var contact: String

    public init(jurisdiction: String? = nil, baseURL: String? = nil, contact: String = Self.defaultContact) {
        self.jurisdiction = jurisdiction
        self.baseURL = baseURL
        self.contact = contact
    }

    init(_ env: ConfigurationReader) throws {
        jurisdiction = env.optionalString("WHISTLE_OPEN311_JURISDICTION")
        if let base = env.optionalString("WHISTLE_OPEN311_BASE_URL") {
            guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(variable: "WHISTLE_OPEN311_BASE_URL", message: "\(base) is not an http(s) URL")
            }
            baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        } else {
            baseURL = nil
        }
        contact = env.string("WHISTLE_OPEN311_CONTACT", default: Self.defaultContact)
    }
}
