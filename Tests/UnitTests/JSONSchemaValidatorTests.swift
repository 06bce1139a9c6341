import Foundation
import Testing
import WhistleDomain
import WhistleMessages

/// The test-only JSON Schema validator must itself be able to fail: each test holds instances
/// that a schema must reject and ones it must accept.
@Suite("JSON Schema validator (test support)")
struct JSONSchemaValidatorTests {
    let validator = JSONSchemaValidator(directory: FileManager.default.temporaryDirectory)

    func schema(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    /// The paths and keywords of the violations of `instance` (JSON text) against `schema`.
    func violations(_ instance: String, _ schema: JSONValue) throws -> [String] {
        try validator.validate(try JSONParser().parse(instance), schema: schema).map { "\($0.path):\($0.keyword)" }
    }

    @Test("type: names and lists of names; integer counts 2.0 but not 2.5")
    func types() throws {
        let integer = try schema(#"{"type": "integer"}"#)
        #expect(try violations("2", integer).isEmpty)
        #expect(try violations("2.0", integer).isEmpty)
        #expect(try violations("2.5", integer) == [":type"])
        #expect(try violations(#""2""#, integer) == [":type"])
        let nullable = try schema(#"{"type": ["string", "null"]}"#)
        #expect(try violations("null", nullable).isEmpty)
        #expect(try violations(#""x""#, nullable).isEmpty)
        #expect(try violations("false", nullable) == [":type"])
    }

    @Test("strings: lengths in Unicode scalars, patterns search, date-time needs an offset")
    func strings() throws {
        let short = try schema(#"{"type": "string", "minLength": 2, "maxLength": 3, "pattern": "\\S"}"#)
        #expect(try violations(#""西山区""#, short).isEmpty)
        #expect(try violations(#""西山区街""#, short) == [":maxLength"])
        #expect(try violations(#""👍🏽""#, short).isEmpty, "two scalars")
        #expect(try violations(#""x""#, short) == [":minLength"])
        #expect(try violations(#""   ""#, short) == [":pattern"])
        let time = try schema(#"{"type": "string", "format": "date-time"}"#)
        for good in ["2026-11-21T08:30:00+08:00", "2026-11-21T00:30:00.123Z", "2024-02-29t23:59:60z"] {
            #expect(try violations("\"\(good)\"", time).isEmpty, "\(good)")
        }
        for bad in ["2026-11-21T08:30:00", "2026-02-29T08:30:00Z", "2026-11-21 08:30:00+08:00", "2026-11-21T24:00:00Z", "yesterday"] {
            #expect(try violations("\"\(bad)\"", time) == [":format"], "\(bad)")
        }
    }

    @Test("numbers, enums and consts compare by value")
    func numbers() throws {
        let range = try schema(#"{"type": "number", "minimum": -90, "maximum": 90}"#)
        #expect(try violations("-90", range).isEmpty)
        #expect(try violations("90.5", range) == [":maximum"])
        let choice = try schema(#"{"enum": ["normal", "urgent", null, 1]}"#)
        #expect(try violations("1.0", choice).isEmpty)
        #expect(try violations("null", choice).isEmpty)
        #expect(try violations(#""panic""#, choice) == [":enum"])
        #expect(try violations(#"{"a": [1, 2]}"#, try schema(#"{"const": {"a": [1.0, 2]}}"#)).isEmpty)
        #expect(try violations(#"{"a": [2, 1]}"#, try schema(#"{"const": {"a": [1, 2]}}"#)) == [":const"])
    }

    @Test("objects and arrays report the path of each problem")
    func paths() throws {
        let demand = try schema(
            """
            {"type": "object", "required": ["content"], "additionalProperties": {"type": "string"},
             "properties": {"location": {"type": "object", "properties": {"lat": {"type": "number", "maximum": 90}}},
                            "attachments": {"type": "array", "maxItems": 2, "uniqueItems": true,
                                            "items": {"type": "object", "required": ["url"]}}}}
            """)
        #expect(try violations(#"{"content": "x", "extra": "y", "location": {}, "attachments": []}"#, demand).isEmpty)
        let found = try violations(#"{"location": {"lat": 91}, "attachments": [{}, {}, {}], "extra": 3}"#, demand)
        #expect(
            Set(found) == [
                "content:required", "location.lat:maximum", "attachments:maxItems", "attachments:uniqueItems",
                "attachments[0].url:required", "attachments[1].url:required", "attachments[2].url:required", "extra:type",
            ])
        #expect(
            try violations(
                #"{"content": "x", "extra": "y"}"#, try schema(#"{"additionalProperties": false, "properties": {"content": true}}"#)) == [
                    "extra:false"
                ])
    }

    @Test("allOf, anyOf, oneOf, not and if/then/else")
    func combinators() throws {
        let complaint = try schema(
            """
            {"if": {"properties": {"kind": {"const": "complaint"}}, "required": ["kind"]},
             "then": {"required": ["subject_unit"]}, "else": {"properties": {"subject_unit": {"type": "null"}}}}
            """)
        #expect(try violations(#"{"kind": "complaint", "subject_unit": "XS-CGJ"}"#, complaint).isEmpty)
        #expect(try violations(#"{"kind": "complaint"}"#, complaint) == ["subject_unit:required"])
        #expect(try violations(#"{"kind": "request", "subject_unit": "XS-CGJ"}"#, complaint) == ["subject_unit:type"])
        let one = try schema(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#)
        #expect(try violations("1.5", one).isEmpty)
        #expect(try violations("1", one) == [":oneOf"], "an integer is a number too")
        let any = try schema(#"{"anyOf": [{"type": "integer"}, {"type": "null"}]}"#)
        #expect(try violations("null", any).isEmpty)
        #expect(try violations(#""1""#, any) == [":anyOf"])
        let all = try schema(#"{"allOf": [{"minLength": 2}, {"pattern": "^W"}], "not": {"const": "WX"}}"#)
        #expect(try violations(#""W1""#, all).isEmpty)
        #expect(Set(try violations(#""X""#, all)) == [":minLength", ":pattern"])
        #expect(try violations(#""WX""#, all) == [":not"])
    }

    @Test("$ref follows local $defs and sibling files; a bad schema throws instead of passing")
    func references() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let common = #"{"$defs": {"code": {"type": "string", "pattern": "^[A-Z-]+$"}, "a~b/c": {"type": "null"}}}"#
        let message =
            ##"{"$defs": {"id": {"$ref": "common.schema.json#/$defs/code"}}, "##
            + ##""properties": {"by": {"$ref": "#/$defs/id"}, "n": {"$ref": "common.schema.json#/$defs/a~0b~1c"}}}"##
        try Data(common.utf8).write(to: folder.appendingPathComponent("common.schema.json"))
        try Data(message.utf8).write(to: folder.appendingPathComponent("message.schema.json"))
        let files = JSONSchemaValidator(directory: folder)
        #expect(try files.validate(["by": "FL-JDB", "n": .null], against: "message.schema.json").isEmpty)
        #expect(try files.validate(["by": "fl-jdb", "n": 1], against: "message.schema.json").map(\.path) == ["by", "n"])
        #expect(throws: SchemaError.self) { try files.validate(["by": "X"], schema: try schema(##"{"$ref": "#/$defs/missing"}"##)) }
        #expect(throws: SchemaError.self) { try files.validate("x", schema: try schema(#"{"dependentRequired": {}}"#)) }
        #expect(throws: SchemaError.self) { try files.validate("x", against: "absent.schema.json") }
        #expect(throws: SchemaError.self) { try files.validate("x", schema: try schema(#"{"format": "email"}"#)) }
    }
}
