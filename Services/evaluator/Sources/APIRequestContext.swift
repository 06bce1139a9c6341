import Hummingbird
import WhistleDomain

/// The request context of evaluator's HTTP API: Hummingbird's core storage, the caller's address
/// (for the access records) and, once `AuthenticationMiddleware` has checked the token, the
/// principal.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The verified caller; nil on the public routes.
    var principal: Principal?
    /// The peer's IP address as the server saw it.
    let remoteAddress: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        principal = nil
    }

    /// The principal of an authenticated route (the middleware guarantees one there).
    func requirePrincipal() throws(EvaluatorError) -> Principal {
        guard let principal else { throw EvaluatorError("unauthorized", "a bearer token is required", status: .unauthorized) }
        return principal
    }
}
