import Foundation
import Logging
import ServiceLifecycle
import WhistleMessages
import WhistleReliability
import WhistleRuntime

/// Builds evaluator: the consumer that keeps the KPIs, the demand statistics and the hotspot
/// alerts from `whistle.events`, and the read API with the dashboard (CONTRACT §7).
public enum EvaluatorApp {
    /// The events evaluator consumes.
    public static let eventKeys = EvaluatorHandler.eventKeys

    public static func build(configuration: EvaluatorConfiguration, logger: Logger) async throws -> ServiceGroup {
        MallocArenas.limit()
        let settings = configuration.service
        let kit = try ServiceKit(configuration: settings, logger: logger)
        let timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let reference = ReferenceCache(pool: kit.pool, timeZone: timeZone, logger: logger)
        let handler = EvaluatorHandler(
            outbox: kit.outbox, timeZone: timeZone,
            detector: HotspotDetector(windowHours: configuration.hotspotWindowHours, logger: logger),
            logger: logger)
        let consumer = kit.eventsConsumer(name: "evaluator", queue: WhistleTopology.evaluatorEventsQueue, handler: handler)
        let api = ReadAPI(
            pool: kit.pool, reference: reference, timeZone: timeZone, weights: configuration.weights,
            hotspotWindowHours: configuration.hotspotWindowHours, clock: settings.clock.function, logger: logger)
        let open311 = Open311API(
            pool: kit.pool, reference: reference, configuration: configuration.open311, timeZone: timeZone,
            clock: settings.clock.function, logger: logger)
        let access = configuration.access
        let verifier = await APITokenVerifier(secret: access.jwtSecret, issuer: access.issuer, audience: access.audience)
        let authentication = AuthenticationMiddleware(verifier: verifier, reference: reference)
        var services: [any Service] = [reference, kit.dedupRetention(consumers: [consumer], also: [.evaluatorApplied])]
        if let jwks = access.jwks {
            services.append(JWKSSource(location: jwks, refresh: access.jwksRefresh, verifier: verifier, logger: logger))
        }
        let startup = [StartupStep("reference data", reference.refresh)]
        return kit.serviceGroup(consumers: [consumer], services: services, startup: startup, context: APIRequestContext.self) { router in
            router.add(middleware: authentication)
            LoginRoutes(verifier: verifier, middleware: authentication, secureCookie: access.secureCookie).add(to: router)
            api.routes(router)
            api.pointsRoutes(router)
            open311.routes(router)
            DemandGateway.routes(router, kit: kit, reference: reference, configuration: configuration, timeZone: timeZone, logger: logger)
        }
    }
}
