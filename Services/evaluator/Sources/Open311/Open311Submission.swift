import Foundation
import WhistleDomain
import WhistleMessages

/// A GeoReport v2 `POST requests.json` (CONTRACT §9) as a demand of channel 12345 (CONTRACT §1):
/// the pure mapping and its checks, every problem at once. The email is read nowhere: it is not
/// forwarded, stored or logged. Personal data (names, phone) go only into the demand's `reporter`,
/// which intake keeps apart from the demand.
struct Open311Submission: Sendable, Equatable {
    /// The demand body, as an adapter would publish it.
    var body: JSONValue
    /// The demand's `external_id`: the client's own request id, or a generated `open311-<uuid>`.
    var externalId: String

    static let maxDescription = 4000
    static let maxAddress = 500
    static let maxName = 100
    static let maxURL = 2048

    /// Reads `form`. `isService`: whether a code is a leaf category (a GeoReport service).
    /// `newId` makes the external id of a request that brings none. Throws the descriptions of
    /// every problem (as Open311's 400 array carries them).
    static func read(
        _ form: FormBody, isService: (String) -> Bool, now: Date, timeZone: TimeZone,
        newId: () -> String = { UUID().uuidString.lowercased() }
    ) throws(Open311Error) -> Open311Submission {
        var problems: [String] = []
        var object: [String: JSONValue] = [:]

        let requestId = form.text("external_id") ?? form.text("client_request_id")
        if let requestId, requestId.unicodeScalars.count > 128 {
            problems.append("external_id: at most 128 characters")
        }
        let externalId = requestId ?? "open311-\(newId())"
        object["external_id"] = .string(externalId)
        object["submitted_at"] = .string(RFC3339.format(now, offsetSeconds: timeZone.secondsFromGMT(for: now)))

        if let code = form.text("service_code") {
            if isService(code) {
                object["category"] = .string(code)
            } else {
                problems.append("service_code: \(TextRules.quoted(code)) is not a service of services.json")
            }
        } else {
            problems.append("service_code: required")
        }

        if let description = form.text("description") {
            if description.unicodeScalars.count > maxDescription {
                problems.append("description: at most \(maxDescription) characters")
            }
            object["content"] = .string(description)
        } else {
            problems.append("description: required")
        }

        var location: [String: JSONValue] = [:]
        let lat = form.text("lat")
        let long = form.text("long")
        switch (lat, long) {
        case (let lat?, let long?):
            if let value = Double(lat), value.isFinite, (-90...90).contains(value) {
                location["lat"] = .double(value)
            } else {
                problems.append("lat: a number from -90 to 90")
            }
            if let value = Double(long), value.isFinite, (-180...180).contains(value) {
                location["lon"] = .double(value)
            } else {
                problems.append("long: a number from -180 to 180")
            }
        case (nil, nil):
            break
        default:
            problems.append("lat, long: both or neither")
        }
        let address = form.text("address_string")
        if let address {
            if address.unicodeScalars.count > maxAddress { problems.append("address_string: at most \(maxAddress) characters") }
            location["address"] = .string(address)
        }
        if (lat == nil || long == nil) && address == nil {
            problems.append("location: lat and long, or address_string, are required")
        }
        if !location.isEmpty { object["location"] = .object(location) }

        var reporter: [String: JSONValue] = [:]
        let names = [form.text("first_name"), form.text("last_name")].compactMap { $0 }
        for (field, value) in [("first_name", form.text("first_name")), ("last_name", form.text("last_name"))] {
            if let value, value.unicodeScalars.count > maxName { problems.append("\(field): at most \(maxName) characters") }
        }
        if !names.isEmpty { reporter["name"] = .string(names.joined(separator: " ")) }
        // The phone is checked by intake, as every demand's is (an invalid one rejects the demand).
        if let phone = form.text("phone") { reporter["phone"] = .string(phone) }
        if !reporter.isEmpty { object["reporter"] = .object(reporter) }

        if let media = form.text("media_url") {
            let scheme = URL(string: media)?.scheme?.lowercased()
            if media.unicodeScalars.count > maxURL || !(scheme == "http" || scheme == "https") || URL(string: media)?.host == nil {
                problems.append("media_url: an http or https URL of at most \(maxURL) characters")
            } else {
                object["attachments"] = .array([.object(["url": .string(media), "kind": .string("image")])])
            }
        }

        if !problems.isEmpty { throw .badRequest(problems) }
        return Open311Submission(body: .object(object), externalId: externalId)
    }
}
