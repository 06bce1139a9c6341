import Foundation
import Testing

@testable import WhistlePostgres

/// WhistlePostgres pieces that need no server: URL parsing and the text codecs.
@Suite struct PostgresUnitTests {
    // MARK: URL parsing

    @Test func parsesAFullURL() throws {
        let config = try PostgresConfiguration(url: "postgres://whistle:secret@db.example:6432/whistle_prod?sslmode=disable")
        #expect(config.host == "db.example")
        #expect(config.port == 6432)
        #expect(config.user == "whistle")
        #expect(config.password == "secret")
        #expect(config.database == "whistle_prod")
        #expect(config.parameters == ["sslmode": "disable"])
        #expect(config.poolSize == 4)
        #expect(config.connectTimeoutSeconds == 5)
        #expect(config.applicationName == "whistle")
    }

    @Test func defaultsPortAndDecodesPercentEncoding() throws {
        let config = try PostgresConfiguration(
            url: "postgresql://app%40ops:p%40ss%3Aw%2Frd%25%20x@localhost/%E5%90%B9%E5%93%A8", poolSize: 9,
            applicationName: "intake")
        #expect(config.port == 5432)
        #expect(config.user == "app@ops")
        #expect(config.password == "p@ss:w/rd% x")
        #expect(config.database == "吹哨")
        #expect(config.poolSize == 9)
        #expect(config.applicationName == "intake")
        #expect(!config.description.contains("p@ss"))
    }

    @Test func readsQueryOptionsAndIPv6() throws {
        let config = try PostgresConfiguration(
            url: "postgres://u@[::1]:5799?connect_timeout=2&application_name=bench&target_session_attrs=read-write")
        #expect(config.host == "::1")
        #expect(config.port == 5799)
        #expect(config.database == "u")
        #expect(config.password == "")
        #expect(config.connectTimeoutSeconds == 2)
        #expect(config.applicationName == "bench")
        #expect(config.parameters == ["target_session_attrs": "read-write"])
        let keywords = Dictionary(uniqueKeysWithValues: config.connectionKeywords)
        #expect(keywords["options"] == "-c TimeZone=UTC -c DateStyle=ISO -c jit=off", "no JIT: 2 s of compiling for a query of ms")
        #expect(keywords["password"] == nil)
        #expect(keywords["keepalives_idle"] == "10" && keywords["tcp_user_timeout"] == "15000", "a vanished server is noticed")
        let own = try PostgresConfiguration(url: "postgres://u@h/db?tcp_user_timeout=3000&keepalives=0")
        let ownKeywords = Dictionary(uniqueKeysWithValues: own.connectionKeywords)
        #expect(ownKeywords["tcp_user_timeout"] == "3000" && ownKeywords["keepalives"] == "0", "the URL's own values win, once each")
    }

    @Test(arguments: [
        "", "localhost:5432/db", "mysql://u:p@h/db", "postgres://u:p@h:0/db", "postgres://u:p@h:70000/db",
        "postgres://u:p@h:abc/db", "postgres://u:p%zz@h/db", "postgres://u:p@/db", "postgres://:p@h/db",
        "postgres://u:p@[::1/db", "postgres://u:p@h/db?sslmode", "postgres://u:p@h/a/b",
        "postgres://u:p@h/db?connect_timeout=soon",
    ])
    func rejectsBadURLs(_ url: String) {
        let error = #expect(throws: PostgresError.self) { _ = try PostgresConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains("invalid PostgreSQL URL") == true)
    }

    // MARK: arrays

    static let hostileStrings: [String] = [
        "plain", "with space", "comma,inside", "{braces}", "}", "{", "quote\"inside", "\"", "back\\slash", "\\",
        "\\\"", "NULL", "null", "", " ", " padded ", "吹哨报到 · 街道", "tab\tand\nnewline", "emoji 🚨", "a'b",
    ]

