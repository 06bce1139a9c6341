import Foundation
import WhistleMessages
import WhistleRuntime

/// Notifier's configuration: the shared `WHISTLE_*` settings (HTTP port 8083 by default) and
///
/// | variable | default |
/// |---|---|
/// | `WHISTLE_NOTIFY_CITIZEN_URL`, `…_DEPARTMENT_URL`, `…_SUPERVISOR_URL`, `…_REPORTER_URL` | none: that audience's notifications are recorded `undeliverable`; `https://` only, unless `WHISTLE_NOTIFY_ALLOW_HTTP` |
/// | `WHISTLE_NOTIFY_CITIZEN_SECRET`, `…_DEPARTMENT_SECRET`, `…_SUPERVISOR_SECRET`, `…_REPORTER_SECRET` | `WHISTLE_NOTIFY_SECRET`: that audience's HMAC-SHA256 key (`WebhookSignature`) |
/// | `WHISTLE_NOTIFY_SECRET` | none: the key of every audience without its own; an audience with an endpoint needs one of the two |
/// | `WHISTLE_NOTIFY_ALLOW_HTTP` | `false`: `true` allows `http://` endpoints (local receivers, tests) |
/// | `WHISTLE_NOTIFY_MAX_ATTEMPTS` | `8`: then `notification.failed` and a supervisor alert |
/// | `WHISTLE_NOTIFY_BACKOFF_MS` | `1000`: the first retry's delay; doubled each attempt (with jitter), at most 10 min |
/// | `WHISTLE_NOTIFY_TIMEOUT_MS` | `5000`: per request |
/// | `WHISTLE_NOTIFY_QUIET_HOURS` | `22:00-08:00` (local): non-urgent citizen messages wait for its end; `none` to turn off |
/// | `WHISTLE_NOTIFY_TEMPLATES_DIR` | bundled: a folder of `<template>.mustache` files that replace the bundled ones |
/// | `WHISTLE_NOTIFY_CONCURRENCY` | `16`: deliveries in flight |
public struct NotifierConfiguration: Sendable, Equatable {
    public static let defaultPort = 8083
    public var service: ServiceConfiguration
    public var endpoints: [WebhookNotification.Audience: String]
    /// The signing key of each audience that has an endpoint.
    public var secrets: [WebhookNotification.Audience: String]
    /// Whether `http://` endpoints are allowed (`WHISTLE_NOTIFY_ALLOW_HTTP`).
    public var allowHTTP: Bool
    public var maxAttempts: Int
    public var backoffMilliseconds: Int
    public var timeoutMilliseconds: Int
    /// Local minutes since midnight: quiet from `start` to `end` (wrapping midnight); nil = never quiet.
    public var quietHours: QuietHours?
    public var templatesDirectory: String?
    public var concurrency: Int

    public init(
        service: ServiceConfiguration, endpoints: [WebhookNotification.Audience: String] = [:],
        secrets: [WebhookNotification.Audience: String] = [:], allowHTTP: Bool = false,
        maxAttempts: Int = 8, backoffMilliseconds: Int = 1000, timeoutMilliseconds: Int = 5000,
        quietHours: QuietHours? = QuietHours(start: 22 * 60, end: 8 * 60), templatesDirectory: String? = nil, concurrency: Int = 16
    ) {
        self.service = service
        self.endpoints = endpoints
        self.secrets = secrets
        self.allowHTTP = allowHTTP
        self.maxAttempts = maxAttempts
        self.backoffMilliseconds = backoffMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.quietHours = quietHours
        self.templatesDirectory = templatesDirectory
        self.concurrency = concurrency
    }

    /// Reads the environment; a bad value is an error naming its variable.
    public init(environment: [String: String]) throws {
        self.init(service: try ServiceConfiguration(serviceName: "notifier", defaultPort: Self.defaultPort, environment: environment))
        let env = ConfigurationReader(environment: environment)
        allowHTTP = try env.bool("WHISTLE_NOTIFY_ALLOW_HTTP", default: false)
        let fallbackSecret = env.string("WHISTLE_NOTIFY_SECRET", default: "")
        for audience in WebhookNotification.Audience.allCases {
            let url = env.string(audience.endpointVariable, default: "")
            guard !url.isEmpty else { continue }
            endpoints[audience] = try Self.endpoint(url, variable: audience.endpointVariable, allowHTTP: allowHTTP)
            let secret = env.string(audience.secretVariable, default: fallbackSecret)
            guard !secret.isEmpty else {
                throw ConfigurationError(
                    variable: audience.secretVariable,
                    message: "\(audience.endpointVariable) is set but neither \(audience.secretVariable) nor WHISTLE_NOTIFY_SECRET is: "
                        + "receivers verify every delivery with it")
            }
            secrets[audience] = secret
        }
        maxAttempts = try env.int("WHISTLE_NOTIFY_MAX_ATTEMPTS", default: 8, in: 1...100)
        backoffMilliseconds = try env.int("WHISTLE_NOTIFY_BACKOFF_MS", default: 1000, in: 10...3_600_000)
        timeoutMilliseconds = try env.int("WHISTLE_NOTIFY_TIMEOUT_MS", default: 5000, in: 100...120_000)
        let quiet = env.string("WHISTLE_NOTIFY_QUIET_HOURS", default: "22:00-08:00")
        if quiet == "none" {
            quietHours = nil
        } else {
            guard let hours = QuietHours(setting: quiet) else {
                throw ConfigurationError(variable: "WHISTLE_NOTIFY_QUIET_HOURS", message: "\(quiet) is not HH:MM-HH:MM or none")
            }
            quietHours = hours
        }
        let directory = env.string("WHISTLE_NOTIFY_TEMPLATES_DIR", default: "")
        templatesDirectory = directory.isEmpty ? nil : directory
        concurrency = try env.int("WHISTLE_NOTIFY_CONCURRENCY", default: 16, in: 1...256)
    }

    /// `url` when it is an `https://` URL with a host (or `http://` when `allowHTTP`).
    static func endpoint(_ url: String, variable: String, allowHTTP: Bool) throws -> String {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
            parsed.host?.isEmpty == false
        else {
            throw ConfigurationError(variable: variable, message: "\(url) is not an https:// URL")
        }
        if scheme == "http" && !allowHTTP {
            throw ConfigurationError(
                variable: variable,
                message: "\(url) is plain http: deliveries carry personal data, so endpoints must be https:// "
                    + "(set WHISTLE_NOTIFY_ALLOW_HTTP=true only for a receiver on this host or in tests)")
        }
        return url
    }
}

/// The local hours in which non-urgent citizen messages are held back (default 22:00–08:00).
public struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// `HH:MM-HH:MM`.
    public init?(setting: String) {
        let parts = setting.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        func minutes(_ text: String) -> Int? {
            let hm = text.split(separator: ":")
            guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
            return h * 60 + m
        }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else { return nil }
        self.init(start: start, end: end)
    }

    /// Whether `minute` (after local midnight) is quiet.
    public func contains(minute: Int) -> Bool {
        start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    /// Minutes from `minute` to the end of the quiet hours (0 when not quiet).
    public func minutesUntilEnd(from minute: Int) -> Int {
        guard contains(minute: minute) else { return 0 }
        return (end - minute + 1440) % 1440
    }
}
