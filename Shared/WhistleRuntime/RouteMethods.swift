import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// The methods each registered path answers, so that a request for a known path with another
/// method gets `405 Method Not Allowed` with an `Allow` header (RFC 9110), not the 404 Hummingbird
/// gives. Filled once from `Router.routes` after the routes are added; catch-all paths (`**`)
/// are left out, so an unknown path stays 404.
public final class RouteMethods: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    public init() {}

    /// Records the routes of `router`.
    public func load<Context>(from router: Router<Context>) {
        let table = router.routes.compactMap { route -> ([Substring], HTTPRequest.Method)? in
            let path = route.path.description
            guard !path.contains("**") else { return nil }
            return (path.split(separator: "/"), route.method)
        }
        routes.withLockedValue { $0 = table }
    }

    /// The methods `path` answers, sorted; empty for an unknown path.
    public func allowed(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        let table = routes.withLockedValue { $0 }
        let methods = table.filter { Self.matches($0.segments, parts) }.map(\.method.rawValue)
        return Array(Set(methods)).sorted()
    }

    static func matches(_ pattern: [Substring], _ parts: [Substring]) -> Bool {
        guard pattern.count == parts.count else { return false }
        return zip(pattern, parts).allSatisfy { expected, part in expected.hasPrefix(":") || expected == "*" || expected == part }
    }
}