    @Test func arrayLiteralRoundTripsHostileStrings() throws {
        let literal = Self.hostileStrings.postgresText
        let decoded = try [String](postgresText: try #require(literal))
        #expect(decoded == Self.hostileStrings)
        let withNulls: [String?] = ["NULL", nil, "", nil, "x"]
        #expect(try PostgresArrayLiteral.decode(PostgresArrayLiteral.encode(withNulls)) == withNulls)
        #expect([String]().postgresText == "{}")
        #expect(["a\"b", "c\\d"].postgresText == #"{"a\"b","c\\d"}"#)
    }

    @Test func parsesServerStyleArrayOutput() throws {
        #expect(try PostgresArrayLiteral.decode(#"{a,"b c",NULL,"NULL","",d\,e}"#) == ["a", "b c", nil, "NULL", "", "d,e"])
        #expect(try PostgresArrayLiteral.decode(#"{"{x}","q\"q","s\\s",吹哨}"#) == ["{x}", "q\"q", "s\\s", "吹哨"])
        #expect(try PostgresArrayLiteral.decode("{ 1 , 2 ,3 }") == ["1", "2", "3"])
        #expect(try PostgresArrayLiteral.decode("[0:1]={7,8}") == ["7", "8"])
        #expect(try PostgresArrayLiteral.decode("{}") == [])
        #expect(try [Int64](postgresText: "{1,-2,9223372036854775807}") == [1, -2, Int64.max])
        for bad in ["", "{", "{a", "{\"a}", "{a}x", "a,b", "{{1,2},{3,4}}", "{a,,b}", "{a\"b}"] {
            #expect(throws: PostgresError.self) { try PostgresArrayLiteral.decode(bad) }
        }
        #expect(throws: PostgresError.self) { try [String](postgresText: "{a,NULL}") }
    }

    @Test func encodesIntegerArrays() {
        #expect([Int64(1), -2, Int64.max].postgresText == #"{"1","-2","9223372036854775807"}"#)
        #expect([1, 2, 3].postgresText == #"{"1","2","3"}"#)
        #expect([Int?(1), nil].postgresText == #"{"1",NULL}"#)
    }

    // MARK: timestamps

    @Test(arguments: [
        ("2026-11-21 08:30:00.123456+00", 1_795_249_800.123456),
        ("2026-11-21 08:30:00+00", 1_795_249_800.0),
        ("2026-11-21 16:30:00.5+08", 1_795_249_800.5),
        ("2026-11-21 14:00:00+05:30", 1_795_249_800.0),
        ("2026-11-21 03:30:00-05", 1_795_249_800.0),
        ("2026-11-21T08:30:00.123456Z", 1_795_249_800.123456),
        ("2026-11-21 08:30:00", 1_795_249_800.0),
        ("1970-01-01 00:00:00+00", 0.0),
        ("1969-12-31 23:59:59.999999+00", -0.000001),
        ("2024-02-29 00:00:00+00", 1_709_164_800.0),
        ("1900-01-01 00:00:00+00:09:21", -2_208_989_361.0),
    ])
    func parsesTimestamptzOutput(_ text: String, _ expected: Double) throws {
        let date = try Date(postgresText: text)
        #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_000_5, "\(text)")
    }

    @Test func rejectsBadTimestamps() throws {
        for bad in [
            "", "2026-02-30 00:00:00+00", "2026-13-01 00:00:00+00", "2026-11-21 25:00:00+00", "yesterday",
            "2026-11-21 08:30:00.+00", "2026-11-21 08:30:00 +00", "2026-11-21 08:30:00+00 extra",
        ] {
            #expect(throws: PostgresError.self, "\(bad)") { try Date(postgresText: bad) }
        }
        #expect(try Date(postgresText: "infinity") == .distantFuture)
    }

    @Test func formatsDatesAsRFC3339Micros() throws {
        let date = Date(timeIntervalSince1970: 1_795_249_800.123456)
        #expect(date.postgresText == "2026-11-21T08:30:00.123456Z")
        #expect(Date(timeIntervalSince1970: -0.5).postgresText == "1969-12-31T23:59:59.500000Z")
        for seconds in [0.0, 1.000001, 951_782_400.999999, 4_102_444_799.5, -86_400.25] {
            let original = Date(timeIntervalSince1970: seconds)
            let back = try Date(postgresText: try #require(original.postgresText))
            #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001)
        }
    }

    // MARK: scalars and bytea

    @Test func byteaHexRoundTrips() throws {
        let bytes = Data([0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF])
        #expect(bytes.postgresText == "\\x00017f80abff")
        #expect(try Data(postgresText: "\\x00017F80ABff") == bytes)
        #expect(try Data(postgresText: "\\x") == Data())
        for bad in ["00ff", "\\x0", "\\xzz", "\\000"] {
            #expect(throws: PostgresError.self) { try Data(postgresText: bad) }
        }
    }

    @Test func scalarTexts() throws {
        #expect(true.postgresText == "t")
        #expect(try Bool(postgresText: "f") == false)
        #expect(Double.nan.postgresText == "NaN")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect(try Double(postgresText: "Infinity") == .infinity)
        #expect(try Double(postgresText: "0.1") == 0.1)
        #expect(Int32.min.postgresText == "-2147483648")
        #expect(throws: PostgresError.self) { try Int32(postgresText: "2147483648") }
        let uuid = UUID()
        #expect(try UUID(postgresText: try #require(uuid.postgresText)) == uuid)
        #expect(String?.none.postgresText == nil)
        #expect(Optional("x").postgresText == "x")
    }

    @Test func errorClassification() {
        #expect(PostgresError(.connection, "gone").isConnectionLoss)
        #expect(PostgresError(.query, "x", sqlState: "08006").isConnectionLoss)
        #expect(PostgresError(.query, "x", sqlState: "57P01").isConnectionLoss)
        #expect(!PostgresError(.query, "x", sqlState: "23505").isConnectionLoss)
        #expect(PostgresError(.query, "x", sqlState: "23505").isUniqueViolation)
        #expect(PostgresError(.query, "x", sqlState: "40P01").isSerializationFailure)
        #expect(PostgresError(.query, "boom", sqlState: "42P01").description == "postgres query error [42P01]: boom")
        #expect("invalid input syntax for type uuid: \"13800138000\"".blankingQuotedParts() == "invalid input syntax for type uuid: \"…\"")
    }

    @Test func rowsDecodeByIndexAndName() throws {
        let rows = PostgresRows(columns: ["id", "note"], cells: ["7", nil, "8", "x"], rowCount: 2, affectedRows: 2)
        #expect(rows.count == 2)
        #expect(try rows[0].decode("id", as: Int.self) == 7)
        #expect(rows[0].isNull(1))
        #expect(try rows[0].decodeIfPresent(1, as: String.self) == nil)
        #expect(throws: PostgresError.self) { try rows[0].decode(1, as: String.self) }
        #expect(try rows[1].decode(1, as: String.self) == "x")
        #expect(throws: PostgresError.self) { try rows[1].decode("missing", as: String.self) }
        #expect(throws: PostgresError.self) { try rows[1].decode(0, as: Bool.self) }
    }
}
