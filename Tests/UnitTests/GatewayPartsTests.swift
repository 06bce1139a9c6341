import Foundation
import Testing
import WhistleDomain
import WhistleMessages
import WhistleReliability
import WhistleRuntime

@testable import EvaluatorService

/// The pure parts of the HTTP gateways (CONTRACT §9): the form parser, the Open311 → demand
/// mapping with its checks, the message ids, and whose origin headers intake believes.
@Suite("Gateway parts")
struct GatewayPartsTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    @Test("form bodies: + is a space, %XX a UTF-8 byte, repeated names keep their order; broken escapes and non-UTF-8 are refused")
    func formBodies() throws {
        let form = try FormBody.parse(Array("a=1+2&b=%E5%9E%83%E5%9C%BE&&c&a=3&d=%2B%26%3D&e=".utf8))
        #expect(form.pairs.map(\.name) == ["a", "b", "c", "a", "d", "e"])
        #expect(form["a"] == "1 2" && form["b"] == "垃圾" && form["c"] == "" && form["d"] == "+&=" && form["e"] == "")
        #expect(form.text("e") == nil && form.text("a") == "1 2" && form["zz"] == nil)
        for broken in ["a=%", "a=%4", "a=%zz", "a=%FF", "a=%C3%28", "%E5=1"] {
            #expect(throws: FormBody.Problem.self, "\(broken)") { try FormBody.parse(Array(broken.utf8)) }
        }
        #expect(try FormBody.parse([]).pairs.isEmpty)
        #expect(FormBody.accepts(contentType: "application/x-www-form-urlencoded"))
        #expect(FormBody.accepts(contentType: "Application/X-WWW-Form-Urlencoded; charset=UTF-8"))
        #expect(!FormBody.accepts(contentType: "application/x-www-form-urlencoded; charset=GBK"))
        #expect(!FormBody.accepts(contentType: "application/json") && !FormBody.accepts(contentType: "multipart/form-data; boundary=x"))
        #expect(!FormBody.accepts(contentType: nil))
    }

    static func read(_ text: String, newId: @escaping () -> String = { "u-1" }) throws(Open311Error) -> Open311Submission {
        let form: FormBody
        do {
            form = try FormBody.parse(Array(text.utf8))
        } catch {
            throw Open311Error.badRequest("unreadable test form")
        }
        return try Open311Submission.read(form, isService: { $0 == "SRHJ-LJQY" }, now: now, timeZone: shanghai, newId: newId)
    }

    @Test("an Open311 request maps to a 12345 demand: description, service, location, reporter, media; the email goes nowhere")
    func mapping() throws {
        let submission = try Self.read(
            "api_key=k&service_code=SRHJ-LJQY&description=+%E5%9E%83%E5%9C%BE%E6%BB%A1%E6%BA%A2+&lat=25.0198&long=102.69"
                + "&address_string=%E7%9F%B3%E6%A1%A5&first_name=%E5%B0%8F%E6%98%8E&last_name=%E7%8E%8B&phone=13812345678"
                + "&email=a%40example.com&media_url=https%3A%2F%2Fimg.example.cn%2F1.jpg&client_request_id=APP-9")
        #expect(submission.externalId == "APP-9")
        let expected: JSONValue = .object([
            "external_id": .string("APP-9"), "submitted_at": .string("2026-11-18T19:06:40+08:00"), "content": .string("垃圾满溢"),
            "category": .string("SRHJ-LJQY"),
            "location": .object(["lat": .double(25.0198), "lon": .double(102.69), "address": .string("石桥")]),
            "reporter": .object(["name": .string("小明 王"), "phone": .string("13812345678")]),
            "attachments": .array([.object(["url": .string("https://img.example.cn/1.jpg"), "kind": .string("image")])]),
        ])
        #expect(submission.body == expected)
        #expect(!submission.body.description.contains("example.com/") && !submission.body.description.contains("a@example.com"))
        // The demand validator takes it as it is.
        let codes = ReferenceCodes(categories: ["SRHJ-LJQY"])
        let validation = DemandValidator(reference: codes).validate(channel: .twelve345, body: submission.body.jsonBytes, now: Self.now)
        #expect(validation.errors.isEmpty, "\(validation.errors)")

        let minimal = try Self.read("service_code=SRHJ-LJQY&description=x&address_string=a&external_id=E-1&client_request_id=C-1")
        #expect(minimal.externalId == "E-1", "external_id wins over client_request_id")
        let generated = try Self.read("service_code=SRHJ-LJQY&description=x&address_string=a")
        #expect(generated.externalId == "open311-u-1")
        guard case .object(let fields) = generated.body else { Issue.record("not an object"); return }
        #expect(fields["reporter"] == nil && fields["attachments"] == nil && fields["location"] == .object(["address": .string("a")]))
    }

    @Test("every problem of an Open311 request at once")
    func problems() {
        #expect {
            try Self.read("service_code=SRHJ&lat=91&long=x&media_url=ftp%3A%2F%2Fa&first_name=" + String(repeating: "a", count: 101))
        } throws: { error in
            guard let error = error as? Open311Error else { return false }
            let fields = error.descriptions.map { String($0.prefix { $0 != ":" }) }
            return error.status == .badRequest && fields == ["service_code", "description", "lat", "long", "first_name", "media_url"]
        }
        #expect {
            try Self.read("service_code=SRHJ-LJQY&description=x&lat=25")
        } throws: { error in
            (error as? Open311Error)?.descriptions == [
                "lat, long: both or neither", "location: lat and long, or address_string, are required",
            ]
        }
        #expect {
            try Self.read("description=" + String(repeating: "x", count: 4001) + "&address_string=a&service_code=SRHJ-LJQY")
        } throws: { error in
            (error as? Open311Error)?.descriptions == ["description: at most 4000 characters"]
        }
        #expect(throws: Open311Error.self) { try Self.read("service_code=SRHJ-LJQY&description=+++&address_string=a") }
    }

    @Test("message ids: <via>:<client>:<key>, a long key by its digest; tokens map back")
    func messageIds() {
        let plain = GatewayDemand(channel: .hotline, via: "http", client: "web-1", key: "k-1")
        #expect(plain.messageId == "http:web-1:k-1")
        let message = plain.message(body: [1, 2])
        #expect(message.routingKey == "demand.hotline" && message.exchange == "whistle.intake" && message.mandatory)
        #expect(message.headers == ["x-whistle-adapter": "web-1", "x-whistle-via": "http"])
        let long = GatewayDemand(
            channel: .twelve345, via: "open311", client: String(repeating: "c", count: 40), key: String(repeating: "k", count: 128))
        #expect(long.messageId.count <= 128 && long.messageId.hasPrefix("open311:\(String(repeating: "c", count: 40)):sha256:"))
        #expect(
            long.messageId
                == GatewayDemand(channel: .twelve345, via: "open311", client: long.client, key: String(repeating: "k", count: 128))
                .messageId)
        let token = APIKey.base64URL(Array("open311:app:A/B+C".utf8))
        #expect(!token.contains("/") && !token.contains("+") && !token.contains("="))
        #expect(APIKey.base64URLDecoded(token).map { String(decoding: $0, as: UTF8.self) } == "open311:app:A/B+C")
        #expect(APIKey.base64URLDecoded("a/b") == nil)
        let key = APIKey.generate(.open311)
        #expect(key.hasPrefix("w311_") && key.count == 5 + 43 && APIKey.hash(key).count == 32 && APIKey.hash(key) != APIKey.hash(key + "x"))
        #expect(APIKey.generate(.adapter).hasPrefix("wadp_") && APIKey.generate(.adapter) != APIKey.generate(.adapter))
        #expect(HTTPIntakeRoutes.isIdempotencyKey("Ab0._:-") && !HTTPIntakeRoutes.isIdempotencyKey("a b"))
        #expect(!HTTPIntakeRoutes.isIdempotencyKey("") && !HTTPIntakeRoutes.isIdempotencyKey(String(repeating: "a", count: 101)))
    }

    @Test("WHISTLE_GATEWAY_USERS names the gateways, WHISTLE_INTAKE_WAIT_MS the wait (0…30000 ms)")
    func configuration() throws {
        let service = try ServiceConfiguration(
            serviceName: "intake", defaultPort: 8081, environment: ["WHISTLE_GATEWAY_USERS": "gw-a, gw-b,"])
        #expect(service.gatewayUsers == ["gw-a", "gw-b"] && SenderRules(configuration: service).gateways == ["gw-a", "gw-b"])
        let standard = try ServiceConfiguration(serviceName: "intake", defaultPort: 8081, environment: [:])
        #expect(SenderRules(configuration: standard).gateways == ["whistle-evaluator"])
        let secret = ["WHISTLE_API_JWT_SECRET": String(repeating: "s", count: 32)]
        #expect(try EvaluatorConfiguration(environment: secret).intakeWait == .milliseconds(2000))
        let quick = try EvaluatorConfiguration(environment: secret.merging(["WHISTLE_INTAKE_WAIT_MS": "0"]) { $1 })
        #expect(quick.intakeWait == .zero)
        #expect {
            try EvaluatorConfiguration(environment: secret.merging(["WHISTLE_INTAKE_WAIT_MS": "30001"]) { $1 })
        } throws: { ($0 as? ConfigurationError)?.variable == "WHISTLE_INTAKE_WAIT_MS" }
    }

    @Test("the origin headers are believed from a gateway (or with the check off), otherwise the sender is the adapter")
    func origin() {
        let rules = SenderRules()
        let headers = ["x-whistle-adapter": "city-app", "x-whistle-via": "open311"]
        #expect(rules.origin(userId: "whistle-evaluator", headers: headers) == ("city-app", "open311"))
        #expect(rules.origin(userId: "adapter-12345", headers: headers) == ("adapter-12345", nil))
        #expect(rules.origin(userId: "whistle-admin", headers: headers) == ("whistle-admin", nil), "an operator is no gateway")
        #expect(rules.origin(userId: nil, headers: headers) == (nil, nil))
        #expect(
            rules.origin(userId: "whistle-evaluator", headers: ["x-whistle-adapter": "City App", "x-whistle-via": "open311"]) == (
                "whistle-evaluator", nil
            ))
        #expect(
            rules.origin(userId: "whistle-evaluator", headers: ["x-whistle-adapter": "app", "x-whistle-via": "ftp"]) == (
                "whistle-evaluator", nil
            ))
        #expect(SenderRules(mode: .any).origin(userId: "whistle-admin", headers: headers) == ("city-app", "open311"))
        #expect(rules.demandProblem(userId: "whistle-evaluator", channel: .petition) == nil)
        #expect(rules.demandProblem(userId: "whistle-evaluator", channel: .whistle) != nil, "a whistle is no demand")
        #expect(SenderRules(gateways: []).demandProblem(userId: "whistle-evaluator", channel: .hotline) != nil)
        #expect(rules.feedbackProblem(userId: "whistle-evaluator", ticketChannels: []) != nil)
    }
}
